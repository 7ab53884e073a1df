/**
 * Batch normalization over the last axis, PyTorch's semantics. Training:
 * normalize with the batch's mean and biased variance (over rows and
 * positions), and report them (ctx.stats) so the engine moves the running
 * statistics; inference: normalize with the running statistics. Channels
 * split over towers are normalized tower by tower, with that tower's slice of
 * scale, shift and statistics. Training runs netc's fused kernels where the
 * backend has them (wasm, cpu: runtime/kernels/batch_norm.ts, relu fused in),
 * elsewhere tf.moments and tf.batchNorm.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain, hasBatchNormKernels, registerBatchNormKernels } from '../kernels/batch_norm.js';
import type { Activation, BatchNormOp } from '../../plan/types.js';
import { applyActivation } from './activation.js';
import { required, type Lowering } from './lowering.js';
import { joinLast, splitN, towers, whole } from './value.js';

registerBatchNormKernels();

type Normalized = [y: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor];

/** Training normalization of one part: the output (activation applied) and the batch's statistics. */
function normalizeBatch(x: tf.Tensor, scale: tf.Tensor | undefined, shift: tf.Tensor | undefined, epsilon: number, activation: Activation): Normalized {
  if (hasBatchNormKernels() && (activation.fn === 'relu' || activation.fn === 'linear')) return batchNormTrain(x, scale, shift, { epsilon, relu: activation.fn === 'relu' });
  const { mean, variance } = tf.moments(x, x.shape.slice(0, -1).map((_, i) => i));
  // tfjs' batchNorm gradient needs a scale tensor: ones and zeros stand for no affine.
  const y = tf.batchNorm(x, mean, variance, shift ?? tf.zerosLike(mean), scale ?? tf.onesLike(mean), epsilon);
  return [applyActivation(y, activation), mean, variance];
}

export const batchnormLowering: Lowering<BatchNormOp> = {
  build(op, env) {
    const scale = env.param(op.params.scale);
    const shift = env.param(op.params.shift);
    const runningMean = required(env, op.params.mean);
    const runningVariance = required(env, op.params.variance);
    const { epsilon, activation } = op.attrs;
    const cut = (t: tf.Tensor | null, n: number): (tf.Tensor | undefined)[] => (t ? splitN(t, n, 0) : Array<undefined>(n).fill(undefined));
    return ([x], ctx) => {
      const parts = x!.kind === 'towers' ? x!.parts : [x!.t];
      const n = parts.length;
      const scales = cut(scale, n);
      const shifts = cut(shift, n);
      let out: tf.Tensor[];
      if (!ctx.training) {
        const means = cut(runningMean, n);
        const variances = cut(runningVariance, n);
        out = parts.map((p, i) => applyActivation(tf.batchNorm(p, means[i]!, variances[i]!, shifts[i], scales[i], epsilon), activation));
      } else {
        const normalized = parts.map((p, i) => normalizeBatch(p, scales[i], shifts[i], epsilon, activation));
        out = normalized.map((r) => r[0]);
        const p0 = parts[0]!;
        ctx.stats?.push({
          op, count: p0.size / p0.shape[p0.rank - 1]!,
          mean: joinLast(normalized.map((r) => r[1])) as tf.Tensor1D, variance: joinLast(normalized.map((r) => r[2])) as tf.Tensor1D,
        });
      }
      return x!.kind === 'towers' ? towers(out) : whole(out[0]!);
    };
  },
};
