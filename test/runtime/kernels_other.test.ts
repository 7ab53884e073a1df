// MaxPoolGrad, MaxPoolWithArgmax, BatchMatMul, depthwise conv backprops and
// UnsortedSegmentSum on wasm (runtime/kernels) against the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select.js';
import { rand, size, relDiff } from './kernel-helpers.js';

/** Runs fn on both backends (inputs rebuilt from the same numbers) and returns [cpu, wasm] outputs. */
async function both(fn: () => tf.Tensor[]): Promise<Array<Array<Float32Array | Int32Array>>> {
  const out = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    out.push(tf.tidy(() => fn().map((t) => t.dataSync() as Float32Array | Int32Array)));
  }
  return out;
}

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
});

type Pool = [shape: [number, number, number, number], k: number, s: number, pad: 'valid' | 'same'];
const POOLS: Pool[] = [
  [[2, 9, 7, 3], 3, 2, 'same'], [[1, 6, 6, 2], 2, 2, 'valid'], [[2, 8, 5, 4], 3, 1, 'same'],
  [[1, 7, 7, 1], 4, 3, 'same'], [[3, 5, 9, 8], 1, 1, 'valid'], [[1, 11, 10, 5], 3, 3, 'valid'],
  [[2, 4, 4, 2], 4, 1, 'same'],
];
/** Inputs that break naive argmax: signed, all negative, relu'd (zero ties), small integers (ties). */
const INPUTS: Array<[string, (v: Float32Array) => Float32Array]> = [
  ['signed', (v) => v],
  ['negative', (v) => v.map((x) => -Math.abs(x) - 0.1)],
  ['relu', (v) => v.map((x) => Math.max(0, x))],
  ['ties', (v) => v.map((x) => Math.round(x * 2))],
];

