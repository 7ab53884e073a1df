/**
 * The graph ops (add, concat, batchnorm, global pooling) on one device,
 * checked against plain-loop references written here, their gradients
 * against finite differences, and batchnorm's state: running statistics by
 * PyTorch's rule, eval mode on them, no weight decay on scale and shift
 * unless the plan says so, no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/types.js';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { BATCH_NORM_TRAIN } from '../../runtime/kernels/batch_norm.js';
import { createForward } from '../../runtime/model/forward.js';
import { initialValues } from '../../runtime/model/init-params.js';
import { pseudoRandom, tensorCountsOverSteps } from './helpers.js';
import { PlanBuilder } from './plan-builder.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const eval0 = { training: false, dropoutSeed: 0 };
const train0 = { training: true, dropoutSeed: 0 };

function paramsOf(plan: Plan, seed = 3): Map<string, tf.Tensor> {
  // Random scale/shift and running statistics, so tests see them used (their plan inits are constants).
  return new Map(plan.params.map((p, i) => {
    const v = initialValues(p, i, seed);
    if (p.role === 'scale' || p.role === 'running_var') v.set(pseudoRandom(p.count, 40 + i).map((r) => 1 + 0.5 * r));
    if (p.role === 'shift' || p.role === 'running_mean') v.set(pseudoRandom(p.count, 60 + i, 0.5));
    return [p.name, tf.tensor(v, p.shape)];
  }));
}

/** Finite differences of sum(forward * probe) against tf.grad, for a few entries of each named parameter. */
function expectGradients(plan: Plan, params: Map<string, tf.Tensor>, x: tf.Tensor, names: string[], ctx = eval0, eps = 1e-2) {
  const forward = createForward(plan);
  const out = forward(params, x, ctx);
  const probe = tf.tensor(pseudoRandom(out.size, 23), out.shape);
  const loss = (ps: Map<string, tf.Tensor>, input = x) => tf.sum(tf.mul(forward(ps, input, ctx), probe)) as tf.Scalar;
  const check = (label: string, base: tf.Tensor, grad: ArrayLike<number>, at: (v: Float32Array) => number) => {
    const values = base.dataSync() as Float32Array;
    for (const i of new Set([0, 5 % values.length, Math.floor(values.length / 2), values.length - 1])) {
      const shifted = (d: number) => {
        const v = Float32Array.from(values);
        v[i]! += d;
        return at(v);
      };
      const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
      expect(Math.abs(numeric - grad[i]!), `${label}[${i}]: numeric ${numeric}, analytic ${grad[i]}`).toBeLessThan(3e-3 + 2e-2 * Math.abs(numeric));
    }
  };
  for (const name of names) {
    const base = params.get(name)!;
    const grad = tf.grad((w: tf.Tensor) => loss(new Map([...params, [name, w]])))(base).dataSync();
    check(name, base, grad, (v) => loss(new Map([...params, [name, tf.tensor(v, base.shape)]])).dataSync()[0]!);
  }
  const gx = tf.grad((input: tf.Tensor) => loss(params, input))(x).dataSync();
  check('input', x, gx, (v) => loss(params, tf.tensor(v, x.shape)).dataSync()[0]!);
}

