/**
 * The network's forward pass, built once from a plan: a list of closures, one
 * per op, run in the plan's order. Exchange ops are the identity on one
 * device (every tower's activations are already here); the multi-device
 * executor replaces them with real transfers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Plan, PlanOp } from '../../compiler/plan/types.js';
import { applyActivation, avgPool, conv2d, dense, flatten, localResponseNorm, maxPool } from './lower-ops.js';

export type ParamTensors = ReadonlyMap<string, tf.Tensor>;

export interface ForwardContext {
  training: boolean;
  /** Seed for this step's dropout masks: each dropout op derives its own. */
  dropoutSeed: number;
}

export type Forward = (params: ParamTensors, x: tf.Tensor, ctx: ForwardContext) => tf.Tensor2D;

function getParam(params: ParamTensors, name: string | null): tf.Tensor | null {
  if (name === null) return null;
  const t = params.get(name);
  if (!t) throw new Error(`plan parameter \`${name}\` has no tensor`);
  return t;
}

export function runOp(op: PlanOp, x: tf.Tensor, params: ParamTensors, ctx: ForwardContext, towers: number): tf.Tensor {
  switch (op.op) {
    case 'conv2d':
      return conv2d(op, x as tf.Tensor4D, getParam(params, op.params.weight) as tf.Tensor4D, getParam(params, op.params.bias) as tf.Tensor1D | null);
    case 'dense':
      return dense(op, x as tf.Tensor2D, getParam(params, op.params.weight) as tf.Tensor2D, getParam(params, op.params.bias) as tf.Tensor1D | null);
    case 'maxpool':
      return maxPool(op, x as tf.Tensor4D);
    case 'avgpool':
      return avgPool(op, x as tf.Tensor4D);
    case 'lrn':
      return localResponseNorm(op, x as tf.Tensor4D);
    case 'dropout':
      // Inverted dropout: kept units are scaled by 1/(1-p), so inference needs no rescaling
      // (the paper's "multiply by 0.5 at test time" is the same in expectation).
      return ctx.training && op.attrs.p > 0 ? tf.dropout(x, op.attrs.p, undefined, (ctx.dropoutSeed + op.id * 7919) >>> 0) : x;
    case 'flatten':
      return flatten(op, x, towers);
    case 'activation':
      return applyActivation(x, op.attrs);
    case 'softmax':
      return tf.softmax(x);
    case 'exchange':
      return x;
  }
}

/** Builds the forward pass up to the logits op (the softmax is applied by the loss or by predict). */
export function createForward(plan: Plan): Forward {
  const lastIndex = plan.ops.findIndex((o) => o.name === plan.output.logits);
  const ops = lastIndex >= 0 ? plan.ops.slice(0, lastIndex + 1) : plan.ops.filter((o) => o.op !== 'softmax');
  return (params, x, ctx) => {
    let h = x;
    for (const op of ops) h = runOp(op, h, params, ctx, plan.towers);
    return h as tf.Tensor2D;
  };
}