describe('MaxPoolGrad on wasm', () => {
  it('matches cpu, including all-negative and tied windows', async () => {
    const failures: string[] = [];
    for (const [i, [shape, k, s, pad]] of POOLS.entries()) {
      for (const [name, map] of INPUTS) {
        const [[c], [w]] = await both(() => {
          const x = tf.tensor4d(map(rand(size(shape), i)), shape);
          const r = tf.tensor(rand(size(tf.maxPool(x, k, s, pad).shape), i + 50), tf.maxPool(x, k, s, pad).shape);
          return [tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, s, pad).mul(r).sum())(x)];
        });
        if (relDiff(w, c) > 1e-6) failures.push(`${name} ${JSON.stringify([shape, k, s, pad])}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('matches cpu with ceil rounding and explicit numeric padding (kernel call)', async () => {
    for (const [shape, k, s, p] of [[[2, 6, 7, 3], 3, 2, 0], [[1, 9, 8, 2], 3, 2, 1], [[1, 7, 7, 4], 2, 3, 0]] as const) {
      const info = tf.backend_util.computePool2DInfo([...shape], k, s, 1, p, 'ceil');
      const [c, w] = await both(() => {
        const input = tf.tensor4d(rand(size([...shape]), 3).map((v) => -Math.abs(v)), [...shape]);
        const dy = tf.tensor4d(rand(size(info.outShape), 4), info.outShape);
        const output = tf.maxPool(input, k, s, p, 'ceil');
        const attrs = { filterSize: k, strides: s, pad: p, dimRoundingMode: 'ceil' };
        return [tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, attrs) as tf.Tensor];
      });
      expect(relDiff(w[0], c[0])).toBeLessThan(1e-6);
    }
  });
});

describe('forward conv and pool kernels with ceil rounding on wasm', () => {
  type Case = [x: [number, number, number, number], k: number, s: number, pad: number];
  const CASES: Case[] = [[[1, 6, 6, 1], 3, 2, 0], [[2, 9, 8, 3], 3, 2, 1], [[1, 7, 10, 2], 2, 3, 0], [[2, 11, 11, 2], 5, 4, 2]];
  it('match cpu', async () => {
    for (const [i, [xs, k, s, pad]] of CASES.entries()) {
      const [c, w] = await both(() => {
        const x = tf.tensor4d(rand(size(xs), i), xs);
        const f = tf.tensor4d(rand(k * k * xs[3] * 2, i + 1), [k, k, xs[3], 2]);
        const bias = tf.tensor1d(rand(2 * xs[3], i + 2));
        return [
          tf.conv2d(x, f, s, pad, 'NHWC', 1, 'ceil'),
          tf.fused.conv2d({ x, filter: f, strides: s, pad, dimRoundingMode: 'ceil', bias: bias.slice(0, 2), activation: 'relu' }),
          tf.depthwiseConv2d(x, f, s, pad, 'NHWC', 1, 'ceil'),
          tf.fused.depthwiseConv2d({ x, filter: f, strides: s, pad, dimRoundingMode: 'ceil', bias }),
          tf.maxPool(x, k, s, pad, 'ceil'),
          tf.avgPool(x, k, s, pad, 'ceil'),
        ];
      });
      for (let j = 0; j < c.length; j++) expect(relDiff(w[j], c[j]), `${j} ${JSON.stringify(CASES[i])}`).toBeLessThan(1e-5);
    }
  });
});

describe('AvgPoolGrad on wasm', () => {
  /** float64 average pool over in-bounds pixels (TF / tfjs forward semantics), NHWC. */
  function avgPoolRef(x: Float64Array, [n, h, w, c]: number[], k: number, s: number, top: number, left: number, oh: number, ow: number) {
    const y = new Float64Array(n * oh * ow * c);
    for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let d = 0; d < c; d++) {
      let sum = 0, count = 0;
      for (let r = i * s - top; r < i * s - top + k; r++) for (let q = j * s - left; q < j * s - left + k; q++) {
        if (r >= 0 && r < h && q >= 0 && q < w) { sum += x[((b * h + r) * w + q) * c + d]; count++; }
      }
      y[((b * oh + i) * ow + j) * c + d] = count > 0 ? sum / count : 0;
    }
    return y;
  }

  it('is the finite-difference gradient of the forward pass, also where windows overlap padding', async () => {
    for (const [i, [xs, k, s, pad]] of ([
      [[1, 4, 4, 1], 3, 2, 'same'], [[2, 7, 6, 2], 3, 2, 'same'], [[1, 7, 7, 3], 4, 3, 'same'], [[1, 6, 7, 2], 2, 2, 'valid'],
    ] as Array<[[number, number, number, number], number, number, 'same' | 'valid']>).entries()) {
      await tf.setBackend('wasm');
      const [y, g] = tf.tidy(() => {
        const x = tf.tensor4d(rand(size(xs), i), xs);
        const yShape = tf.avgPool(x, k, s, pad).shape;
        const r = tf.tensor(rand(size(yShape), i + 9), yShape);
        const grad = tf.grad((a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, k, s, pad).mul(r).sum())(x);
        return [tf.avgPool(x, k, s, pad).dataSync(), grad.dataSync()];
      });
      const info = tf.backend_util.computePool2DInfo(xs, k, s, 1, pad);
      const ref = (v: Float64Array) => avgPoolRef(v, xs, k, s, info.padInfo.top, info.padInfo.left, info.outHeight, info.outWidth);
      const x64 = Float64Array.from(rand(size(xs), i)), r64 = Float64Array.from(rand(y.length, i + 9));
      expect(relDiff(y, ref(x64))).toBeLessThan(1e-6); // the reference is tfjs' forward
      const loss = (v: Float64Array) => ref(v).reduce((acc, yi, j) => acc + yi * r64[j], 0);
      const fd = x64.map((_, j) => {
        const up = x64.slice(), dn = x64.slice();
        up[j] += 1e-3; dn[j] -= 1e-3;
        return (loss(up) - loss(dn)) / 2e-3;
      });
      expect(relDiff(g, fd), JSON.stringify([xs, k, s, pad])).toBeLessThan(1e-5);
    }
  });
});

describe('MaxPoolWithArgmax on wasm', () => {
  it('matches cpu values and indexes', async () => {
    for (const [i, [shape, k, s, pad]] of POOLS.entries()) {
      for (const includeBatchInIndex of [false, true]) {
        const [c, w] = await both(() => {
          const x = tf.tensor4d(INPUTS[i % INPUTS.length][1](rand(size(shape), i)), shape);
          const { result, indexes } = tf.maxPoolWithArgmax(x, k, s, pad, includeBatchInIndex);
          return [result, indexes];
        });
        expect(Array.from(w[0])).toEqual(Array.from(c[0]));
        expect(Array.from(w[1])).toEqual(Array.from(c[1]));
      }
    }
  });
});

describe('BatchMatMul on wasm', () => {
  const CASES: Array<[number[], number[], boolean, boolean]> = [
    [[64, 300], [300, 10], false, false], [[64, 300], [64, 10], true, false], [[64, 10], [300, 10], false, true],
    [[10, 64], [300, 10], true, true], [[3, 40, 50], [3, 50, 30], false, false], [[3, 50, 40], [3, 30, 50], true, true],
    [[1, 40, 50], [4, 50, 30], false, false], [[4, 50, 40], [1, 50, 30], true, false], [[2, 3, 40, 50], [50, 60], false, false],
    [[7, 5], [7, 3], true, false], [[2, 5, 7], [2, 3, 7], false, true], // small: stock path
  ];
  it('matches cpu with transposes, batches and broadcasting (kernel call)', async () => {
    for (const [i, [as, bs, transposeA, transposeB]] of CASES.entries()) {
      const [c, w] = await both(() => {
        const a = tf.tensor(rand(size(as), i), as), b = tf.tensor(rand(size(bs), i + 100), bs);
        const ra = as.length, rb = bs.length;
        // The kernel needs equal ranks; the op would broadcast the batch itself.
        const a2 = ra < rb ? a.reshape([...Array(rb - ra).fill(1), ...as]) : a;
        const b2 = rb < ra ? b.reshape([...Array(ra - rb).fill(1), ...bs]) : b;
        return [tf.engine().runKernel('BatchMatMul', { a: a2, b: b2 }, { transposeA, transposeB }) as tf.Tensor];
      });
      expect(relDiff(w[0], c[0]), JSON.stringify(CASES[i])).toBeLessThan(1e-5);
    }
  });

  it('gives the same dense-layer gradients as cpu', async () => {
    const [c, w] = await both(() => {
      const x = tf.tensor2d(rand(64 * 200, 1), [64, 200]), W = tf.tensor2d(rand(200 * 10, 2), [200, 10]);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b).square().sum())([x, W]);
    });
    expect(relDiff(w[0], c[0])).toBeLessThan(1e-5);
    expect(relDiff(w[1], c[1])).toBeLessThan(1e-5);
  });
});

describe('depthwise conv backprops on wasm', () => {
  type Dw = [x: [number, number, number, number], k: [number, number], m: number, s: number, pad: 'valid' | 'same' | number];
  const CASES: Dw[] = [
    [[2, 9, 7, 3], [3, 3], 1, 1, 'same'], [[1, 10, 11, 2], [3, 2], 2, 2, 'valid'], [[2, 8, 8, 4], [5, 5], 3, 2, 'same'],
    [[3, 7, 9, 1], [1, 1], 4, 1, 'valid'], [[1, 13, 11, 5], [4, 3], 2, 3, 1], [[2, 6, 6, 2], [2, 2], 1, 2, 'same'],
  ];
  it('match cpu gradients', async () => {
    for (const [i, [xs, k, m, s, pad]] of CASES.entries()) {
      const [c, w] = await both(() => {
        const x = tf.tensor4d(rand(size(xs), i), xs);
        const f = tf.tensor4d(rand(k[0] * k[1] * xs[3] * m, i + 1), [k[0], k[1], xs[3], m]);
        const yShape = tf.depthwiseConv2d(x, f, s, pad).shape;
        const r = tf.tensor(rand(size(yShape), i + 2), yShape);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad).mul(r).sum())([x, f]);
      });
      expect(relDiff(w[0], c[0]), `dx ${JSON.stringify(CASES[i])}`).toBeLessThan(1e-4);
      expect(relDiff(w[1], c[1]), `dW ${JSON.stringify(CASES[i])}`).toBeLessThan(1e-4);
    }
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('matches cpu, and gives gather its gradient', async () => {
    const [c, w] = await both(() => {
      const x = tf.tensor3d(rand(6 * 4 * 3, 1), [6, 4, 3]);
      const ids = tf.tensor1d([2, 0, 2, 5, -1, 3], 'int32'); // -1: dropped
      const xi = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
      const table = tf.tensor2d(rand(10 * 4, 2), [10, 4]);
      const idx = tf.tensor1d([1, 7, 1, 3, 9, 1], 'int32');
      return [
        tf.unsortedSegmentSum(x, ids, 6),
        tf.unsortedSegmentSum(xi, tf.tensor1d([1, 1, 0], 'int32'), 2),
        tf.grad((t: tf.Tensor) => tf.gather(t, idx).mul(tf.range(0, 24).reshape([6, 4])).sum())(table),
      ];
    });
    for (let i = 0; i < c.length; i++) expect(Array.from(w[i])).toEqual(Array.from(c[i]));
  });
});
