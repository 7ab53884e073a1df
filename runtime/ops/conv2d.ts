/**
 * A convolution, per tower: tower t computes filters slice t (the plan's
 * weight is HWIO with every filter; tower t owns output slice t, the param's
 * towerAxis). connect `tower`: tower t reads its own input part; `all`: the
 * whole input. Plain `groups` within a tower split that tower's input and
 * filters further. Bias and relu are fused into the conv kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { ConvOp, PoolOp } from '../../plan/types.js';
import { applyActivation, fusable } from './activation.js';
import { required, type Lowering } from './lowering.js';
import { partsOf, splitN, towers, whole, wholeOf } from './value.js';

type Padding4 = [[number, number], [number, number], [number, number], [number, number]];

/** The op's zero padding as tfjs' explicit NHWC padding, ceil rounding's extra bottom/right included; 'valid' if none. */
export function explicitPadding(op: ConvOp | PoolOp): Padding4 | 'valid' {
  const [t, b, l, r] = op.attrs.pad;
  const [eh, ew] = op.attrs.padEnd;
  if (t === 0 && b === 0 && l === 0 && r === 0 && eh === 0 && ew === 0) return 'valid';
  return [[0, 0], [t, b + eh], [l, r + ew], [0, 0]];
}

export const conv2dLowering: Lowering<ConvOp> = {
  build(op, env) {
    const { site } = env;
    const w = required(env, op.params.weight) as tf.Tensor4D;
    const b = env.param(op.params.bias) as tf.Tensor1D | null;
    const { stride, dilation, activation } = op.attrs;
    const split = op.towers.output === 'split';
    const connectTower = op.towers.connect === 'tower';
    const groupsPerTower = split && connectTower ? op.attrs.groups / site.towers : op.attrs.groups;
    const pad = explicitPadding(op);
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
      return tf.concat(xs.map((xi, g) => convOne(xi, ws[g]!, bs ? bs[g]! : null)), 3);
    };
    if (!split) return ([x]) => whole(convTower(wholeOf(x!, site) as tf.Tensor4D, w, b));
    return ([x]) => {
      const ws = splitN(w, site.local, 3);
      const bs = b ? splitN(b, site.local, 0) : null;
      const xs = (connectTower ? partsOf(x!, site) : Array<tf.Tensor>(site.local).fill(wholeOf(x!, site))) as tf.Tensor4D[];
      return towers(xs.map((xt, t) => convTower(xt, ws[t]!, bs ? bs[t]! : null)));
    };
  },
};
