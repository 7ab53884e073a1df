/**
 * Multi-device training with real workers, spawned from the compiled dist/
 * (the global test setup builds it from the current sources): data and tower placement follow the single
 * device's trajectory, worker threads and the process protocol alike;
 * checkpoints are device-count independent; a crash or hang stops the run
 * with a DeviceError naming the device and leaves the last checkpoint intact.
 * Timing is never tested here (bench/devices.ts measures speed).
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.js';
import type { Plan } from '../../plan/types.js';
import { initBackend } from '../../runtime/backend/select.js';
import { createMultiDeviceExecutor, DeviceError, type MultiDeviceOptions } from '../../runtime/devices/index.js';
import type { Executor, ExecutorState, HostBatch } from '../../runtime/exec/executor.js';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import type { RunConfig } from '../../runtime/train/run-dir.js';
import type { TrainEvent } from '../../runtime/train/events.js';
import { startRun } from '../../runtime/train/run.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { planOf, pseudoRandom } from './helpers.js';
import { towersSpec } from './devices-fixtures.js';

const BACKEND = 'wasm';
/**
 * The hang tests' watchdog deadline. It is also every healthy request's
 * deadline (the first step's included: no slowest answer is known yet), so it
 * is far above a healthy step of this model (well under a second, even on a
 * busy 2-core machine); a hang is found after this long.
 */
const HANG_TIMEOUT_MS = 10_000;

beforeAll(async () => {
  await initBackend(BACKEND);
});

function config(plan: Plan, devices: number, placement: 'data' | 'towers'): RunConfig {
  return { backend: BACKEND, devices, placement, seed: plan.seed, baseDir: '.', dataPath: null, trainLimit: null, testLimit: null, checkpointEvery: 0 };
}

function batchOf(plan: Plan, n: number, seed: number): HostBatch {
  const shape = [n, ...plan.input.shape];
  return { x: pseudoRandom(shape.reduce((a, b) => a * b, 1), seed + 1), shape, y: Int32Array.from({ length: n }, (_, i) => (i * 5 + seed) % plan.output.classes!) };
}

function maxDiff(a: ExecutorState, b: ExecutorState): number {
  const byName = new Map([...b.params, ...b.slots].map((t) => [t.name, t]));
  let m = 0;
  for (const t of [...a.params, ...a.slots]) {
    const u = byName.get(t.name);
    if (!u) throw new Error(`no ${t.name}`);
    expect(u.shape).toEqual(t.shape);
    for (let i = 0; i < t.values.length; i++) m = Math.max(m, Math.abs(t.values[i]! - u.values[i]!));
  }
  expect(a.params.length + a.slots.length).toBe(b.params.length + b.slots.length);
  return m;
}

/** Trains `steps` batches on both executors; returns each one's losses. */
async function trainBoth(plan: Plan, a: Executor, b: Executor, sizes: number[], from = 0) {
  const losses: [number, number][] = [];
  for (const [i, n] of sizes.entries()) {
    const batch = batchOf(plan, n, from + i);
    const ra = await a.trainStep(batch, 0.05, from + i);
    const rb = await b.trainStep(batch, 0.05, from + i);
    expect(rb.count).toBe(ra.count);
    expect(rb.top1Errors).toBe(ra.top1Errors);
    losses.push([ra.lossSum, rb.lossSum]);
  }
  return losses;
}

/** A single-device reference, trained in this process on the same batches. */
async function reference(plan: Plan, sizes: number[]): Promise<{ losses: number[]; state: ExecutorState; probabilities: Float32Array }> {
  const local = new LocalExecutor(plan, { seed: plan.seed, labelSmoothing: plan.train.labelSmoothing });
  const losses = [];
  for (const [i, n] of sizes.entries()) losses.push((await local.trainStep(batchOf(plan, n, i), 0.05, i)).lossSum);
  const state = await local.getState();
  const probabilities = (await local.evaluate(batchOf(plan, 5, 99))).probabilities;
  await local.dispose();
  return { losses, state, probabilities };
}

