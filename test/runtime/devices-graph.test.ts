/**
 * Graph plans on several devices (workers from dist/, as devices-workers.test.ts):
 * tower placement of branches, merges and batchnorm (split and replicated)
 * follows one device exactly; data placement with batchnorm normalizes each
 * device's rows by their own statistics (PyTorch DDP's default) and moves the
 * running statistics of every device by the whole batch's, computed here
 * independently from the devices' activations.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/types.js';
import { initBackend } from '../../runtime/backend/select.js';
import { createMultiDeviceExecutor, type MultiDeviceOptions } from '../../runtime/devices/index.js';
import type { DataParallelExecutor } from '../../runtime/devices/data-parallel.js';
import type { ExecutorState, HostBatch } from '../../runtime/exec/executor.js';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { createForward } from '../../runtime/model/forward.js';
import type { RunConfig } from '../../runtime/train/run-dir.js';
import { planOf, pseudoRandom } from './helpers.js';
import { PlanBuilder } from './plan-builder.js';

const built = existsSync(new URL('../../dist/runtime/devices/worker.js', import.meta.url));
if (!built) console.warn('devices-graph.test.ts: skipped, dist/runtime/devices/worker.js is missing (run `npm run build`; npm test does)');

beforeAll(async () => {
  await initBackend('wasm');
});

const train = { batch: 6, optimizer: { type: 'sgd' as const, lr: 0.05, momentum: 0.9, weightDecay: 0.0005 } };

/**
 * Two towers, as a spec: a batchnorm of the replicated input (every device
 * computes it whole), split convs and batchnorms, a residual add of split
 * values, a tower-major concat, dropout, global pooling.
 */
const towerSpec = `
netc: 1
name: tower-graph
seed: 5
input: { shape: [6, 6, 2] }
towers: 2
defaults: { init: he_normal, bias: false }
layers:
  - { name: bn0, type: batchnorm }
  - { name: c1, type: conv, filters: 8, kernel: 3, pad: 1 }
  - { name: c1_bn, type: batchnorm, act: relu }
  - { name: c2, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower }
  - { name: c2_bn, type: batchnorm }
  - { name: add, type: add, inputs: [c2_bn, c1_bn], act: relu }
  - { name: c3, type: conv, filters: 4, kernel: 1, connect: tower, act: relu }
  - { name: cat, type: concat, inputs: [add, c3] }
  - { name: drop, type: dropout, p: 0.3 }
  - { name: gap, type: globalavgpool }
  - { name: fc, type: dense, units: 6, bias: 0 }
  - { name: prob, type: softmax }
train: { batch: 6, optimizer: { type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005 } }
`;

/**
 * The same kind of graph built by hand with the logits a batchnorm of the
 * gathered dense output (which a spec cannot say): the loss reads a value
 * every device computes whole.
 */
function replicatedLogitsGraph(): Plan {
  const g = new PlanBuilder({ name: 'tower-graph-whole-logits', input: [6, 6, 2], towers: 2, seed: 5, train });
  const bn0 = g.batchnorm('bn0', g.input);
  const c1 = g.batchnorm('c1.bn', g.conv('c1', bn0, { filters: 8, kernel: 3, pad: 1, bias: false }), { act: 'relu' });
  const c2 = g.batchnorm('c2.bn', g.conv('c2', c1, { filters: 8, kernel: 3, pad: 1, connect: 'tower', bias: false }));
  const sum = g.add('add', [c2, c1], { act: 'relu' });
  const pooled = g.globalPool('gap', 'globalmaxpool', g.dropout('drop', sum, 0.3));
  const fc = g.dense('fc', pooled, { units: 6 });
  return g.finish(g.batchnorm('out.bn', g.exchange(fc, 'out.bn'), { momentum: 0.2 }));
}

/** One tower: conv, batchnorm (relu), a residual block, global max pooling, dense; no dropout. */
const dataSpec = `
netc: 1
name: data-graph
seed: 9
input: { shape: [6, 6, 2] }
defaults: { init: he_normal, bias: false }
layers:
  - { name: stem, type: conv, filters: 4, kernel: 3, pad: 1 }
  - { name: stem_bn, type: batchnorm, act: relu, momentum: 0.3 }
  - { name: a, type: conv, filters: 4, kernel: 3, pad: 1 }
  - { name: a_bn, type: batchnorm, act: relu, momentum: 0.3 }
  - { name: add, type: add, inputs: [a_bn, stem_bn] }
  - { name: gap, type: globalmaxpool }
  - { name: fc, type: dense, units: 4, bias: 0 }
  - { name: prob, type: softmax }
train: { batch: 7, optimizer: { type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005 } }
`;

function config(plan: Plan, devices: number, placement: 'data' | 'towers'): RunConfig {
  return { backend: 'wasm', devices, placement, seed: plan.seed, baseDir: '.', dataPath: null, trainLimit: null, testLimit: null, checkpointEvery: 0 };
}

function batchOf(plan: Plan, n: number, seed: number): HostBatch {
  const shape = [n, ...plan.input.shape];
  return { x: pseudoRandom(shape.reduce((a, b) => a * b, 1), seed + 1), shape, y: Int32Array.from({ length: n }, (_, i) => (i * 5 + seed) % plan.output.classes!) };
}

