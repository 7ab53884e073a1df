/**
 * The elementwise sum of inputs of one shape, then the activation (a residual
 * connection). Split inputs are summed tower by tower; a replicated input met
 * by a split one is cut into this site's tower parts, which needs no
 * communication.
 */
import * as tf from '@tensorflow/tfjs';
import type { AddOp } from '../../plan/types.js';
import { applyActivation } from './activation.js';
import type { Lowering } from './lowering.js';
import { partsOf, towers, whole } from './value.js';

function sum(ts: tf.Tensor[]): tf.Tensor {
  return ts.length === 2 ? tf.add(ts[0]!, ts[1]!) : tf.addN(ts);
}

export const addLowering: Lowering<AddOp> = {
  build(op, { site }) {
    const act = op.attrs.activation;
    return (inputs) => {
      if (inputs.every((v) => v.kind === 'whole')) return whole(applyActivation(sum(inputs.map((v) => (v as { t: tf.Tensor }).t)), act));
      const parts = inputs.map((v) => partsOf(v, site));
      return towers(parts[0]!.map((_, t) => applyActivation(sum(parts.map((p) => p[t]!)), act)));
    };
  },
};
