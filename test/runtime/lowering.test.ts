/**
 * Lowering checked against independent references: towers against a
 * block-diagonal single conv, LRN-per-tower against a plain loop, gradients
 * against finite differences, initial values against their distributions,
 * plus determinism and a flat tensor count from step to step.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { createForward } from '../../runtime/model/forward.js';
import { initialValues } from '../../runtime/model/init-params.js';
import { planOf, pseudoRandom, tensorCountsOverSteps } from './helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const towersSpec = (act: string, pool: string) => `
netc: 1
name: towers
input: { shape: [9, 9, 4] }
towers: 2
defaults: { init: "normal(0, 0.3)", bias: "normal(0, 0.1)" }
layers:
  - { name: c1, type: conv, filters: 6, kernel: 3, pad: 1, act: ${act} }
  - { name: n1, type: lrn, size: 3, alpha: 0.1, beta: 0.75, k: 2 }
  - { name: p1, type: ${pool}, window: 3, stride: 2, pad: 1 }
  - { name: c2, type: conv, filters: 4, kernel: 3, connect: tower, act: ${act} }
  - { name: f, type: flatten }
  - { name: d, type: dense, units: 4, connect: all }
  - { name: prob, type: softmax }
`;

function paramsOf(plan: ReturnType<typeof planOf>, seed = 3): Map<string, tf.Tensor> {
  return new Map(plan.params.map((p, i) => [p.name, tf.tensor(initialValues(p, i, seed), p.shape)]));
}

/** The paper's LRN by its formula, the window clipped to [lo, hi) channels (one tower). */
function lrnLoop(x: Float32Array, shape: number[], n: number, k: number, alpha: number, beta: number, tower: number): Float32Array {
  const [N, H, W, C] = shape as [number, number, number, number];
  const out = new Float32Array(x.length);
  for (let p = 0; p < N * H * W; p++) {
    for (let c = 0; c < C; c++) {
      const lo = Math.floor(c / tower) * tower;
      const hi = lo + tower;
      let s = 0;
      for (let j = Math.max(lo, c - (n >> 1)); j <= Math.min(hi - 1, c + (n >> 1)); j++) s += x[p * C + j]! ** 2;
      out[p * C + c] = x[p * C + c]! / (k + alpha * s) ** beta;
    }
  }
  return out;
}

