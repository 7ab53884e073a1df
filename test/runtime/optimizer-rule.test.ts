/**
 * The paper's update rule, checked against numbers computed by hand in this
 * file (plain JS, no tfjs): softmax cross-entropy gradients of a one-layer
 * net, then v <- 0.9 v - 0.0005 lr w - lr g; w <- w + v, with Caffe-style
 * lr/decay multipliers on the bias.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { planOf } from './helpers.js';

const spec = `
netc: 1
name: tiny
input: { shape: [3] }
layers:
  - { name: fc, type: dense, units: 2, init: "constant(0.1)", bias: 0.5, lr_mult: [1, 2], decay_mult: [1, 0] }
  - { name: prob, type: softmax }
train:
  batch: 2
  optimizer: { type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.0005 }
`;

/** dL/dW and dL/db of mean softmax cross-entropy for a dense layer, by hand. */
function handGradients(x: number[][], y: number[], W: number[][], b: number[]) {
  const n = x.length;
  const gW = W.map((row) => row.map(() => 0));
  const gb = b.map(() => 0);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = b.map((bj, j) => bj + x[i]!.reduce((s, xk, k) => s + xk * W[k]![j]!, 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, c) => a + c, 0);
    const p = e.map((v) => v / sum);
    loss -= Math.log(p[y[i]!]!);
    for (let j = 0; j < b.length; j++) {
      const d = (p[j]! - (j === y[i] ? 1 : 0)) / n;
      gb[j]! += d;
      for (let k = 0; k < W.length; k++) gW[k]![j]! += x[i]![k]! * d;
    }
  }
  return { gW, gb, loss: loss / n };
}

describe("the paper's SGD rule", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches two steps computed by hand, multipliers included', async () => {
    const plan = planOf(spec);
    const ex = new LocalExecutor(plan, { seed: 1 });
    const x = [[1, 2, -1], [0.5, -1, 2]];
    const y = [0, 1];
    const batch = { x: Float32Array.from(x.flat()), shape: [2, 3], y: Int32Array.from(y) };

    let W = [[0.1, 0.1], [0.1, 0.1], [0.1, 0.1]];
    let b = [0.5, 0.5];
    let vW = W.map((r) => r.map(() => 0));
    let vb = [0, 0];
    const lr = 0.1;
    for (let step = 0; step < 2; step++) {
      const { gW, gb, loss } = handGradients(x, y, W, b);
      const r = await ex.trainStep(batch, lr, step);
      expect(r.lossSum / 2).toBeCloseTo(loss, 5);
      // weights: lr_mult 1, decay_mult 1
      vW = vW.map((row, k) => row.map((v, j) => 0.9 * v - 0.0005 * lr * W[k]![j]! - lr * gW[k]![j]!));
      W = W.map((row, k) => row.map((w, j) => w + vW[k]![j]!));
      // bias: lr_mult 2, decay_mult 0 -> no decay, twice the rate
      vb = vb.map((v, j) => 0.9 * v - 0 * b[j]! - 2 * lr * gb[j]!);
      b = b.map((v, j) => v + vb[j]!);
    }
    const state = await ex.getState();
    const got = Object.fromEntries(state.params.map((p) => [p.name, Array.from(p.values)]));
    W.flat().forEach((v, i) => expect(got['fc.weight']![i]).toBeCloseTo(v, 6));
    b.forEach((v, i) => expect(got['fc.bias']![i]).toBeCloseTo(v, 6));
    const slots = Object.fromEntries(state.slots.map((s) => [s.name, Array.from(s.values)]));
    vW.flat().forEach((v, i) => expect(slots['fc.weight.velocity']![i]).toBeCloseTo(v, 6));
    await ex.dispose();
  });

  it('a change of lr scales only new steps (the velocity keeps its old steps)', async () => {
    const plan = planOf(spec);
    const ex = new LocalExecutor(plan, { seed: 1 });
    const batch = { x: Float32Array.from([1, 2, -1, 0.5, -1, 2]), shape: [2, 3], y: Int32Array.from([0, 1]) };
    await ex.trainStep(batch, 0.1, 0);
    const v1 = Array.from((await ex.getState()).slots.find((s) => s.name === 'fc.weight.velocity')!.values);
    const w1 = Array.from((await ex.getState()).params.find((p) => p.name === 'fc.weight')!.values);
    const { gW } = handGradients([[1, 2, -1], [0.5, -1, 2]], [0, 1], [[w1[0]!, w1[1]!], [w1[2]!, w1[3]!], [w1[4]!, w1[5]!]], Array.from((await ex.getState()).params.find((p) => p.name === 'fc.bias')!.values));
    await ex.trainStep(batch, 0.01, 1);
    const v2 = Array.from((await ex.getState()).slots.find((s) => s.name === 'fc.weight.velocity')!.values);
    // v2 = 0.9 v1 - lr2 (wd w1 + g): the old velocity is not rescaled by the new rate
    v2.forEach((v, i) => expect(v).toBeCloseTo(0.9 * v1[i]! - 0.01 * (0.0005 * w1[i]! + gW[Math.floor(i / 2)]![i % 2]!), 6));
    await ex.dispose();
  });
});
