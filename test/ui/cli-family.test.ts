/**
 * The CLI as one family (issue 12): every command that reads a model
 * defaults to the folder's spec and recompiles it when a plan in build/ is
 * stale; `--json` everywhere (report and diff keep --format); train's JSON
 * events in snake_case with epochs counted from 1, as the text counts them.
 */
import { copyFileSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, netc as run, NETC_MAIN as MAIN, ROOT } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';

const netc = (args: string[], cwd = ROOT) => run(args, { cwd });
const tempDir = useTempDirs('family');

describe.skipIf(!existsSync(MAIN)).concurrent('one CLI family', () => {
  it('`netc report` with no argument reports the spec of the folder; --json is --format json', async () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, 'specs', 'alexnet.yaml'), join(dir, 'alexnet.yaml'));
    const text = await netc(['report'], dir);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^alexnet: input 227x227x3/);
    expect(text.stdout).toMatch(/largest batch on wasm \(4 GiB\)\s+\d+/);
    const json = await netc(['report', '--json'], dir);
    expect((JSON.parse(json.stdout) as { model: string }).model).toBe('alexnet');
    const both = await netc(['report', '--json', '--format', 'md'], dir);
    expect(both.code).toBe(2);
  });

  it('`netc diff --json` is `--format json`', async () => {
    const r = await netc(['diff', '--json', 'specs/alexnet.yaml', 'specs/variants/alexnet-1gpu.yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('identical', false);
  });

  it('a spec edited after `netc compile`: report and train use the spec as it is now, and a stale plan named explicitly is warned about', async () => {
    const dir = tempDir();
    const spec = readFileSync(join(ROOT, 'examples', 'fashion-mnist', 'fmnist-alexnet.yaml'), 'utf8');
    writeFileSync(join(dir, 'net.yaml'), spec);
    expect((await netc(['compile'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'net.yaml'), spec.replace('{ name: fc7, type: dense, units: 192,', '{ name: fc7, type: dense, units: 100,'));
    const report = await netc(['report'], dir);
    expect(report.stdout).toMatch(/fc7\s+dense\+relu\s+\S+\s+100\s/);
    const stale = await netc(['report', 'build/net.plan.json'], dir);
    expect(stale.stderr).toContain('warning: `build/net.plan.json` is stale: `net.yaml` has changed since it was compiled');
    expect(stale.stdout).toMatch(/fc7\s+dense\+relu\s+\S+\s+192\s/);
  });

  it('train --json: snake_case events, epochs and batches counted from 1; the text says "1 epoch"', async () => {
    const dir = tempDir();
    cpSync(join(ROOT, 'test', 'fixtures', 'data', 'fashion-mnist'), join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'tiny.yaml'), `netc: 1
name: tiny
input: { shape: [28, 28, 1] }
layers:
  - { type: flatten }
  - { type: dense, units: 10 }
  - { type: softmax }
train: { batch: 16, epochs: 1, optimizer: { type: sgd, lr: 0.01 } }
data: { dataset: fashion-mnist, validation: test }
`);
    const r = await netc(['train', '--json', '--backend', 'wasm', '--run-dir', 'run'], dir);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    const keys = events.flatMap((e) => Object.keys(e));
    expect(keys.filter((k) => /[A-Z]/.test(k))).toEqual([]);
    const start = events.find((e) => e.type === 'start')!;
    expect(start).toMatchObject({ run_dir: 'run', resumed_from: null, epochs: 1 });
    expect(start.memory_per_device).toBeGreaterThan(0);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps[steps.length - 1]).toMatchObject({ epoch: 1, batch: 4, batches: 4 });
    expect(events.find((e) => e.type === 'epoch')).toMatchObject({ epoch: 1, epochs: 1 });
    expect(JSON.parse(readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8'))).toMatchObject({ epoch: 1 });
    const text = await netc(['train', '--backend', 'wasm', '--run-dir', 'run2'], dir);
    expect(text.stdout).toContain('1 epoch, batch 16');
    expect(text.stdout).not.toContain('1 epochs');
  });
});