async function expectSameTrajectory(plan: Plan, devices: number, placement: 'data' | 'towers', options: MultiDeviceOptions, sizes: number[]) {
  const ref = await reference(plan, sizes);
  const multi = await createMultiDeviceExecutor(plan, config(plan, devices, placement), BACKEND, options);
  try {
    expect(multi.devices).toBe(devices);
    for (const [i, n] of sizes.entries()) {
      const r = await multi.trainStep(batchOf(plan, n, i), 0.05, i);
      expect(r.count).toBe(n);
      expect(Math.abs(r.lossSum - ref.losses[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.losses[i]!)));
    }
    expect(maxDiff(ref.state, await multi.getState())).toBeLessThan(1e-5);
    const ev = await multi.evaluate(batchOf(plan, 5, 99));
    expect(ev.probabilities.length).toBe(ref.probabilities.length);
    for (let i = 0; i < ev.probabilities.length; i++) expect(Math.abs(ev.probabilities[i]! - ref.probabilities[i]!)).toBeLessThan(1e-5);
  } finally {
    await multi.dispose();
  }
}

describe('multi-device training follows one device (workers from dist/)', () => {
  const plan = planOf(towersSpec);

  it('data placement, 2 worker threads: same losses, weights, optimizer state and predictions (dropout included)', async () => {
    await expectSameTrajectory(plan, 2, 'data', {}, [6, 6, 5]);
  });

  it('data placement, 3 child processes (the GPU protocol on wasm), uneven slices and a 2-row batch', async () => {
    await expectSameTrajectory(plan, 3, 'data', { transport: 'process' }, [7, 6, 2]);
  });

  it('tower placement, 2 worker threads: each owns a tower, exchanges in shared memory', async () => {
    await expectSameTrajectory(plan, 2, 'towers', {}, [6, 6, 8]);
  });

  it('tower placement, 5 classes over 2 towers: the last layer, computed whole on each device, trains as on one', async () => {
    const odd = planOf(towersSpec.replace('{ name: fc2, type: dense, units: 6,', '{ name: fc2, type: dense, units: 5,'));
    expect(odd.ops.find((o) => o.name === 'fc2')!.towers).toEqual({ count: 2, connect: 'all', output: 'replicated' });
    await expectSameTrajectory(odd, 2, 'towers', {}, [6, 6]);
  });

  it('tower placement, 2 child processes (the GPU protocol): exchanges relayed by the coordinator', async () => {
    await expectSameTrajectory(plan, 2, 'towers', { transport: 'process' }, [6, 3]);
  });

  it('checkpoints hold whole tensors: state moves between 1, 2-device data and 2-device tower runs', async () => {
    const sizes = [6, 6];
    const towers = await createMultiDeviceExecutor(plan, config(plan, 2, 'towers'), BACKEND);
    const data = await createMultiDeviceExecutor(plan, config(plan, 2, 'data'), BACKEND);
    try {
      // two steps on towers, then continue on data placement from its state
      for (const [i, n] of sizes.entries()) await towers.trainStep(batchOf(plan, n, i), 0.05, i);
      const mid = await towers.getState();
      await data.setState(mid);
      expect(maxDiff(mid, await data.getState())).toBe(0);
      const local = new LocalExecutor(plan, { seed: plan.seed });
      await local.setState(mid);
      const losses = await trainBoth(plan, local, data, [6, 4], 2);
      for (const [a, b] of losses) expect(Math.abs(a - b)).toBeLessThan(1e-4 * Math.max(1, Math.abs(a)));
      const end = await local.getState();
      expect(maxDiff(end, await data.getState())).toBeLessThan(1e-5);
      // and back into towers
      await towers.setState(end);
      expect(maxDiff(end, await towers.getState())).toBe(0);
      expect((await towers.getState()).optimizerStep).toBe(4);
      await local.dispose();
    } finally {
      await Promise.all([towers.dispose(), data.dispose()]);
    }
  });
});