describe('tower lowering on one device', () => {
  it('a tower conv equals one conv with block-diagonal weights', () => {
    const plan = planOf(towersSpec('linear', 'avgpool'));
    const conv = plan.ops.find((o) => o.name === 'c2')!;
    expect(conv.op === 'conv2d' && conv.attrs.groups).toBe(2);
    const params = paramsOf(plan);
    const x = tf.tensor(pseudoRandom(2 * 5 * 5 * 6, 9), [2, 5, 5, 6]) as tf.Tensor4D;
    const w = params.get('c2.weight') as tf.Tensor4D; // [3,3,3,4]: tower t owns filters 2t..2t+1 and reads channels 3t..3t+2
    const full = tf.buffer([3, 3, 6, 4]);
    const wv = w.arraySync() as number[][][][];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 3; c++) for (let f = 0; f < 4; f++) full.set(wv[i]![j]![c]![f]!, i, j, c + 3 * Math.floor(f / 2), f);
    const b = params.get('c2.bias') as tf.Tensor1D;
    const reference = tf.add(tf.conv2d(x, full.toTensor() as tf.Tensor4D, 1, 'valid'), b);
    // run just the conv op through the lowering, with the input split into towers
    const forward = createForward({ ...plan, ops: [plan.ops[0]!, { ...conv, id: 1, inputs: [0] }], output: { ...plan.output, logits: 'c2' } });
    const got = forward(params, x, { training: false, dropoutSeed: 0 });
    expect(tf.max(tf.abs(tf.sub(got, tf.reshape(reference, got.shape)))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('LRN normalizes within each tower, by the formula', () => {
    const plan = planOf(towersSpec('linear', 'avgpool'));
    const params = paramsOf(plan);
    const x = tf.tensor(pseudoRandom(2 * 9 * 9 * 4, 5, 2), [2, 9, 9, 4]);
    const upTo = (name: string) => createForward({ ...plan, output: { ...plan.output, logits: name } });
    const conv = upTo('c1')(params, x, { training: false, dropoutSeed: 0 });
    const normed = upTo('n1')(params, x, { training: false, dropoutSeed: 0 });
    const expected = lrnLoop(conv.dataSync() as Float32Array, [2, 9, 9, 6], 3, 2, 0.1, 0.75, 3);
    const got = normed.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('gradients', () => {
  it('match finite differences through tower convs, LRN and padded average pooling', () => {
    // Finite differences in float32 need smooth functions: tanh, average pooling, a modest epsilon.
    // (Max pooling has kinks wherever two inputs nearly tie; it is checked below on tie-free inputs.)
    for (const pool of ['avgpool']) {
      const plan = planOf(towersSpec('tanh', pool));
      const forward = createForward(plan);
      const params = paramsOf(plan, 11);
      const x = tf.tensor(pseudoRandom(2 * 9 * 9 * 4, 17, 1), [2, 9, 9, 4]);
      const probe = tf.tensor(pseudoRandom(2 * 4, 23, 1), [2, 4]);
      const loss = (ps: Map<string, tf.Tensor>) => tf.sum(tf.mul(forward(ps, x, { training: false, dropoutSeed: 0 }), probe)) as tf.Scalar;
      for (const name of ['c1.weight', 'c2.weight', 'd.weight', 'c1.bias']) {
        const base = params.get(name)!;
        const grad = tf.grad((w: tf.Tensor) => loss(new Map([...params, [name, w]])))(base).dataSync();
        const values = base.dataSync();
        const eps = 1e-2;
        for (const i of new Set([0, 7 % values.length, Math.floor(values.length / 2), values.length - 1])) {
          const at = (delta: number) => {
            const v = Float32Array.from(values);
            v[i]! += delta;
            return loss(new Map([...params, [name, tf.tensor(v, base.shape)]])).dataSync()[0]!;
          };
          const numeric = (at(eps) - at(-eps)) / (2 * eps);
          expect(Math.abs(numeric - grad[i]!), `${pool} ${name}[${i}]: numeric ${numeric}, analytic ${grad[i]}`).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
        }
      }
    }
  });

  it('match finite differences through padded max pooling with ceil rounding, on tie-free inputs', () => {
    const plan = planOf(`
netc: 1
name: pool
input: { shape: [8, 8, 3] }
layers:
  - { name: p, type: maxpool, window: 3, stride: 2, pad: 1, round: ceil }
  - { name: f, type: flatten }
`);
    const op = plan.ops.find((o) => o.name === 'p')!;
    expect(op.op === 'maxpool' && op.attrs.padEnd).toEqual([1, 1]); // (8 + 2 - 3) / 2 + 1 = 4.5 -> 5
    const forward = createForward(plan);
    const n = 8 * 8 * 3;
    // a permutation of evenly spaced values: no two inputs within 0.01 of each other
    const xv = Float32Array.from({ length: n }, (_, i) => ((i * 37) % n) * 0.01 - 1);
    const probe = tf.tensor(pseudoRandom(5 * 5 * 3, 3), [1, 75]);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(forward(new Map(), x, { training: false, dropoutSeed: 0 }), probe)) as tf.Scalar;
    const grad = tf.grad(f)(tf.tensor(xv, [1, 8, 8, 3])).dataSync();
    for (let i = 0; i < n; i++) {
      const at = (d: number) => {
        const v = Float32Array.from(xv);
        v[i]! += d;
        return f(tf.tensor(v, [1, 8, 8, 3])).dataSync()[0]!;
      };
      expect(Math.abs((at(1e-3) - at(-1e-3)) / 2e-3 - grad[i]!)).toBeLessThan(2e-3);
    }
  });
});

describe('initial values', () => {
  it('follow the plan: normal std, constants, He scaling', () => {
    const plan = planOf(`
netc: 1
name: init
input: { shape: [16, 16, 8] }
layers:
  - { name: a, type: conv, filters: 64, kernel: 5, init: "normal(0, 0.01)", bias: 1 }
  - { name: b, type: conv, filters: 64, kernel: 3, init: he_normal, bias: 0 }
  - { name: c, type: conv, filters: 32, kernel: 3, init: "uniform(-0.5, 0.5)" }
`);
    const stats = (v: Float32Array) => {
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
      return { mean, std };
    };
    const values = new Map(plan.params.map((p, i) => [p.name, initialValues(p, i, 5)]));
    const a = stats(values.get('a.weight')!); // 12,800 samples: std error of the std ~ 0.6%
    expect(Math.abs(a.mean)).toBeLessThan(0.01 * 0.05);
    expect(a.std).toBeGreaterThan(0.0097);
    expect(a.std).toBeLessThan(0.0103);
    expect(values.get('a.bias')!.every((v) => v === 1)).toBe(true);
    expect(values.get('b.bias')!.every((v) => v === 0)).toBe(true);
    const he = Math.sqrt(2 / (3 * 3 * 64));
    expect(stats(values.get('b.weight')!).std / he).toBeGreaterThan(0.97);
    expect(stats(values.get('b.weight')!).std / he).toBeLessThan(1.03);
    const u = values.get('c.weight')!;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...u)).toBeLessThan(0.5);
    expect(stats(u).std).toBeCloseTo(1 / Math.sqrt(12), 2); // uniform(-0.5, 0.5)
  });
});

describe('a training step', () => {
  const spec = towersSpec('relu', 'maxpool').replace('  - { name: d,', '  - { name: drop, type: dropout, p: 0.5 }\n  - { name: d,') + '\ntrain: { batch: 4, optimizer: { type: sgd, lr: 0.05 } }\n';
  const batch = { x: pseudoRandom(4 * 9 * 9 * 4, 31), shape: [4, 9, 9, 4], y: Int32Array.from([0, 1, 2, 3]) };

  for (const backend of ['cpu', 'wasm']) {
    it(`is deterministic for a seed on ${backend}`, async () => {
      if (backend === 'wasm') {
        const { initBackend } = await import('../../runtime/backend/select.js');
        await initBackend('wasm');
      } else await tf.setBackend('cpu');
      const runs: { losses: number[]; before: number[]; after: number[] }[] = [];
      for (const seed of [42, 42, 43]) {
        const ex = new LocalExecutor(planOf(spec), { seed });
        const weights = async () => (await ex.getState()).params.flatMap((p) => Array.from(p.values));
        const before = await weights();
        const losses: number[] = [];
        for (let s = 0; s < 4; s++) losses.push((await ex.trainStep(batch, 0.05, s)).lossSum);
        runs.push({ losses, before, after: await weights() });
        await ex.dispose();
      }
      const [a, b, other] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
      // the steps did something: the weights moved
      expect(a.after).not.toEqual(a.before);
      // the same seed: the same losses and weights; another seed: other losses
      expect(b.losses).toEqual(a.losses);
      expect(b.after).toEqual(a.after);
      expect(other.losses).not.toEqual(a.losses);
      await tf.setBackend('cpu');
    });
  }

  it('leaks no tensors: the count after step 10 equals the count after step 2', async () => {
    const ex = new LocalExecutor(planOf(spec), { seed: 1 });
    const [after2, after10] = await tensorCountsOverSteps(ex, batch);
    expect(after10).toBe(after2);
    await ex.dispose();
  });
});
