/** Max and average pooling within each tower (pooling never mixes channels). */
import * as tf from '@tensorflow/tfjs';
import type { PoolOp } from '../../plan/types.js';
import { explicitPadding } from './conv2d.js';
import type { Lowering } from './lowering.js';
import { mapParts } from './value.js';

/**
 * Max pooling with explicit padding: netc's kernels treat padding as -infinity
 * (it never wins), with no pad/slice pair in the step (runtime/kernels fixed
 * wasm's MaxPoolGrad for windows of negatives).
 */
export const maxPoolLowering: Lowering<PoolOp> = {
  build(op) {
    const { window, stride } = op.attrs;
    const pad = explicitPadding(op);
    return ([x]) => mapParts(x!, (t) => tf.maxPool(t as tf.Tensor4D, window, stride, pad));
  },
};

/** Average pooling that leaves padding out of the average (divides by the real pixels in each window). */
export const avgPoolLowering: Lowering<PoolOp> = {
  build(op) {
    const { window, stride } = op.attrs;
    const pads = explicitPadding(op);
    if (pads === 'valid') return ([x]) => mapParts(x!, (t) => tf.avgPool(t as tf.Tensor4D, window, stride, 'valid'));
    return ([x]) =>
      mapParts(x!, (t) => {
        const sums = tf.avgPool(tf.pad(t, pads) as tf.Tensor4D, window, stride, 'valid');
        const ones = tf.ones([1, t.shape[1]!, t.shape[2]!, 1]) as tf.Tensor4D;
        const counts = tf.avgPool(tf.pad(ones, pads) as tf.Tensor4D, window, stride, 'valid');
        return tf.div(sums, counts);
      });
  },
};
