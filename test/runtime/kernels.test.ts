// Conv2D backprop kernels on wasm (runtime/kernels) against the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from '../../runtime/kernels/index.js';
import { rand, size, relDiff } from './kernel-helpers.js';

type Pad = 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  s: [number, number];
  pad: Pad;
}

/** dx and dW of sum(conv2d(x, w) * r) (r random, so dy is not constant) on a backend. */
async function convGrads(backend: string, c: ConvCase, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const wShape = [c.k[0], c.k[1], c.x[3], c.cout];
    const x = tf.tensor4d(rand(size(c.x), seed), c.x);
    const w = tf.tensor4d(rand(size(wShape), seed + 1), wShape as [number, number, number, number]);
    const yShape = tf.conv2d(x, w, c.s, c.pad).shape;
    const r = tf.tensor(rand(size(yShape), seed + 2), yShape);
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad).mul(r).sum();
    return tf.grads(f)([x, w]).map((g) => g.dataSync() as Float32Array);
  });
}

function outSize(inSize: number, k: number, s: number, pad: Pad, axis: 1 | 2): number {
  if (pad === 'same') return Math.ceil(inSize / s);
  const [p0, p1] = pad === 'valid' ? [0, 0] : pad[axis];
  return Math.floor((inSize + p0 + p1 - k) / s) + 1;
}

/** A grid over strides 1..4, all pad kinds and kernels 1..11, plus random odd-sized cases. */
function convCases(): ConvCase[] {
  const cases: ConvCase[] = [];
  const pick = (r: number, lo: number, hi: number) => lo + Math.floor(((r + 1) / 2) * (hi - lo + 1));
  let seed = 1;
  for (const s of [1, 2, 3, 4]) {
    for (const k of [1, 2, 3, 4, 5, 7, 11]) {
      const explicit: Pad = [[0, 0], [k % 3, (k + 1) % 4], [(k + 2) % 4, k % 2], [0, 0]];
      for (const pad of ['valid', 'same', explicit] as Pad[]) {
        const r = rand(4, seed++);
        cases.push({
          x: [pick(r[0], 1, 3), 13, 11, pick(r[1], 1, 8)],
          k: [k, Math.max(1, k - (s % 2))], cout: pick(r[2], 1, 8), s: [s, s], pad,
        });
      }
    }
  }
  // Random shapes: unequal strides, odd sizes, explicit pads up to (and past) k-1.
  while (cases.length < 124) {
    const r = rand(12, 1000 + seed++);
    const k: [number, number] = [pick(r[0], 1, 11), pick(r[1], 1, 11)];
    const s: [number, number] = [pick(r[2], 1, 4), pick(r[3], 1, 4)];
    const kind = pick(r[4], 0, 2);
    const pad: Pad = kind === 0 ? 'valid' : kind === 1 ? 'same'
      : [[0, 0], [pick(r[5], 0, k[0]), pick(r[6], 0, k[0])], [pick(r[7], 0, k[1]), pick(r[8], 0, k[1])], [0, 0]];
    const h = k[0] + pick(r[9], 0, 9) | 1, w = k[1] + pick(r[10], 0, 9) | 1;
    const x: [number, number, number, number] = [pick(r[11], 1, 3), h, w, pick(r[0] * r[1], 1, 8)];
    if (outSize(h, k[0], s[0], pad, 1) < 1 || outSize(w, k[1], s[1], pad, 2) < 1) continue;
    cases.push({ x, k, cout: pick(r[2] * r[3], 1, 8), s, pad });
  }
  return cases;
}

beforeAll(async () => {
  const { name } = await initBackend('wasm');
  expect(name).toBe('wasm');
});

describe('wasm training kernels', () => {
  it('are registered, and registering again is a no-op', () => {
    const before = WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    const after = WASM_TRAINING_KERNELS.map((k) => tf.getKernel(k, 'wasm')?.kernelFunc);
    expect(before.every((f) => f !== undefined)).toBe(true);
    expect(after).toEqual(before);
    expect(WASM_TRAINING_KERNELS).toContain('Conv2DBackpropFilter');
  });

  it('cover every cpu kernel needed to train conv/pool/LRN/dense nets', () => {
    const needed = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad',
      'AvgPool', 'AvgPoolGrad', 'LRN', 'LRNGrad', 'BatchMatMul', 'Relu', 'Step', 'Softmax',
      'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
      'UnsortedSegmentSum', 'GatherV2'];
    expect(needed.filter((k) => tf.getKernel(k, 'wasm') === undefined)).toEqual([]);
  });
});

describe('Conv2DBackpropInput / Conv2DBackpropFilter on wasm match cpu', () => {
  const cases = convCases();
  it(`over ${cases.length} stride/pad/kernel/shape cases`, async () => {
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const [cx, cw] = await convGrads('cpu', c, 7 * i + 1);
      const [wx, ww] = await convGrads('wasm', c, 7 * i + 1);
      const dx = relDiff(wx, cx), dw = relDiff(ww, cw);
      if (!(dx < 1e-4 && dw < 1e-4)) failures.push(`${JSON.stringify(c)}: dx ${dx} dW ${dw}`);
    }
    expect(failures).toEqual([]);
  });

  it('with ceil rounding (Caffe), called as kernels', async () => {
    const failures: string[] = [];
    for (const [i, [x, k, s, p]] of ([
      [[2, 6, 7, 3], [3, 3], 2, 0], [[1, 9, 8, 2], [3, 2], 2, 1], [[2, 10, 11, 4], [5, 5], 3, 1],
      [[1, 11, 11, 1], [11, 11], 4, 2], [[3, 7, 5, 2], [2, 4], 3, 0],
    ] as Array<[[number, number, number, number], [number, number], number, number]>).entries()) {
      const info = tf.backend_util.computeConv2DInfo(x, [k[0], k[1], x[3], 3], s, 1, p, 'ceil');
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const xt = tf.tensor4d(rand(size(x), i), x);
          const w = tf.tensor4d(rand(k[0] * k[1] * x[3] * 3, i + 1), [k[0], k[1], x[3], 3]);
          const dy = tf.tensor4d(rand(size(info.outShape), i + 2), info.outShape);
          const attrs = { strides: s, pad: p, dataFormat: 'NHWC', dimRoundingMode: 'ceil' };
          const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x });
          const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: w.shape });
          return [(dx as tf.Tensor).dataSync() as Float32Array, (dw as tf.Tensor).dataSync() as Float32Array];
        });
      };
      const [cx, cw] = await run('cpu');
      const [wx, ww] = await run('wasm');
      if (!(relDiff(wx, cx) < 1e-4 && relDiff(ww, cw) < 1e-4)) failures.push(JSON.stringify([x, k, s, p]));
    }
    expect(failures).toEqual([]);
  });

  it('leave no intermediate tensors behind in the wasm heap', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as tf.KernelBackend & { numDataIds(): number };
    const c: ConvCase = { x: [2, 9, 8, 3], k: [3, 3], cout: 4, s: [2, 2], pad: 'same' };
    await convGrads('wasm', c, 5); // warm-up
    await tf.setBackend('wasm');
    const before = backend.numDataIds();
    await convGrads('wasm', c, 5);
    await tf.setBackend('wasm');
    expect(backend.numDataIds()).toBe(before);
  });
});
