/**
 * Lowering of single plan ops to tfjs ops. Between ops a value is either
 * `whole` (one tensor) or split into `towers` (one tensor per tower, channels
 * or units in tower order). Keeping towers apart mirrors the paper's two GPUs:
 * grouped layers never split or concatenate activations, and the only
 * concatenation is the exchange op, exactly where the GPUs talked.
 * Shapes are never re-derived here: every number comes from the plan.
 */
import * as tf from '@tensorflow/tfjs';
import { lrn } from '../kernels/lrn.js';
import type { Activation } from '../../plan/types.js';
import type { ConvOp, DenseOp, LrnOp, PoolOp } from '../../plan/types.js';

export type Value = { kind: 'whole'; t: tf.Tensor } | { kind: 'towers'; parts: tf.Tensor[] };

export const whole = (t: tf.Tensor): Value => ({ kind: 'whole', t });
export const towers = (parts: tf.Tensor[]): Value => ({ kind: 'towers', parts });

/** The value as one tensor: towers are concatenated along the last axis (the exchange). */
export function gather(v: Value): tf.Tensor {
  if (v.kind === 'whole') return v.t;
  return v.parts.length === 1 ? v.parts[0]! : tf.concat(v.parts, v.parts[0]!.rank - 1);
}

/** Applies an elementwise or per-tower op to each part. */
export function mapParts(v: Value, f: (t: tf.Tensor) => tf.Tensor): Value {
  return v.kind === 'whole' ? whole(f(v.t)) : towers(v.parts.map(f));
}

function fusable(act: Activation): 'linear' | 'relu' | null {
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
    default:
      return x;
  }
}

function padding(op: ConvOp | PoolOp): [[number, number], [number, number], [number, number], [number, number]] {
  const [t, b, l, r] = op.attrs.pad;
  return [[0, 0], [t, b + op.attrs.padEnd[0]], [l, r + op.attrs.padEnd[1]], [0, 0]];
}

const hasPadding = (op: ConvOp | PoolOp) => op.attrs.pad.some((p) => p !== 0) || op.attrs.padEnd.some((p) => p !== 0);

/** Splits a tensor into n equal parts along an axis (n = 1: the tensor itself). */
function splitN(t: tf.Tensor, n: number, axis: number): tf.Tensor[] {
  return n === 1 ? [t] : tf.split(t, n, axis);
}

/**
 * What each tower reads: its own part (connect `tower`; a replicated input is
 * split along the channel/unit axis), or the gathered input (connect `all`).
 */
function towerInputs(input: Value, towerCount: number, connectTower: boolean, axis: number): tf.Tensor[] {
  if (!connectTower) {
    const x = gather(input);
    return Array.from({ length: towerCount }, () => x);
  }
  return input.kind === 'towers' ? input.parts : splitN(input.t, towerCount, axis);
}

/**
 * A conv, per tower. Tower t computes filters slice t (the plan's weight is
 * HWIO with all filters; tower t owns output slice t, plan param towerAxis).
 * connect `tower`: tower t reads its own input part; `all`: the gathered input.
 * Plain `groups` within a tower split that tower's input and filters further.
 */
