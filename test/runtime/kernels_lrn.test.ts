// lrn() (runtime/kernels/lrn.ts) against a plain loop of the AlexNet formula
//   b_i = a_i / (k + alpha * sum_{j=max(0,i-n/2)}^{min(N-1,i+n/2)} a_j^2)^beta
// and its gradient against finite differences of that loop, on cpu and wasm.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select.js';
import { lrn, type LrnParams } from '../../runtime/kernels/index.js';
import { rand, relDiff } from './kernel-helpers.js';

/** The formula, in float64, over the last axis of a flat NHWC array with C channels. */
function lrnRef(a: Float64Array, C: number, p: LrnParams): Float64Array {
  const b = new Float64Array(a.length);
  const half = Math.floor(p.n / 2);
  for (let pix = 0; pix < a.length; pix += C) {
    for (let i = 0; i < C; i++) {
      let s = 0;
      for (let j = Math.max(0, i - half); j <= Math.min(C - 1, i + half); j++) s += a[pix + j] * a[pix + j];
      b[pix + i] = a[pix + i] / Math.pow(p.k + p.alpha * s, p.beta);
    }
  }
  return b;
}

const CASES: Array<[shape: [number, number, number, number], p: LrnParams]> = [
  [[2, 3, 3, 8], { k: 2, n: 5, alpha: 1e-4, beta: 0.75 }], // AlexNet
  [[1, 2, 3, 16], { k: 1, n: 5, alpha: 0.5, beta: 0.75 }], // strong normalisation
  [[1, 3, 2, 7], { k: 0.5, n: 3, alpha: 1, beta: 0.5 }],
  [[2, 2, 2, 3], { k: 1, n: 7, alpha: 2, beta: 1 }], // window wider than the channels
  [[1, 2, 2, 5], { k: 1.5, n: 1, alpha: 0.3, beta: 2 }],
  [[1, 1, 2, 1], { k: 1, n: 5, alpha: 0.7, beta: 0.75 }], // single channel
];

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

describe.each(['cpu', 'wasm'])('lrn on %s', (backend) => {
  it('computes the AlexNet formula (alpha not divided by n)', async () => {
    await tf.setBackend(backend);
    for (const [i, [shape, p]] of CASES.entries()) {
      const x = rand(shape.reduce((u, v) => u * v), i).map((v) => v * 3);
      const got = tf.tidy(() => lrn(tf.tensor4d(x, shape), p).dataSync());
      expect(relDiff(got, lrnRef(Float64Array.from(x), shape[3], p)), JSON.stringify(p)).toBeLessThan(1e-5);
    }
  });

  it('has the finite-difference gradient', async () => {
    await tf.setBackend(backend);
    for (const [i, [shape, p]] of CASES.entries()) {
      const x = rand(shape.reduce((u, v) => u * v), 10 + i).map((v) => v * 3);
      const r = rand(x.length, 20 + i);
      const got = tf.tidy(() => {
        const w = tf.tensor4d(r, shape);
        return tf.grad((t: tf.Tensor) => lrn(t as tf.Tensor4D, p).mul(w).sum())(tf.tensor4d(x, shape)).dataSync();
      });
      const x64 = Float64Array.from(x);
      const loss = (v: Float64Array) => lrnRef(v, shape[3], p).reduce((acc, b, j) => acc + b * r[j], 0);
      const h = 1e-5;
      const fd = x64.map((_, j) => {
        const up = x64.slice(), dn = x64.slice();
        up[j] += h; dn[j] -= h;
        return (loss(up) - loss(dn)) / (2 * h);
      });
      expect(relDiff(got, fd), JSON.stringify(p)).toBeLessThan(1e-4);
    }
  });
});

describe('lrn', () => {
  it('rejects a non-integer window', () => {
    expect(() => lrn(tf.zeros([1, 1, 1, 3]) as tf.Tensor4D, { k: 1, n: 2.5, alpha: 1, beta: 1 })).toThrow(/n must be/);
  });
});
