/**
 * The update rules through the Optimizer's public methods: fixed gradients
 * in, weights and state out, two steps each, against updates worked out in
 * plain JS in this file (no tfjs on the expected side). The optimizer spec
 * comes from a compiled spec, so the defaults are the ones users get.
 * (test/runtime/optimizer-rule.test.ts checks the paper's SGD through a
 * whole training step, gradients included.)
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Optimizer, type TrainableParam } from '../../runtime/train/optimizer.js';
import { trainOf } from './helpers.js';

const optimizerSpec = (yaml: string) => trainOf(`  optimizer: ${yaml}`).optimizer;

const W0 = [0.5, -1, 2];
const G1 = [0.1, -0.2, 0.3];
const G2 = [-0.05, 0.4, 0.1];

const made: Optimizer[] = [];
afterEach(() => {
  for (const o of made.splice(0)) {
    for (const p of o.params) p.variable.dispose();
    o.dispose();
  }
});

/** Runs `steps` updates of one 3-value parameter; returns its values and every slot after each step. */
function run(yaml: string, grads: number[][], lrs: number[], mult: { lr?: number; decay?: number } = {}) {
  const p: TrainableParam = { name: 'w', variable: tf.variable(tf.tensor1d(W0)), lrMult: mult.lr ?? 1, decayMult: mult.decay ?? 1 };
  const opt = new Optimizer(optimizerSpec(yaml), [p]);
  made.push(opt);
  const after: { w: number[]; slots: Record<string, number[]> }[] = [];
  grads.forEach((g, i) => {
    const gt = tf.tensor1d(g);
    opt.apply({ w: gt }, lrs[i]!);
    gt.dispose();
    after.push({ w: Array.from(p.variable.dataSync()), slots: Object.fromEntries([...opt.slots].map(([n, v]) => [n, Array.from(v.dataSync())])) });
  });
  return after;
}

const expectClose = (got: number[], want: number[], digits = 6) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(g, `value ${i}: got ${got}, want ${want}`).toBeCloseTo(want[i]!, digits));
};
const zip = (a: number[], b: number[], f: (x: number, y: number) => number) => a.map((x, i) => f(x, b[i]!));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe("sgd (the paper's rule: v <- m v - lr (wd w + g); w <- w + v)", () => {
  it('two steps with momentum 0.9 and weight decay 0.01, the rate changed between them', () => {
    const [s1, s2] = run('{ type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.01 }', [G1, G2], [0.1, 0.05]);
    const v1 = zip(W0, G1, (w, g) => -0.1 * (0.01 * w + g));
    const w1 = zip(W0, v1, (w, v) => w + v);
    const v2 = v1.map((v, i) => 0.9 * v - 0.05 * (0.01 * w1[i]! + G2[i]!));
    const w2 = zip(w1, v2, (w, v) => w + v);
    expectClose(s1!.w, w1);
    expectClose(s2!.w, w2);
    expectClose(s2!.slots['w.velocity']!, v2);
  });

  it('decay_mult scales the decay and lr_mult the rate, per parameter', () => {
    const [s1] = run('{ type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.01 }', [G1], [0.1], { lr: 2, decay: 3 });
    // lr_p = 0.2, wd_p = 0.03: w1 = w0 - 0.2 (0.03 w0 + g)
    expectClose(s1!.w, zip(W0, G1, (w, g) => w - 0.2 * (0.03 * w + g)));
  });

  it('decay_mult 0 turns weight decay off for that parameter', () => {
    const [s1] = run('{ type: sgd, lr: 0.1, weight_decay: 0.5 }', [G1], [0.1], { decay: 0 });
    expectClose(s1!.w, zip(W0, G1, (w, g) => w - 0.1 * g));
  });
});

describe('momentum (a <- m a + g + wd w; w <- w - lr a)', () => {
  it('plain: two steps by hand', () => {
    const [s1, s2] = run('{ type: momentum, lr: 0.1, momentum: 0.9 }', [G1, G2], [0.1, 0.1]);
    const a1 = G1;
    const w1 = zip(W0, a1, (w, a) => w - 0.1 * a);
    const a2 = zip(a1, G2, (a, g) => 0.9 * a + g);
    const w2 = zip(w1, a2, (w, a) => w - 0.1 * a);
    expectClose(s1!.w, w1);
    expectClose(s2!.w, w2);
    expectClose(s2!.slots['w.accumulator']!, a2);
  });

  it('the rate multiplies the whole accumulator: a change of lr rescales old steps too (unlike sgd)', () => {
    const [, s2] = run('{ type: momentum, lr: 0.1, momentum: 0.5 }', [G1, G2], [0.1, 0.01]);
    const w1 = zip(W0, G1, (w, g) => w - 0.1 * g);
    const a2 = zip(G1, G2, (a, g) => 0.5 * a + g);
    expectClose(s2!.w, zip(w1, a2, (w, a) => w - 0.01 * a));
  });

  it('nesterov: w <- w - lr (g + m a_new)', () => {
    const [s1, s2] = run('{ type: momentum, lr: 0.1, momentum: 0.9, nesterov: true }', [G1, G2], [0.1, 0.1]);
    const a1 = G1;
    const w1 = W0.map((w, i) => w - 0.1 * (G1[i]! + 0.9 * a1[i]!));
    const a2 = zip(a1, G2, (a, g) => 0.9 * a + g);
    const w2 = w1.map((w, i) => w - 0.1 * (G2[i]! + 0.9 * a2[i]!));
    expectClose(s1!.w, w1);
    expectClose(s2!.w, w2);
  });

  it('weight decay is added to the gradient, before the accumulator (coupled L2)', () => {
    const [s1, s2] = run('{ type: momentum, lr: 0.1, momentum: 0.9, weight_decay: 0.1 }', [G1, G2], [0.1, 0.1]);
    const a1 = zip(W0, G1, (w, g) => g + 0.1 * w);
    const w1 = zip(W0, a1, (w, a) => w - 0.1 * a);
    const a2 = a1.map((a, i) => 0.9 * a + G2[i]! + 0.1 * w1[i]!);
    expectClose(s1!.w, w1);
    expectClose(s2!.w, zip(w1, a2, (w, a) => w - 0.1 * a));
  });

  it('has no weight decay unless the spec asks (the default is 0 for momentum)', () => {
    const [s1] = run('{ type: momentum, lr: 0.1 }', [G1], [0.1]);
    expectClose(s1!.w, zip(W0, G1, (w, g) => w - 0.1 * g));
  });
});

