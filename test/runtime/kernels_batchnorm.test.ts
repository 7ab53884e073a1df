// netc's fused training batchnorm kernels (runtime/kernels/batch_norm.ts)
// against what tfjs-layers computes: tf.moments + tf.batchNorm (+ tf.relu),
// values, batch statistics and gradients for x, scale and shift, on cpu and
// wasm, with and without the relu and the affine parameters.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend/select.js';
import { batchNormTrain, hasBatchNormKernels, registerBatchNormKernels } from '../../runtime/kernels/batch_norm.js';
import { rand, relDiff } from './kernel-helpers.js';

beforeAll(async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
  registerBatchNormKernels();
});

const CASES: { shape: number[]; relu: boolean; affine: boolean; epsilon: number }[] = [
  { shape: [4, 5, 5, 3], relu: true, affine: true, epsilon: 1e-5 },
  { shape: [2, 3, 7, 8], relu: false, affine: true, epsilon: 1e-3 },
  { shape: [3, 2, 2, 5], relu: true, affine: false, epsilon: 1e-5 },
  { shape: [6, 10], relu: false, affine: false, epsilon: 0.1 }, // dense features
  { shape: [2, 1, 1, 4], relu: false, affine: true, epsilon: 1e-5 }, // two values per channel
];

/** tfjs' own ops: the loss sum(out * probe) and its gradients, plus the statistics. */
function reference(x: tf.Tensor, scale: tf.Tensor | undefined, shift: tf.Tensor | undefined, probe: tf.Tensor, c: (typeof CASES)[number]) {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const f = (xi: tf.Tensor, s?: tf.Tensor, b?: tf.Tensor) => {
    const m = tf.moments(xi, axes);
    // tfjs' batchNorm gradient needs a scale tensor: ones and zeros stand for no affine
    const y = tf.batchNorm(xi, m.mean, m.variance, b ?? tf.zerosLike(m.mean), s ?? tf.onesLike(m.mean), c.epsilon);
    return c.relu ? tf.relu(y) : y;
  };
  const y = f(x, scale, shift);
  const { mean, variance } = tf.moments(x, axes);
  const args = scale && shift ? [x, scale, shift] : [x];
  const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(f(ts[0]!, ts[1], ts[2]), probe)))(args);
  return { y, mean, variance, grads };
}

describe.each(['cpu', 'wasm'])('batchnorm kernels on %s', (backend) => {
  it('compute tf.moments + tf.batchNorm (+ relu): output, statistics and gradients', async () => {
    await tf.setBackend(backend);
    expect(hasBatchNormKernels()).toBe(true);
    for (const [i, c] of CASES.entries()) {
      const C = c.shape[c.shape.length - 1]!;
      const n = c.shape.reduce((a, b) => a * b, 1);
      tf.tidy(() => {
        const x = tf.tensor(rand(n, i).map((v) => 2 * v + 0.3), c.shape);
        const scale = c.affine ? tf.tensor(rand(C, 10 + i).map((v) => 1 + 0.5 * v)) : undefined;
        const shift = c.affine ? tf.tensor(rand(C, 20 + i)) : undefined;
        const probe = tf.tensor(rand(n, 30 + i), c.shape);
        const ref = reference(x, scale, shift, probe, c);
        const [y, mean, variance] = batchNormTrain(x, scale, shift, { epsilon: c.epsilon, relu: c.relu });
        const label = JSON.stringify(c);
        expect(relDiff(y.dataSync(), ref.y.dataSync()), label).toBeLessThan(1e-5);
        expect(relDiff(mean.dataSync(), ref.mean.dataSync()), label).toBeLessThan(1e-6);
        expect(relDiff(variance.dataSync(), ref.variance.dataSync()), label).toBeLessThan(1e-5);
        const args = scale && shift ? [x, scale, shift] : [x];
        const got = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(batchNormTrain(ts[0]!, ts[1], ts[2], { epsilon: c.epsilon, relu: c.relu })[0], probe)))(args);
        for (const [k, g] of got.entries()) expect(relDiff(g.dataSync(), ref.grads[k]!.dataSync()), `${label} gradient ${k}`).toBeLessThan(1e-4);
      });
    }
  });

  it('leak nothing through a training step', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor(rand(2 * 3 * 3 * 4, 5), [2, 3, 3, 4]);
    const scale = tf.variable(tf.ones([4]));
    const shift = tf.variable(tf.zeros([4]));
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(batchNormTrain(x, scale, shift, { epsilon: 1e-5, relu: true })[0]) as tf.Scalar, [scale, shift]);
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, scale, shift]);
  });
});
