/**
 * Lowering of single plan ops to tfjs ops. Towers on one device are only
 * arithmetic: a grouped conv/dense is split-compute-concat, an LRN normalizes
 * within each tower's channels, a tower-major flatten reorders channels.
 * Shapes are never re-derived here: every number comes from the plan.
 */
import * as tf from '@tensorflow/tfjs';
import { lrn } from '../kernels/lrn.js';
import type { Activation } from '../../compiler/spec/types.js';
import type { ConvOp, DenseOp, FlattenOp, LrnOp, PoolOp } from '../../compiler/plan/types.js';

/** Most negative float32: pads max pooling without Infinity arithmetic in the gradient. */
const MAX_POOL_PAD = -3.4028234663852886e38;

type FusableActivation = 'linear' | 'relu' | 'leakyrelu';

function fusable(act: Activation): FusableActivation | null {
  if (act.fn === 'linear' || act.fn === 'relu') return act.fn;
  return null;
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
    default:
      return x;
  }
}

function convPadding(op: ConvOp | PoolOp): [[number, number], [number, number], [number, number], [number, number]] {
  const [t, b, l, r] = op.attrs.pad;
  return [[0, 0], [t, b + op.attrs.padEnd[0]], [l, r + op.attrs.padEnd[1]], [0, 0]];
}

const hasPadding = (op: ConvOp | PoolOp) => op.attrs.pad.some((p) => p !== 0) || op.attrs.padEnd.some((p) => p !== 0);

export function conv2d(op: ConvOp, x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D | null): tf.Tensor4D {
  const { stride, dilation, groups, activation } = op.attrs;
  const pad = hasPadding(op) ? convPadding(op) : 'valid';
  const fused = fusable(activation);
  const one = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D | null): tf.Tensor4D =>
    tf.fused.conv2d({ x: xi, filter: wi, strides: stride, pad, dilations: dilation, bias: bi ?? undefined, activation: fused ?? 'linear' });
  let y: tf.Tensor4D;
  if (groups === 1) y = one(x, w, b);
  else {
    // Grouped (tower) convolution: group g convolves input slice g with filter slice g.
    const xs = tf.split(x, groups, 3);
    const ws = tf.split(w, groups, 3);
    const bs = b ? tf.split(b, groups, 0) : null;
    y = tf.concat(xs.map((xi, g) => one(xi as tf.Tensor4D, ws[g] as tf.Tensor4D, bs ? (bs[g] as tf.Tensor1D) : null)), 3);
  }
  return fused ? y : (applyActivation(y, activation) as tf.Tensor4D);
}

export function dense(op: DenseOp, x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  const { groups, activation } = op.attrs;
  const fused = fusable(activation);
  const one = (xi: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D | null): tf.Tensor2D =>
    tf.fused.matMul({ a: xi, b: wi, bias: bi ?? undefined, activation: fused ?? 'linear' }) as tf.Tensor2D;
  let y: tf.Tensor2D;
  if (groups === 1) y = one(x, w, b);
  else {
    const xs = tf.split(x, groups, 1);
    const ws = tf.split(w, groups, 1);
    const bs = b ? tf.split(b, groups, 0) : null;
    y = tf.concat(xs.map((xi, g) => one(xi as tf.Tensor2D, ws[g] as tf.Tensor2D, bs ? (bs[g] as tf.Tensor1D) : null)), 1) as tf.Tensor2D;
  }
  return fused ? y : (applyActivation(y, activation) as tf.Tensor2D);
}

export function maxPool(op: PoolOp, x: tf.Tensor4D): tf.Tensor4D {
  const { window, stride } = op.attrs;
  const padded = hasPadding(op) ? tf.pad(x, convPadding(op), MAX_POOL_PAD) : x;
  return tf.maxPool(padded, window, stride, 'valid');
}

/** Average pooling that leaves padding out of the average (divides by the real pixels in each window). */
export function avgPool(op: PoolOp, x: tf.Tensor4D): tf.Tensor4D {
  const { window, stride } = op.attrs;
  if (!hasPadding(op)) return tf.avgPool(x, window, stride, 'valid');
  const pads = convPadding(op);
  const sums = tf.avgPool(tf.pad(x, pads), window, stride, 'valid');
  const ones = tf.ones([1, x.shape[1], x.shape[2], 1]) as tf.Tensor4D;
  const counts = tf.avgPool(tf.pad(ones, pads), window, stride, 'valid');
  return tf.div(sums, counts);
}

/** The paper's LRN, within each tower's channels when the model has towers. */
export function localResponseNorm(op: LrnOp, x: tf.Tensor4D): tf.Tensor4D {
  const { size, alpha, beta, k, channelsPerTower } = op.attrs;
  const channels = x.shape[3];
  const params = { n: size, alpha, beta, k };
  if (channelsPerTower >= channels) return lrn(x, params);
  const parts = tf.split(x, channels / channelsPerTower, 3);
  return tf.concat(parts.map((p) => lrn(p as tf.Tensor4D, params)), 3);
}

export function flatten(op: FlattenOp, x: tf.Tensor, towers: number): tf.Tensor2D {
  const n = x.shape[0]!;
  if (op.attrs.order === 'tower-major' && x.rank === 4) {
    // [N,H,W,C] -> [N,H,W,T,C/T] -> [N,T,H,W,C/T]: each tower's block in turn.
    const [, h, w, c] = x.shape as [number, number, number, number];
    const split = tf.reshape(x, [n, h, w, towers, c / towers]);
    return tf.reshape(tf.transpose(split, [0, 3, 1, 2, 4]), [n, -1]);
  }
  return tf.reshape(x, [n, -1]);
}
