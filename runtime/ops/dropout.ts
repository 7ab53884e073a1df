/**
 * Inverted dropout: kept units are scaled by 1/(1-p) at training time, so
 * inference needs no rescaling (the paper's "multiply by 0.5 at test time" is
 * the same in expectation). Each op and tower draws from its own seed, so a
 * tower on another device draws the mask it has on one device.
 */
import * as tf from '@tensorflow/tfjs';
import type { DropoutOp, PlanOp } from '../../plan/types.js';
import type { Lowering, RunContext, SliceOf } from './lowering.js';
import { mapParts } from './value.js';

export function dropoutSeed(ctx: RunContext, op: PlanOp, part: number): number {
  return (ctx.dropoutSeed + op.id * 7919 + part * 104729) >>> 0;
}

/**
 * tf.dropout, or for some rows of a batch the matching rows of the whole
 * batch's mask: tf.randomUniform fills in row-major order from the seed, so
 * slicing the full draw gives exactly the values one device would use.
 */
function drop(x: tf.Tensor, p: number, seed: number, rows: SliceOf | undefined): tf.Tensor {
  if (!rows) return tf.dropout(x, p, undefined, seed);
  const keep = 1 - p;
  const uniform = tf.randomUniform([rows.total, ...x.shape.slice(1)], 0, 1, 'float32', seed);
  const mine = tf.slice(uniform, [rows.start, ...x.shape.slice(1).map(() => 0)], x.shape);
  return tf.mul(x, tf.div(tf.floor(tf.add(mine, keep)), keep));
}

export const dropoutLowering: Lowering<DropoutOp> = {
  build(op, { site }) {
    const p = op.attrs.p;
    return ([x], ctx) => {
      if (!ctx.training || p === 0) return x!;
      // A whole value draws tower 0's mask on every device; tower parts draw their global tower's.
      const first = x!.kind === 'towers' ? site.first : 0;
      return mapParts(x!, (t, part) => drop(t, p, dropoutSeed(ctx, op, first + part), ctx.rows));
    };
  },
};
