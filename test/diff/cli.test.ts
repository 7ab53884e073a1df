import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerDiff, runDiff } from '../../cli/commands/diff.js';
import { UsageError } from '../../cli/exit-codes.js';
import { useTempDirs } from '../support/temp-dirs.js';

const tempDir = useTempDirs('diff');

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

const BASE = 'specs/alexnet.yaml';
const ONE_GPU = 'specs/variants/alexnet-1gpu.yaml';

describe('netc diff', () => {
  it('prints the changed layers, totals and sections as text, without colour off a terminal', () => {
    vi.stubEnv('FORCE_COLOR', '');
    expect(runDiff(BASE, ONE_GPU, { format: 'text' })).toBe(0);
    expect(out).not.toContain('\x1b[');
    for (const change of ['filters 96 -> 48', 'filters 256 -> 128', 'filters 384 -> 192', 'connect tower -> -']) expect(out).toContain(change);
    expect(out).toMatch(/~ +conv1 +conv +55x55x96 -> 55x55x48 +34,944 -> 17,472 +-17,472/);
    expect(out).toMatch(/params +60,965,224 +59,798,312 +-1,166,912 +-1\.9%/);
    expect(out).toMatch(/towers +2 -> 1/);
    expect(err).toBe('');
  });

  it('colours rows when asked to, unless NO_COLOR is set', () => {
    vi.stubEnv('FORCE_COLOR', '1');
    runDiff(BASE, 'specs/variants/alexnet-no-lrn.yaml', { format: 'text' });
    expect(out).toContain('\x1b[31m  -  norm1');
    out = '';
    vi.stubEnv('NO_COLOR', '1');
    runDiff(BASE, 'specs/variants/alexnet-no-lrn.yaml', { format: 'text' });
    expect(out).not.toContain('\x1b[');
  });

  it('says "identical" in one line, and exits 0 with --exit-code', () => {
    expect(runDiff(BASE, BASE, { format: 'text', exitCode: true })).toBe(0);
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    expect(out).toMatch(/^identical models: /);
    out = '';
    expect(runDiff(BASE, BASE, { format: 'md' })).toBe(0);
    expect(out).toMatch(/^identical models: [^\n]*\n$/);
  });

  it('exits 1 with --exit-code when the models differ, 0 without', () => {
    expect(runDiff(BASE, 'specs/variants/alexnet-no-lrn.yaml', { format: 'text', exitCode: true })).toBe(1);
    expect(runDiff(BASE, 'specs/variants/alexnet-no-lrn.yaml', { format: 'text' })).toBe(0);
  });

  it('writes a markdown table for a pull request', () => {
    runDiff(BASE, 'specs/variants/alexnet-no-lrn.yaml', { format: 'md' });
    expect(out).toMatch(/^### netc diff: `alexnet` → `alexnet-no-lrn`/);
    expect(out).toContain('| removed | norm1 | lrn | 55x55x96 |');
    expect(out).toContain('| total | a | b | Δ | % |');
  });

  it('writes json', () => {
    runDiff(BASE, ONE_GPU, { format: 'json' });
    const diff = JSON.parse(out);
    expect(diff.a).toEqual({ name: 'alexnet', source: BASE });
    expect(diff.totals.params.delta).toBe(-1_166_912);
  });

  it('prints the diagnostics of a broken input and exits 1', () => {
    const dir = tempDir();
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, `extends: ${join(process.cwd(), BASE)}\nname: broken\nmodify: { conv9: { filters: 8 } }\n`);
    expect(runDiff(BASE, broken, { format: 'text' })).toBe(1);
    expect(err).toContain('NETC3503');
    expect(out).toBe('');
  });

  it('treats a missing file or an unknown format as wrong usage (exit 2)', () => {
    expect(() => runDiff(BASE, 'specs/nowhere.yaml', { format: 'text' })).toThrow(UsageError);
    expect(() => runDiff(BASE, BASE, { format: 'html' })).toThrow(UsageError);
  });

  it('is registered with its flags', async () => {
    const program = new Command().exitOverride();
    registerDiff(program);
    await program.parseAsync(['diff', BASE, ONE_GPU, '--exit-code', '-f', 'json'], { from: 'user' });
    expect(process.exitCode).toBe(1);
    expect(JSON.parse(out).b.name).toBe('alexnet-1gpu');
  });
});
