/** The paper's local response normalization, within each tower's channels. */
import * as tf from '@tensorflow/tfjs';
import { lrn } from '../kernels/lrn.js';
import type { LrnOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';
import { mapParts } from './value.js';

export const lrnLowering: Lowering<LrnOp> = {
  build(op) {
    const { size, alpha, beta, k, channelsPerTower } = op.attrs;
    const params = { n: size, alpha, beta, k };
    return ([x]) =>
      mapParts(x!, (t) => {
        const channels = t.shape[3]!;
        if (channelsPerTower >= channels) return lrn(t as tf.Tensor4D, params);
        // A whole tensor holding several towers (its input was replicated): normalize per tower.
        const parts = tf.split(t, channels / channelsPerTower, 3);
        return tf.concat(parts.map((p) => lrn(p as tf.Tensor4D, params)), 3);
      });
  },
};
