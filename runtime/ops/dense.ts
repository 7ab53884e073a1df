/** A dense layer, per tower: tower t computes units slice t (connect `tower`: from its own input part). Bias and relu fused into the matmul. */
import * as tf from '@tensorflow/tfjs';
import type { DenseOp } from '../../plan/types.js';
import { applyActivation, fusable } from './activation.js';
import { required, type Lowering } from './lowering.js';
import { partsOf, splitN, towers, whole, wholeOf } from './value.js';

export const denseLowering: Lowering<DenseOp> = {
  build(op, env) {
    const { site } = env;
    const w = required(env, op.params.weight) as tf.Tensor2D;
    const b = env.param(op.params.bias) as tf.Tensor1D | null;
    const act = fusable(op.attrs.activation);
    const one = (x: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D | null): tf.Tensor2D => {
      const y = tf.fused.matMul({ a: x, b: wi, bias: bi ?? undefined, activation: act ?? 'linear' }) as tf.Tensor2D;
      return act ? y : (applyActivation(y, op.attrs.activation) as tf.Tensor2D);
    };
    if (op.towers.output !== 'split') return ([x]) => whole(one(wholeOf(x!, site) as tf.Tensor2D, w, b));
    const connectTower = op.towers.connect === 'tower';
    return ([x]) => {
      const ws = splitN(w, site.local, 1);
      const bs = b ? splitN(b, site.local, 0) : null;
      const xs = (connectTower ? partsOf(x!, site) : Array<tf.Tensor>(site.local).fill(wholeOf(x!, site))) as tf.Tensor2D[];
      return towers(xs.map((xt, t) => one(xt, ws[t]!, bs ? bs[t]! : null)));
    };
  },
};
