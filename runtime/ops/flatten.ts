/**
 * Flattening. `tower-major`: each tower's H x W x C/T block flattened in
 * turn, which is flattening each tower part (their concatenation is the
 * plan's order); `hwc`: the whole tensor in row-major order.
 */
import * as tf from '@tensorflow/tfjs';
import type { FlattenOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';
import { mapParts, whole, wholeOf } from './value.js';

const flat = (x: tf.Tensor): tf.Tensor2D => tf.reshape(x, [x.shape[0]!, -1]);

export const flattenLowering: Lowering<FlattenOp> = {
  build(op, { site }) {
    if (op.attrs.order === 'tower-major') return ([x]) => mapParts(x!, flat);
    return ([x]) => whole(flat(wholeOf(x!, site)));
  },
};