export function conv2d(op: ConvOp, input: Value, towerCount: number, w: tf.Tensor4D, b: tf.Tensor1D | null): Value {
  const { stride, dilation, activation } = op.attrs;
  const connectTower = op.towers.connect === 'tower';
  const groupsPerTower = op.attrs.groups / (connectTower ? towerCount : 1);
  const pad = hasPadding(op) ? padding(op) : 'valid';
  const act = fusable(activation);
  const convOne = (x: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D | null): tf.Tensor4D => {
    const y = tf.fused.conv2d({ x, filter: wi, strides: stride, pad, dilations: dilation, bias: bi ?? undefined, activation: act ?? 'linear' });
    return act ? y : (applyActivation(y, activation) as tf.Tensor4D);
  };
  const convTower = (x: tf.Tensor4D, wt: tf.Tensor4D, bt: tf.Tensor1D | null): tf.Tensor4D => {
    if (groupsPerTower === 1) return convOne(x, wt, bt);
    const xs = splitN(x, groupsPerTower, 3);
    const ws = splitN(wt, groupsPerTower, 3);
    const bs = bt ? splitN(bt, groupsPerTower, 0) : null;
    return tf.concat(xs.map((xi, g) => convOne(xi as tf.Tensor4D, ws[g] as tf.Tensor4D, bs ? (bs[g] as tf.Tensor1D) : null)), 3);
  };
  if (towerCount === 1) return whole(convTower(gather(input) as tf.Tensor4D, w, b));
  const ws = splitN(w, towerCount, 3) as tf.Tensor4D[];
  const bs = b ? (splitN(b, towerCount, 0) as tf.Tensor1D[]) : null;
  const inputs = towerInputs(input, towerCount, connectTower, 3) as tf.Tensor4D[];
  return towers(inputs.map((x, t) => convTower(x, ws[t]!, bs ? bs[t]! : null)));
}

/** A dense layer, per tower: tower t computes units slice t. */
export function dense(op: DenseOp, input: Value, towerCount: number, w: tf.Tensor2D, b: tf.Tensor1D | null): Value {
  const act = fusable(op.attrs.activation);
  const one = (x: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D | null): tf.Tensor2D => {
    const y = tf.fused.matMul({ a: x, b: wi, bias: bi ?? undefined, activation: act ?? 'linear' }) as tf.Tensor2D;
    return act ? y : (applyActivation(y, op.attrs.activation) as tf.Tensor2D);
  };
  if (towerCount === 1) return whole(one(gather(input) as tf.Tensor2D, w, b));
  const ws = splitN(w, towerCount, 1) as tf.Tensor2D[];
  const bs = b ? (splitN(b, towerCount, 0) as tf.Tensor1D[]) : null;
  const inputs = towerInputs(input, towerCount, op.towers.connect === 'tower', 1) as tf.Tensor2D[];
  return towers(inputs.map((x, t) => one(x, ws[t]!, bs ? bs[t]! : null)));
}

export function maxPool(op: PoolOp, x: tf.Tensor4D): tf.Tensor4D {
  const { window, stride } = op.attrs;
  // Explicit padding: the kernels treat it as -infinity (never the maximum), with no pad/slice
  // pair in the step (runtime/kernels fixed wasm's MaxPoolGrad for windows of negatives).
  return tf.maxPool(x, window, stride, hasPadding(op) ? padding(op) : 'valid');
}

/** Average pooling that leaves padding out of the average (divides by the real pixels in each window). */
export function avgPool(op: PoolOp, x: tf.Tensor4D): tf.Tensor4D {
  const { window, stride } = op.attrs;
  if (!hasPadding(op)) return tf.avgPool(x, window, stride, 'valid');
  const pads = padding(op);
  const sums = tf.avgPool(tf.pad(x, pads), window, stride, 'valid');
  const ones = tf.ones([1, x.shape[1], x.shape[2], 1]) as tf.Tensor4D;
  const counts = tf.avgPool(tf.pad(ones, pads), window, stride, 'valid');
  return tf.div(sums, counts);
}

/** The paper's LRN over one tower's channels (a whole value on one tower is one tower). */
export function localResponseNorm(op: LrnOp, x: tf.Tensor4D): tf.Tensor4D {
  const { size, alpha, beta, k, channelsPerTower } = op.attrs;
  const params = { n: size, alpha, beta, k };
  const channels = x.shape[3];
  if (channelsPerTower >= channels) return lrn(x, params);
  // A whole tensor holding several towers (only if the plan's input was replicated): normalize per tower.
  const parts = tf.split(x, channels / channelsPerTower, 3);
  return tf.concat(parts.map((p) => lrn(p as tf.Tensor4D, params)), 3);
}

/** Flattening a tower-split value flattens each tower: their concatenation is the plan's tower-major order. */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0]!, -1]);
}
