/** Global pooling, [N, H, W, C] -> [N, C] within each tower: the mean or the maximum of each channel. */
import * as tf from '@tensorflow/tfjs';
import type { GlobalPoolOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';
import { mapParts } from './value.js';

export const globalAvgPoolLowering: Lowering<GlobalPoolOp> = {
  build: () => ([x]) => mapParts(x!, (t) => tf.mean(t, [1, 2])),
};

/**
 * A max pool over the whole image rather than tf.max: its gradient goes to one
 * position per channel (as PyTorch's adaptive max pooling), where tf.max's
 * gives every tied position the full gradient (common after a relu: zeros).
 */
export const globalMaxPoolLowering: Lowering<GlobalPoolOp> = {
  build(op) {
    const [h, w] = op.inputShapes[0]!;
    return ([x]) => mapParts(x!, (t) => tf.reshape(tf.maxPool(t as tf.Tensor4D, [h!, w!], [h!, w!], 'valid'), [t.shape[0]!, t.shape[3]!]));
  },
};
