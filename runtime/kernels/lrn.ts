// Local response normalisation across channels (AlexNet, Krizhevsky et al. 2012):
//   b_i = a_i / (k + alpha * sum_{j=max(0,i-n/2)}^{min(N-1,i+n/2)} a_j^2)^beta
// with n/2 integer division and alpha NOT divided by n (Caffe divides by n:
// pass alpha_caffe / n to get Caffe's behaviour).
//
// This is exactly TF's LRN with depth_radius = floor(n/2), bias = k, so it is
// tf.localResponseNormalization, whose LRN / LRNGrad kernels exist on the cpu,
// wasm (C++) and webgpu/webgl backends and on tfjs-node; the gradient comes
// from tfjs' registered LRN gradient (the LRNGrad kernel).
import * as tf from '@tensorflow/tfjs';

export interface LrnParams {
  /** additive constant (TF: bias) */
  k: number;
  /** window size in channels; odd in practice (an even n spans n+1 channels) */
  n: number;
  /** scale of the sum of squares, not divided by n */
  alpha: number;
  /** exponent */
  beta: number;
}

/** LRN over the channel (last) axis of an NHWC tensor. */
export function lrn(x: tf.Tensor4D, p: LrnParams): tf.Tensor4D {
  if (!Number.isInteger(p.n) || p.n < 1) throw new Error(`lrn: n must be a positive integer, got ${p.n}`);
  return tf.localResponseNormalization(x, Math.floor(p.n / 2), p.k, p.alpha, p.beta);
}
