/** Activations: the `activation` op, and the ones other ops apply to their output. */
import * as tf from '@tensorflow/tfjs';
import type { Activation, ActivationOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';
import { mapParts } from './value.js';

/** The activations tfjs fuses into conv and matmul kernels. */
export function fusable(act: Activation): 'linear' | 'relu' | null {
  return act.fn === 'linear' || act.fn === 'relu' ? act.fn : null;
}

export function applyActivation(x: tf.Tensor, act: Activation): tf.Tensor {
  switch (act.fn) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'leaky_relu':
      return tf.leakyRelu(x, act.slope ?? 0.01);
    case 'linear':
      return x;
  }
}

export const activationLowering: Lowering<ActivationOp> = {
  build: (op) => ([x]) => mapParts(x!, (t) => applyActivation(t, op.attrs)),
};
