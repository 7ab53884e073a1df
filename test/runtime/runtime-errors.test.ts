/**
 * Runtime errors about what the user gave (issue 12): the memory estimate
 * refuses a run that cannot fit before it starts (NETC5402), and an error
 * caused by a spec value points at that value's line when the CLI compiled
 * the spec (NETC5303 at the spec's `dataset`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTIVATION_COPIES, estimateTrainingMemory, GRADIENT_COPIES, largestBatchThatFits } from '../../plan/memory.js';
import { checkConvGroups } from '../../export/support.js';
import { findPython } from '../../export/pytorch/launch.js';
import type { ConvOp } from '../../plan/types.js';
import { startRun } from '../../runtime/train/run.js';
import { planOf } from './helpers.js';

const temps: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'netc-rterr-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('the memory estimate (plan/memory.ts)', () => {
  // input 4 -> dense 3 -> softmax: weights 4x3 + bias 3 = 15 values; outputs per image 4 + 3 + 3 floats.
  const plan = planOf('netc: 1\nname: m\ninput: { shape: [4] }\nlayers: [{ type: dense, units: 3 }, { type: softmax }]\ntrain: { batch: 10, optimizer: { type: adam, lr: 0.1 } }\n');

  it('adds parameters, gradients, optimizer slots and activations, counted by hand', () => {
    const m = estimateTrainingMemory(plan);
    expect(m).toMatchObject({ batch: 10, devices: 1, params: 15 * 4, gradients: 15 * 4 * GRADIENT_COPIES, optimizer: 15 * 4 * 2 /* adam: m and v */, activations: 10 * (4 + 3 + 3) * 4 * ACTIVATION_COPIES });
    expect(m.total).toBe(m.params + m.gradients + m.optimizer + m.activations);
  });

  it('data placement splits the batch over devices; the largest batch is the last that fits', () => {
    expect(estimateTrainingMemory(plan, { batch: 10, devices: 2, placement: 'data' }).batch).toBe(5);
    const limit = estimateTrainingMemory(plan, { batch: 37 }).total;
    expect(largestBatchThatFits(plan, limit)).toBe(37);
    expect(largestBatchThatFits(plan, limit - 1)).toBe(36);
    expect(largestBatchThatFits(plan, 10)).toBe(0);
  });

  it('refuses AlexNet at batch 512 on wasm before loading anything, with the estimate and the largest batch (NETC5402)', async () => {
    const alexnet = planOf(readFileSync('specs/alexnet.yaml', 'utf8'));
    const largest = largestBatchThatFits(alexnet, 4 * 2 ** 30);
    expect(largest).toBeGreaterThan(32);
    expect(largest).toBeLessThan(96); // measured: batch 96 dies with "memory access out of bounds" on wasm
    const runDir = join(tmp(), 'run');
    await expect(startRun({ plan: alexnet, baseDir: 'specs', backend: 'wasm', batch: 512, runDir, reporter: () => undefined })).rejects.toMatchObject({
      code: 'NETC5402',
      specPointer: '/train/batch',
      message: expect.stringMatching(/^training `alexnet` at batch 512 needs about [\d.]+ GiB per device \(parameters 233 MiB, .*\), more than the wasm backend's 4\.0 GiB$/),
      hint: expect.stringContaining(`the largest batch that fits is about ${largest}`),
    });
    expect(existsSync(runDir)).toBe(false);
  });
});

describe('the other engines\' errors are NetcErrors too', () => {
  it('a plan an exporter cannot express (NETC5501), a Python without PyTorch (NETC5502)', () => {
    const plan = planOf(`netc: 1
name: g
input: { shape: [8, 8, 4] }
towers: 2
layers:
  - { name: c1, type: conv, filters: 8, kernel: 3, pad: 1 }
  - { name: c2, type: conv, filters: 8, kernel: 3, pad: 1, groups: 2, connect: all }
  - { type: flatten }
  - { type: dense, units: 2 }
`);
    const op = plan.ops.find((o) => o.name === 'c2') as ConvOp;
    expect(() => checkConvGroups(op, 'ONNX')).toThrow(expect.objectContaining({ code: 'NETC5501', message: expect.stringContaining('`c2`: a grouped convolution') }));
    expect(() => findPython(join(tmp(), 'no-python'))).toThrow(expect.objectContaining({ code: 'NETC5502', message: expect.stringContaining('no-python: not found') }));
  });
});

describe.skipIf(!existsSync(resolve('dist/cli/main.js')))('a runtime error about a spec value, from the CLI', () => {
  it('points at the spec line of the dataset (too many classes: NETC5303)', () => {
    const dir = tmp();
    const data = resolve('test/fixtures/data/fashion-mnist');
    // idx data says its classes only when read: the compiler cannot know there are 10.
    writeFileSync(join(dir, 'five.yaml'), `netc: 1
name: five
input: { shape: [28, 28, 1] }
layers:
  - { type: flatten }
  - { type: dense, units: 5 }
  - { type: softmax }
train: { batch: 16, epochs: 1 }
data:
  dataset: { kind: idx, path: ${JSON.stringify(data)} }
  validation: test
`);
    const r = spawnSync(process.execPath, [resolve('dist/cli/main.js'), 'train', 'five.yaml', '--backend', 'wasm', '-q'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).not.toContain('    at ');
    expect(r.stderr).toMatch(/^five\.yaml:10:12: error NETC5303: .*the data has 10 classes but the model outputs 5/m);
    expect(r.stderr).toContain('10 |   dataset: { kind: idx');
    expect(r.status).toBe(1);
  });
});