function maxDiff(a: ExecutorState, b: ExecutorState): number {
  const byName = new Map([...b.params, ...b.slots].map((t) => [t.name, t]));
  expect(a.params.length + a.slots.length).toBe(b.params.length + b.slots.length);
  let m = 0;
  for (const t of [...a.params, ...a.slots]) {
    const u = byName.get(t.name)!;
    expect(u.shape, t.name).toEqual(t.shape);
    for (let i = 0; i < t.values.length; i++) m = Math.max(m, Math.abs(t.values[i]! - u.values[i]!));
  }
  return m;
}

describe.skipIf(!built)('tower placement of a graph follows one device', () => {
  for (const [replicatedLogits, transport] of [[false, 'thread'], [true, 'thread'], [true, 'process']] as const) {
    it(`branches, merges, split and replicated batchnorm${replicatedLogits ? ', logits every device computes whole' : ''} (${transport === 'thread' ? 'threads' : 'processes'})`, async () => {
      const plan = replicatedLogits ? replicatedLogitsGraph() : planOf(towerSpec);
      const sizes = [6, 6, 4];
      const local = new LocalExecutor(plan, { seed: plan.seed });
      const losses: number[] = [];
      for (const [i, n] of sizes.entries()) losses.push((await local.trainStep(batchOf(plan, n, i), 0.05, i)).lossSum);
      const ref = await local.getState();
      const refEval = await local.evaluate(batchOf(plan, 5, 99));
      await local.dispose();
      const options: MultiDeviceOptions = transport === 'process' ? { transport } : {};
      const multi = await createMultiDeviceExecutor(plan, config(plan, 2, 'towers'), 'wasm', options);
      try {
        for (const [i, n] of sizes.entries()) {
          const r = await multi.trainStep(batchOf(plan, n, i), 0.05, i);
          expect(Math.abs(r.lossSum - losses[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(losses[i]!)));
        }
        // weights, optimizer slots and running statistics (replicated ones: device 0's)
        expect(maxDiff(ref, await multi.getState())).toBeLessThan(1e-5);
        const ev = await multi.evaluate(batchOf(plan, 5, 99));
        for (let i = 0; i < ev.probabilities.length; i++) expect(Math.abs(ev.probabilities[i]! - refEval.probabilities[i]!)).toBeLessThan(1e-5);
      } finally {
        await multi.dispose();
      }
    });
  }
});

describe.skipIf(!built)('data placement with batchnorm', () => {
  const plan = planOf(dataSpec);

  it('each device normalizes its own rows; the running statistics move by the whole batch\'s, the same on every device', async () => {
    const batch = batchOf(plan, 7, 0);
    const rows = [{ start: 0, n: 4 }, { start: 4, n: 3 }];
    const local = new LocalExecutor(plan, { seed: plan.seed });
    const init = await local.getState();
    await local.dispose();
    const params = new Map(init.params.map((p) => [p.name, tf.tensor(p.values, p.shape)]));
    const slice = (start: number, n: number) => {
      const per = batch.x.length / 7;
      return tf.tensor(batch.x.slice(start * per, (start + n) * per), [n, ...plan.input.shape]);
    };
    // Independently: each slice's forward in training mode (its own statistics), the batchnorm inputs of both
    // slices together, their mean and unbiased variance; and each slice's loss from its logits.
    const expected = new Map<string, number[]>();
    for (const [bn, input] of [['stem_bn', 'stem'], ['a_bn', 'a']] as const) {
      const acts = rows.map(({ start, n }) => createForward(plan, input)(params, slice(start, n), { training: true, dropoutSeed: 0 }).dataSync());
      const all = acts.flatMap((a) => Array.from(a));
      const C = 4;
      const count = all.length / C;
      const mean = Array.from({ length: C }, (_, c) => all.filter((_, i) => i % C === c).reduce((s, v) => s + v, 0) / count);
      const variance = mean.map((m, c) => all.filter((_, i) => i % C === c).reduce((s, v) => s + (v - m) ** 2, 0) / (count - 1));
      expected.set(`${bn}.running_mean`, mean.map((m) => 0.3 * m));
      expected.set(`${bn}.running_var`, variance.map((v) => 0.3 * v + 0.7));
    }
    let loss = 0;
    for (const { start, n } of rows) {
      const logits = createForward(plan)(params, slice(start, n), { training: true, dropoutSeed: 0 });
      const p = tf.softmax(logits).arraySync() as number[][];
      for (let i = 0; i < n; i++) loss -= Math.log(p[i]![batch.y[start + i]!]!);
    }

    const multi = (await createMultiDeviceExecutor(plan, config(plan, 2, 'data'), 'wasm')) as DataParallelExecutor;
    try {
      const r = await multi.trainStep(batch, 0.05, 0);
      expect(Math.abs(r.lossSum - loss)).toBeLessThan(1e-4 * loss);
      const states = [await multi.getState(0), await multi.getState(1)];
      for (const [name, values] of expected) {
        for (const s of states) {
          const got = s.params.find((p) => p.name === name)!.values;
          for (let c = 0; c < values.length; c++) expect(Math.abs(got[c]! - values[c]!), `${name}[${c}]`).toBeLessThan(1e-5);
        }
      }
      // and they stay identical on every device, weights and statistics alike
      for (let step = 1; step < 4; step++) await multi.trainStep(batchOf(plan, 7, step), 0.05, step);
      expect(maxDiff(await multi.getState(0), await multi.getState(1))).toBe(0);
    } finally {
      await multi.dispose();
    }
  });
});