/** NHWC values of a [N, H, W, C] array as a flat accessor. */
const at = (v: ArrayLike<number>, s: number[]) => (n: number, h: number, w: number, c: number) => v[((n * s[1]! + h) * s[2]! + w) * s[3]! + c]!;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('add and concat', () => {
  /** input -> c1 -> {c2, c3}; add(c2, c3, c1) and concat(c2, c3) as two plans' logits. */
  function mergePlan(towers: number, merge: 'add' | 'concat', act: 'tanh' | 'linear' = 'linear') {
    const g = new PlanBuilder({ input: [5, 5, 3], towers });
    const c1 = g.conv('c1', g.input, { filters: 4, kernel: 3, pad: 1, act: 'tanh' });
    const c2 = g.conv('c2', c1, { filters: 4, kernel: 3, pad: 1, connect: 'tower' });
    const c3 = g.conv('c3', c1, { filters: 4, kernel: 1, connect: 'tower' });
    const m = merge === 'add' ? g.add('m', [c2, c3, c1], { act }) : g.concat('m', [c2, c3]);
    return { plan: g.finish(g.dense('fc', g.flatten('f', m), { units: 4 })), g };
  }
  const x = tf.tensor(pseudoRandom(2 * 5 * 5 * 3, 7), [2, 5, 5, 3]);

  for (const towers of [1, 2]) {
    it(`add sums its inputs, then the activation (${towers} tower${towers > 1 ? 's' : ''})`, () => {
      const { plan } = mergePlan(towers, 'add', 'tanh');
      const params = paramsOf(plan);
      const upTo = (name: string) => createForward(plan, name)(params, x, eval0).dataSync();
      const [a, b, c, m] = ['c2', 'c3', 'c1', 'm'].map(upTo);
      expect(maxDiff(m!, a!.map((v, i) => Math.tanh(v + b![i]! + c![i]!)))).toBeLessThan(1e-6);
    });

    it(`concat joins along channels, tower-major with towers (${towers} tower${towers > 1 ? 's' : ''})`, () => {
      const { plan } = mergePlan(towers, 'concat');
      expect(plan.ops.find((o) => o.name === 'm')!.attrs).toEqual({ order: towers > 1 ? 'tower-major' : 'plain' });
      const params = paramsOf(plan);
      const upTo = (name: string) => createForward(plan, name)(params, x, eval0).dataSync();
      const [a, b, m] = ['c2', 'c3', 'm'].map(upTo);
      // tower t of the output is (c2's part t, c3's part t): channel blocks of 4 / towers
      const k = 4 / towers;
      const expected: number[] = [];
      for (let p = 0; p < 2 * 5 * 5; p++) for (let t = 0; t < towers; t++) for (const src of [a!, b!]) for (let c = 0; c < k; c++) expected.push(src[p * 4 + t * k + c]!);
      expect(maxDiff(m!, expected)).toBe(0);
    });

    it(`add and concat gradients match finite differences (${towers} tower${towers > 1 ? 's' : ''})`, () => {
      for (const merge of ['add', 'concat'] as const) {
        const { plan } = mergePlan(towers, merge, 'tanh');
        expectGradients(plan, paramsOf(plan, 5), x, ['c1.weight', 'c2.weight', 'c3.bias', 'fc.weight']);
      }
    });
  }

  it('a replicated input meets a split one tower by tower (add of the input image and a split conv)', () => {
    const g = new PlanBuilder({ input: [4, 4, 4], towers: 2 });
    const c = g.conv('c', g.input, { filters: 4, kernel: 3, pad: 1 });
    const m = g.add('m', [c, g.input]);
    const plan = g.finish(g.dense('fc', g.flatten('f', m), { units: 2 }));
    expect(plan.ops[m]!.towers.output).toBe('split');
    const params = paramsOf(plan);
    const xi = tf.tensor(pseudoRandom(4 * 16, 9), [1, 4, 4, 4]);
    const conv = createForward(plan, 'c')(params, xi, eval0).dataSync();
    const sum = createForward(plan, 'm')(params, xi, eval0).dataSync();
    expect(maxDiff(sum, conv.map((v, i) => v + xi.dataSync()[i]!))).toBeLessThan(1e-6);
  });
});

describe('global pooling', () => {
  const g = new PlanBuilder({ input: [3, 4, 6], towers: 2 });
  const c = g.conv('c', g.input, { filters: 6, kernel: 1, act: 'tanh' });
  const avg = g.globalPool('avg', 'globalavgpool', c);
  const max = g.globalPool('max', 'globalmaxpool', c);
  const plan = g.finish(g.dense('fc', g.concat('both', [avg, max]), { units: 4 }));

  it('averages and maximizes each channel over all positions', () => {
    const params = paramsOf(plan);
    const x = tf.tensor(pseudoRandom(2 * 3 * 4 * 6, 13), [2, 3, 4, 6]);
    const cv = createForward(plan, 'c')(params, x, eval0).dataSync();
    const v = at(cv, [2, 3, 4, 6]);
    const mean: number[] = [];
    const maxs: number[] = [];
    for (let n = 0; n < 2; n++) {
      for (let ch = 0; ch < 6; ch++) {
        let s = 0;
        let m = -Infinity;
        for (let h = 0; h < 3; h++) for (let w = 0; w < 4; w++) (s += v(n, h, w, ch)), (m = Math.max(m, v(n, h, w, ch)));
        mean.push(s / 12);
        maxs.push(m);
      }
    }
    expect(plan.ops[avg]!.outputShape).toEqual([6]);
    expect(maxDiff(createForward(plan, 'avg')(params, x, eval0).dataSync(), mean)).toBeLessThan(1e-6);
    expect(maxDiff(createForward(plan, 'max')(params, x, eval0).dataSync(), maxs)).toBe(0);
  });

  it('gradients match finite differences (max: on inputs without near ties)', () => {
    // evenly spaced, permuted inputs: the conv is 1x1 with one positive weight per channel, so no two positions tie
    const x = tf.tensor(Float32Array.from({ length: 3 * 4 * 6 }, (_, i) => ((i * 29) % 72) * 0.02 - 0.7), [1, 3, 4, 6]);
    const params = paramsOf(plan, 8);
    const diag = new Float32Array(36);
    for (let ch = 0; ch < 6; ch++) diag[ch * 6 + ch] = 1 + ch * 0.1;
    params.set('c.weight', tf.tensor(diag, [1, 1, 6, 6]));
    expectGradients(plan, params, x, ['c.bias', 'fc.weight'], eval0, 1e-3);
  });
});