describe('device failures', () => {
  const plan = planOf(towersSpec);

  async function failure(placement: 'data' | 'towers', options: MultiDeviceOptions): Promise<DeviceError> {
    const multi = await createMultiDeviceExecutor(plan, config(plan, 2, placement), BACKEND, options);
    let caught: unknown = null;
    try {
      for (let step = 0; step < 4; step++) await multi.trainStep(batchOf(plan, 6, step), 0.05, step);
    } catch (err) {
      caught = err;
    }
    await multi.dispose(); // must not hang after a failure (the test's timeout would catch it)
    expect(caught).toBeInstanceOf(DeviceError);
    await expect(multi.trainStep(batchOf(plan, 6, 9), 0.05, 9)).rejects.toBe(caught);
    return caught as DeviceError;
  }

  it('a worker thread that crashes is named', async () => {
    const err = await failure('data', { fault: { device: 1, step: 2, kind: 'crash' } });
    expect(err.name).toBe('DeviceError');
    expect(err.device).toBe(1);
    expect(err.message).toMatch(/^device 1 of 2 \(worker thread \d+, wasm\) exited with code 70 during a training step/);
  });

  it('a worker that throws reports its error', async () => {
    const err = await failure('towers', { fault: { device: 0, step: 1, kind: 'throw' } });
    expect(err.message).toMatch(/^device 0 of 2 .* failed during a training step: injected fault at step 1/);
  });

  it('a hung tower device is found by the watchdog, not its waiting peer', async () => {
    const err = await failure('towers', { fault: { device: 1, step: 1, kind: 'hang' }, timeoutMs: HANG_TIMEOUT_MS });
    expect(err.device).toBe(1);
    expect(err.message).toMatch(/^device 1 of 2 .* did not answer within \d+ s during a training step/);
  });

  it('a hung tower process is found while its peer blocks at the relayed exchange', async () => {
    const err = await failure('towers', { transport: 'process', fault: { device: 0, step: 2, kind: 'hang' }, timeoutMs: HANG_TIMEOUT_MS });
    expect(err.message).toMatch(/^device 0 of 2 \(process \d+, wasm\) did not answer within \d+ s during a training step/);
  });

  it('a device process that dies is named with its exit', async () => {
    const err = await failure('data', { transport: 'process', fault: { device: 0, step: 2, kind: 'crash' } });
    expect(err.message).toMatch(/^device 0 of 2 \(process \d+, wasm\) exited with code 70/);
  });
});

describe('netc train with --devices: crash, checkpoint, resume on another device count', () => {
  const tmp = useTempDirs('devices');
  const specPath = new URL('../../examples/fashion-mnist/fmnist-alexnet.yaml', import.meta.url).pathname;
  const plan = compileFile(specPath).plan!;
  const common = { plan, baseDir: join(specPath, '..'), backend: BACKEND as 'wasm', epochs: 1, batch: 32, trainLimit: 200, testLimit: 32 };
  const weights = (dir: string) => [...readCheckpoint(join(dir, 'checkpoint.ckpt')).tensors].filter(([n]) => plan.params.some((p) => p.name === n));

  it('stops with a DeviceError and an intact checkpoint, then resumes on one device where it stopped and ends as a one-device run', async () => {
    // the reference: the same run on one device, uninterrupted; its per-step losses and end weights
    const refDir = tmp();
    const refLosses: number[] = [];
    await startRun({ ...common, runDir: join(refDir, 'run'), reporter: (e) => void (e.type === 'step' && refLosses.push(e.loss)) });
    expect(refLosses.length).toBe(6); // 200 images, 10% held out for validation: 180 in batches of 32

    const runDir = join(tmp(), 'run');
    const crashing = (p: Plan, c: RunConfig, b: string) => createMultiDeviceExecutor(p, c, b, { fault: { device: 1, step: 3, kind: 'crash' } });
    const run = startRun({ ...common, runDir, devices: 2, placement: 'data', checkpointEvery: 2, reporter: () => {}, createMultiDevice: crashing });
    await expect(run).rejects.toThrow(/^device 1 of 2 .* exited with code 70 during a training step/);
    await expect(run).rejects.toMatchObject({ code: 'NETC5404' });
    const ckpt = readCheckpoint(join(runDir, 'checkpoint.ckpt'));
    expect(ckpt.header.step).toBe(2);

    const events: TrainEvent[] = [];
    const resumed = await startRun({ ...common, plan: undefined, resumeDir: runDir, devices: 1, reporter: (e) => void events.push(e) });
    expect(resumed.status).toBe('finished');
    expect(events.find((e) => e.type === 'start')).toMatchObject({ devices: 1, resumedFrom: { epoch: 0, batch: 2 } });
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.map((e) => e.batch)).toEqual([2, 3, 4, 5]);
    // two devices and one compute the same sums in another order: equal to float32 rounding, step by step
    steps.forEach((e, i) => expect(Math.abs(e.loss - refLosses[i + 2]!)).toBeLessThan(1e-4 * Math.max(1, refLosses[i + 2]!)));
    const ref = new Map(weights(join(refDir, 'run')));
    let maxDiff = 0;
    for (const [name, t] of weights(runDir)) {
      const r = ref.get(name)!;
      expect(t.values.length).toBe(r.values.length);
      for (let i = 0; i < t.values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(t.values[i]! - r.values[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBeLessThan(1000);
  });
});