describe('adam (bias-corrected moments)', () => {
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;

  /** Adam by hand for any number of steps of one parameter. */
  function adamByHand(grads: number[][], lr: number, wd = 0) {
    let w = [...W0];
    let m = [0, 0, 0];
    let v = [0, 0, 0];
    const out: number[][] = [];
    grads.forEach((g0, k) => {
      const t = k + 1;
      const g = zip(g0, w, (gi, wi) => gi + wd * wi);
      m = zip(m, g, (mi, gi) => b1 * mi + (1 - b1) * gi);
      v = zip(v, g, (vi, gi) => b2 * vi + (1 - b2) * gi * gi);
      w = w.map((wi, i) => wi - (lr * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps));
      out.push(w);
    });
    return out;
  }

  it('first step moves every weight by about lr against its gradient sign (what bias correction is for)', () => {
    const [s1] = run('{ type: adam, lr: 0.01 }', [G1], [0.01]);
    // m^ = g and v^ = g^2 after one step: the update is lr * g / (|g| + eps)
    expectClose(s1!.w, zip(W0, G1, (w, g) => w - 0.01 * Math.sign(g)), 5);
  });

  it('two steps by hand, with the default betas and epsilon', () => {
    const [s1, s2] = run('{ type: adam, lr: 0.01 }', [G1, G2], [0.01, 0.01]);
    const [w1, w2] = adamByHand([G1, G2], 0.01);
    expectClose(s1!.w, w1!);
    expectClose(s2!.w, w2!);
    // the stored moments are the raw ones, not the corrected ones
    expectClose(s2!.slots['w.m']!, zip(G1, G2, (a, b) => b1 * (1 - b1) * a + (1 - b1) * b));
    expectClose(s2!.slots['w.v']!, zip(G1, G2, (a, b) => b2 * (1 - b2) * a * a + (1 - b2) * b * b), 9);
  });

  it('weight decay is added to the gradient before the moments (L2, not decoupled)', () => {
    const [, s2] = run('{ type: adam, lr: 0.01, weight_decay: 0.5 }', [G1, G2], [0.01, 0.01]);
    expectClose(s2!.w, adamByHand([G1, G2], 0.01, 0.5)[1]!);
  });

  it('counts its steps (the bias correction depends on them)', () => {
    const p: TrainableParam = { name: 'w', variable: tf.variable(tf.tensor1d(W0)), lrMult: 1, decayMult: 1 };
    const opt = new Optimizer(optimizerSpec('{ type: adam, lr: 0.01 }'), [p]);
    made.push(opt);
    const g = tf.tensor1d(G1);
    opt.apply({ w: g }, 0.01);
    opt.apply({ w: g }, 0.01);
    g.dispose();
    expect(opt.step).toBe(2);
  });
});

describe('parameters and state', () => {
  it('a parameter without a gradient in a step is left as it was, and so is its state', () => {
    const moved: TrainableParam = { name: 'a', variable: tf.variable(tf.tensor1d(W0)), lrMult: 1, decayMult: 1 };
    const kept: TrainableParam = { name: 'b', variable: tf.variable(tf.tensor1d(W0)), lrMult: 1, decayMult: 1 };
    const opt = new Optimizer(optimizerSpec('{ type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0 }'), [moved, kept]);
    made.push(opt);
    const g = tf.tensor1d(G1);
    opt.apply({ a: g }, 0.1);
    g.dispose();
    // a: v = -0.1 g, w = w0 + v; b: untouched
    expectClose(Array.from(moved.variable.dataSync()), zip(W0, G1, (w, gi) => w - 0.1 * gi));
    expect(Array.from(kept.variable.dataSync())).toEqual(W0);
    expect(Array.from(opt.slots.get('b.velocity')!.dataSync())).toEqual([0, 0, 0]);
  });

  it('dispose frees its state: two Adam moments for each of two parameters', () => {
    const params: TrainableParam[] = ['a', 'b'].map((name) => ({ name, variable: tf.variable(tf.tensor1d(W0)), lrMult: 1, decayMult: 1 }));
    const opt = new Optimizer(optimizerSpec('{ type: adam, lr: 0.01 }'), params);
    made.push(opt);
    const before = tf.memory().numTensors;
    opt.dispose();
    expect(before - tf.memory().numTensors).toBe(4);
    expect(opt.slots.size).toBe(0);
  });
});
