/**
 * Batch normalization over the last axis, PyTorch's semantics. Training:
 * normalize with the batch's mean and biased variance (over rows and
 * positions), and report them (ctx.stats) so the engine moves the running
 * statistics; inference: normalize with the running statistics. Channels
 * split over towers are normalized tower by tower, with that tower's slice of
 * scale, shift and statistics.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchNormOp } from '../../plan/types.js';
import { applyActivation } from './activation.js';
import { required, type Lowering } from './lowering.js';
import { joinLast, splitN, towers, whole } from './value.js';

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
        out = parts.map((p, i) => tf.batchNorm(p, means[i]!, variances[i]!, shifts[i], scales[i], epsilon));
      } else {
        const axes = parts[0]!.shape.slice(0, -1).map((_, i) => i);
        const means: tf.Tensor[] = [];
        const variances: tf.Tensor[] = [];
        out = parts.map((p, i) => {
          const m = tf.moments(p, axes);
          means.push(m.mean);
          variances.push(m.variance);
          return tf.batchNorm(p, m.mean, m.variance, shifts[i], scales[i], epsilon);
        });
        const p0 = parts[0]!;
        ctx.stats?.push({ op, mean: joinLast(means) as tf.Tensor1D, variance: joinLast(variances) as tf.Tensor1D, count: p0.size / p0.shape[p0.rank - 1]! });
      }
      out = out.map((t) => applyActivation(t, activation));
      return x!.kind === 'towers' ? towers(out) : whole(out[0]!);
    };
  },
};