describe('batchnorm', () => {
  function bnPlan(towers: number, affine = true, momentum = 0.1) {
    const g = new PlanBuilder({ input: [3, 3, 2], towers, train: { batch: 4, optimizer: { type: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0.1 } } });
    const c = g.conv('c', g.input, { filters: 4, kernel: 3, pad: 1, bias: false });
    const bn = g.batchnorm('bn', c, { affine, momentum, epsilon: 1e-3, act: 'tanh' });
    const f = g.flatten('f', bn);
    const fc = g.dense('fc', f, { units: 6 });
    const bn2 = g.batchnorm('bn2', fc, { momentum });
    return g.finish(g.dense('out', bn2, { units: 4 }));
  }
  const x = tf.tensor(pseudoRandom(4 * 3 * 3 * 2, 21), [4, 3, 3, 2]);

  /** The reference: per channel over rows and positions, biased variance, then scale and shift. */
  function normalize(v: Float32Array, channels: number, eps: number, scale: ArrayLike<number> | null, shift: ArrayLike<number> | null, stats?: { mean: ArrayLike<number>; variance: ArrayLike<number> }) {
    const n = v.length / channels;
    const out = new Float32Array(v.length);
    const means: number[] = [];
    const variances: number[] = [];
    for (let c = 0; c < channels; c++) {
      let mean = 0;
      let variance = 0;
      if (stats) (mean = stats.mean[c]!), (variance = stats.variance[c]!);
      else {
        for (let i = 0; i < n; i++) mean += v[i * channels + c]! / n;
        for (let i = 0; i < n; i++) variance += (v[i * channels + c]! - mean) ** 2 / n;
      }
      means.push(mean);
      variances.push(variance);
      for (let i = 0; i < n; i++) out[i * channels + c] = ((v[i * channels + c]! - mean) / Math.sqrt(variance + eps)) * (scale?.[c] ?? 1) + (shift?.[c] ?? 0);
    }
    return { out, means, variances, n };
  }

  /** Runs f without netc's batchnorm kernels, as on backends that lack them (tensorflow, webgpu): tf.moments + tf.batchNorm. */
  function withoutKernels(f: () => void) {
    const config = tf.getKernel(BATCH_NORM_TRAIN, 'cpu')!;
    tf.unregisterKernel(BATCH_NORM_TRAIN, 'cpu');
    try {
      f();
    } finally {
      tf.registerKernel(config);
    }
  }

  for (const [towers, path] of [[1, 'fused'], [2, 'fused'], [2, 'composite']] as const) {
    const run = (f: () => void) => (path === 'fused' ? f() : withoutKernels(f));
    it(`training normalizes with the batch's mean and biased variance; inference with the running ones (${towers} tower${towers > 1 ? 's' : ''}, ${path})`, () => run(() => {
      const plan = bnPlan(towers);
      const params = paramsOf(plan);
      const conv = createForward(plan, 'c')(params, x, eval0).dataSync() as Float32Array;
      const scale = params.get('bn.scale')!.dataSync();
      const shift = params.get('bn.shift')!.dataSync();
      const trained = normalize(conv, 4, 1e-3, scale, shift);
      expect(maxDiff(createForward(plan, 'bn')(params, x, train0).dataSync(), trained.out.map(Math.tanh))).toBeLessThan(1e-5);
      const running = { mean: params.get('bn.running_mean')!.dataSync(), variance: params.get('bn.running_var')!.dataSync() };
      const inferred = normalize(conv, 4, 1e-3, scale, shift, running);
      expect(maxDiff(createForward(plan, 'bn')(params, x, eval0).dataSync(), inferred.out.map(Math.tanh))).toBeLessThan(1e-5);
    }));

    it(`gradients through the batch statistics match finite differences (${towers} tower${towers > 1 ? 's' : ''}, ${path})`, () => run(() => {
      for (const affine of [true, false]) {
        const plan = bnPlan(towers, affine);
        expectGradients(plan, paramsOf(plan, 4), x, ['c.weight', ...(affine ? ['bn.scale', 'bn.shift'] : []), 'fc.weight', 'bn2.scale', 'out.weight'], train0);
      }
    }));
  }

  it('without affine it has no scale or shift', () => {
    const plan = bnPlan(1, false);
    expect(plan.params.filter((p) => p.op === 'bn').map((p) => p.role)).toEqual(['running_mean', 'running_var']);
    const params = paramsOf(plan);
    const conv = createForward(plan, 'c')(params, x, eval0).dataSync() as Float32Array;
    expect(maxDiff(createForward(plan, 'bn')(params, x, train0).dataSync(), normalize(conv, 4, 1e-3, null, null).out.map(Math.tanh))).toBeLessThan(1e-5);
  });

  it('a step moves the running statistics by PyTorch\'s rule (momentum, unbiased variance); the optimizer never touches them', async () => {
    const momentum = 0.3;
    const plan = bnPlan(2, true, momentum);
    const ex = new LocalExecutor(plan, { seed: 5 });
    const before = await ex.getState();
    const get = (s: typeof before, name: string) => s.params.find((p) => p.name === name)!.values;
    const batch = { x: x.dataSync() as Float32Array, shape: x.shape, y: Int32Array.from([0, 1, 2, 0]) };
    // the conv's output with the initial weights, by the forward pass (eval: the conv has no batch dependence)
    const params = new Map(before.params.map((p) => [p.name, tf.tensor(p.values, p.shape)]));
    const conv = createForward(plan, 'c')(params, x, eval0).dataSync() as Float32Array;
    const { means, variances, n } = normalize(conv, 4, 1e-3, null, null);
    await ex.trainStep(batch, 0.1, 0);
    const after = await ex.getState();
    const rm = get(after, 'bn.running_mean');
    const rv = get(after, 'bn.running_var');
    for (let c = 0; c < 4; c++) {
      expect(rm[c]).toBeCloseTo(momentum * means[c]! + (1 - momentum) * 0, 5);
      expect(rv[c]).toBeCloseTo(momentum * variances[c]! * (n / (n - 1)) + (1 - momentum) * 1, 5);
    }
    expect(after.slots.map((s) => s.name).filter((s) => s.includes('running'))).toEqual([]);
    await ex.dispose();
  });

  it('scale and shift get no weight decay at decayMult 0, and do at decayMult 1', async () => {
    for (const decayMult of [0, 1]) {
      const g = new PlanBuilder({ input: [6], train: { batch: 4, optimizer: { type: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0.5 } } });
      const fc = g.dense('fc', g.input, { units: 4 });
      const plan = g.finish(g.dense('out', g.batchnorm('bn', fc, { decayMult }), { units: 3 }));
      const ex = new LocalExecutor(plan, { seed: 2 });
      // a non-default scale, so decay would show
      const s0 = await ex.getState();
      const scale0 = Float32Array.from([1.5, 0.5, 2, 1]);
      s0.params.find((p) => p.name === 'bn.scale')!.values.set(scale0);
      await ex.setState(s0);
      const batch = { x: pseudoRandom(24, 3), shape: [4, 6], y: Int32Array.from([0, 1, 2, 1]) };
      const params = new Map(s0.params.map((p) => [p.name, tf.tensor(p.values, p.shape)]));
      // the gradient of the mean cross-entropy by an independent formula: d/dlogits = (softmax - onehot) / N
      const grad = tf.grad((s: tf.Tensor) => {
        const logits = createForward(plan)(new Map([...params, ['bn.scale', s]]), tf.tensor(batch.x, batch.shape), train0);
        const p = tf.softmax(logits);
        return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(tf.tensor1d(batch.y, 'int32'), 3), tf.log(p)), 1))) as tf.Scalar;
      })(tf.tensor(scale0)).dataSync();
      await ex.trainStep(batch, 0.1, 0);
      const scale1 = (await ex.getState()).params.find((p) => p.name === 'bn.scale')!.values;
      for (let c = 0; c < 4; c++) expect(scale1[c]).toBeCloseTo(scale0[c]! - 0.1 * (grad[c]! + 0.5 * decayMult * scale0[c]!), 5);
      await ex.dispose();
    }
  });

  it('leaks no tensors: the count after step 10 equals the count after step 2', async () => {
    const ex = new LocalExecutor(bnPlan(2), { seed: 1 });
    const batch = { x: x.dataSync() as Float32Array, shape: x.shape, y: Int32Array.from([0, 1, 2, 0]) };
    const [after2, after10] = await tensorCountsOverSteps(ex, batch);
    expect(after10).toBe(after2);
    await ex.dispose();
  });
});
