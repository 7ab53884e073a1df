/**
 * Whole training runs of a small residual network with batchnorm (a graph
 * spec) on the 64-image fixture: resume after an epoch, after SIGINT
 * mid-epoch and after SIGKILL all end with exactly the weights and running
 * statistics of an uninterrupted run; a checkpoint without the running
 * statistics is refused by name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../../runtime/train/checkpoint.js';
import type { TrainEvent } from '../../runtime/train/events.js';
import { startRun } from '../../runtime/train/run.js';
import { netc } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { planOf } from './helpers.js';

const dataDir = resolve('test/fixtures/data/fashion-mnist');

/** A stem conv + batchnorm + relu, a residual block with a projection, global average pooling, dropout, dense: as a spec. */
export const residualSpec = `
netc: 1
name: tiny-resnet
seed: 3
input: { shape: [28, 28, 1] }
defaults: { init: he_normal, bias: false, round: floor }
layers:
  - { name: stem, type: conv, filters: 8, kernel: 3, stride: 2, pad: 1 }
  - { name: stem_bn, type: batchnorm, act: relu }
  - { name: b1.conv1, type: conv, filters: 16, kernel: 3, stride: 2, pad: 1 }
  - { name: b1.bn1, type: batchnorm, act: relu }
  - { name: b1.conv2, type: conv, filters: 16, kernel: 3, pad: 1 }
  - { name: b1.bn2, type: batchnorm }
  - { name: b1.proj, type: conv, input: stem_bn, filters: 16, kernel: 1, stride: 2 }
  - { name: b1.proj_bn, type: batchnorm }
  - { name: b1.add, type: add, inputs: [b1.bn2, b1.proj_bn], act: relu }
  - { name: gap, type: globalavgpool }
  - { name: drop, type: dropout, p: 0.2 }
  - { name: fc, type: dense, units: 10, bias: 0 }
  - { name: prob, type: softmax }
train:
  batch: 16
  epochs: 2
  optimizer: { type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005 }
  schedule: { type: step, every: 1, factor: 0.5 }   # unlike cosine, its rates do not depend on the epoch count a test changes
  label_smoothing: 0.1
data:
  dataset: { kind: fashion-mnist, path: ${JSON.stringify(dataDir)} }
  validation: test
  augment: { random_crop: 28, pad: 2, flip: true }
`;

const quiet = (events: TrainEvent[] = []) => (e: TrainEvent) => void events.push(e);
const tmp = useTempDirs('graph-run');
const weights = (dir: string) => {
  const c = readCheckpoint(join(dir, 'checkpoint.ckpt'));
  return Object.fromEntries([...c.tensors].map(([n, t]) => [n, Array.from(t.values)]));
};

describe('training runs of a residual network with batchnorm', () => {
  const plan = planOf(residualSpec);
  const base = { plan, baseDir: '.', backend: 'wasm' as const };
  let reference: Record<string, number[]>;

  it('trains and checkpoints the running statistics, which move', async () => {
    const dir = tmp();
    const s = await startRun({ ...base, runDir: dir, reporter: quiet() });
    expect(s.status).toBe('finished');
    expect(s.test!.top1_error).toBeGreaterThanOrEqual(0);
    reference = weights(dir);
    expect(Object.keys(reference)).toContain('b1.bn2.running_var');
    expect(reference['stem_bn.running_mean']!.some((v) => v !== 0)).toBe(true);
    expect(reference['b1.bn2.running_var']!.some((v) => v !== 1)).toBe(true);
    // no optimizer state for the statistics
    expect(Object.keys(reference).filter((n) => /running_(mean|var)\./.test(n))).toEqual([]);
  });

  it('resumed after an epoch, ends with the same weights and statistics', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: quiet() });
    await startRun({ resumeDir: dir, epochs: 2, reporter: quiet() });
    expect(weights(dir)).toEqual(reference);
  });

  it('interrupted mid-epoch (as by SIGINT) and resumed, ends with the same weights and statistics', async () => {
    const dir = tmp();
    let steps = 0;
    const first = await startRun({
      ...base, runDir: dir, reporter: (e) => {
        if (e.type === 'step' && ++steps === 3) process.emit('SIGINT', 'SIGINT');
      },
    });
    expect(first.status).toBe('interrupted');
    await startRun({ resumeDir: dir, reporter: quiet() });
    expect(weights(dir)).toEqual(reference);
  });

  it('killed with SIGKILL (netc train) and resumed, ends with the same weights and statistics', async () => {
    const dir = tmp();
    const specPath = join(dir, 'tiny-resnet.yaml');
    writeFileSync(specPath, residualSpec);
    const runDir = join(dir, 'run');
    let killed = false;
    // killed at its first step checkpoint, long before the end
    const child = await netc(['train', specPath, '--run-dir', runDir, '--backend', 'wasm', '--checkpoint-every', '1', '--json'], {
      onLine: (line, proc) => {
        const e = JSON.parse(line) as Record<string, unknown>;
        if (!killed && e.type === 'checkpoint' && e.reason === 'interval') {
          killed = true;
          proc.kill('SIGKILL');
        }
      },
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(readCheckpoint(join(runDir, 'checkpoint.ckpt')).header.step).toBeLessThan(8);
    await startRun({ resumeDir: runDir, reporter: quiet() });
    expect(weights(runDir)).toEqual(reference);
  });

  it('refuses a checkpoint without the running statistics, naming them', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: quiet() });
    const path = join(dir, 'checkpoint.ckpt');
    const c = readCheckpoint(path);
    const { tensors: _t, payloadSha256: _s, ...header } = c.header;
    writeCheckpoint(path, header, [...c.tensors].filter(([n]) => !n.includes('running')).map(([name, t]) => ({ name, ...t })));
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: quiet() })).rejects.toThrow(/checkpoint\.ckpt: the checkpoint lacks `stem_bn\.running_mean` \(batchnorm running statistics\).* and \d+ more/);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});
