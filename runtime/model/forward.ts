/**
 * The network's forward pass, built once from a plan: the ops run in the
 * plan's order on values that are whole or split into towers (lower-ops.ts).
 * On one device an exchange op is a concatenation of the towers' parts; the
 * multi-device executor runs each tower's part on its own device instead.
 */
import * as tf from '@tensorflow/tfjs';
import { opsNeededFor } from '../../plan/graph.js';
import type { Plan, PlanOp } from '../../plan/types.js';
import { applyActivation, avgPool, conv2d, dense, flatten, gather, localResponseNorm, mapParts, maxPool, whole, type Value } from './lower-ops.js';

export type ParamTensors = ReadonlyMap<string, tf.Tensor>;

/** A part of a larger whole: elements [start, start + n) of `total`. */
export interface SliceOf {
  start: number;
  total: number;
}

export interface ForwardContext {
  training: boolean;
  /** Seed for this step's dropout masks: each dropout op derives its own. */
  dropoutSeed: number;
  /**
   * Set on a device that holds only rows [start, start + n) of a batch of
   * `total` (data placement): dropout then draws the whole batch's mask and
   * keeps these rows, so the devices together match one device.
   */
  rows?: SliceOf;
  /**
   * Set on a device that runs only some towers (tower placement): the global
   * index of its first tower, so each tower's dropout seed is the one it has
   * on a single device.
   */
  firstTower?: number;
}

export type Forward = (params: ParamTensors, x: tf.Tensor, ctx: ForwardContext) => tf.Tensor2D;

function getParam(params: ParamTensors, name: string | null): tf.Tensor | null {
  if (name === null) return null;
  const t = params.get(name);
  if (!t) throw new Error(`plan parameter \`${name}\` has no tensor`);
  return t;
}

export function dropoutSeed(ctx: ForwardContext, op: PlanOp, part: number): number {
  return (ctx.dropoutSeed + op.id * 7919 + part * 104729) >>> 0;
}

/**
 * tf.dropout, or for some rows of a batch the matching rows of the whole
 * batch's mask: tf.randomUniform fills in row-major order from the seed, so
 * slicing the full draw gives exactly the values one device would use.
 */
function dropout(x: tf.Tensor, p: number, seed: number, rows: SliceOf | undefined): tf.Tensor {
  if (!rows) return tf.dropout(x, p, undefined, seed);
  const keep = 1 - p;
  const uniform = tf.randomUniform([rows.total, ...x.shape.slice(1)], 0, 1, 'float32', seed);
  const mine = tf.slice(uniform, [rows.start, ...x.shape.slice(1).map(() => 0)], x.shape);
  return tf.mul(x, tf.div(tf.floor(tf.add(mine, keep)), keep));
}

/** Runs one op on the values of its inputs (in the op's `inputs` order). */
export function runOp(op: PlanOp, inputs: Value[], params: ParamTensors, ctx: ForwardContext, towerCount: number): Value {
  const x = inputs[0]!;
  switch (op.op) {
    case 'input':
      return x;
    case 'conv2d':
      return conv2d(op, x, towerCount, getParam(params, op.params.weight) as tf.Tensor4D, getParam(params, op.params.bias) as tf.Tensor1D | null);
    case 'dense':
      return dense(op, x, towerCount, getParam(params, op.params.weight) as tf.Tensor2D, getParam(params, op.params.bias) as tf.Tensor1D | null);
    case 'maxpool':
      return mapParts(x, (t) => maxPool(op, t as tf.Tensor4D));
    case 'avgpool':
      return mapParts(x, (t) => avgPool(op, t as tf.Tensor4D));
    case 'lrn':
      return mapParts(x, (t) => localResponseNorm(op, t as tf.Tensor4D));
    case 'dropout': {
      // Inverted dropout: kept units are scaled by 1/(1-p), so inference needs no rescaling
      // (the paper's "multiply by 0.5 at test time" is the same in expectation).
      if (!ctx.training || op.attrs.p === 0) return x;
      let part = ctx.firstTower ?? 0;
      return mapParts(x, (t) => dropout(t, op.attrs.p, dropoutSeed(ctx, op, part++), ctx.rows));
    }
    case 'flatten':
      return mapParts(x, flatten);
    case 'activation':
      return mapParts(x, (t) => applyActivation(t, op.attrs));
    case 'softmax':
      return whole(tf.softmax(gather(x)));
    case 'exchange':
      return whole(gather(x));
    case 'add':
    case 'concat':
    case 'batchnorm':
    case 'globalavgpool':
    case 'globalmaxpool':
      throw new Error(`op kind \`${op.op}\` is not lowered to tfjs yet`);
  }
}

/** Builds the forward pass up to the logits op (the softmax is applied by the loss or by predict). */
export function createForward(plan: Plan): Forward {
  const ops = opsNeededFor(plan, plan.output.logits);
  return (params, x, ctx) => {
    const values = new Map<number, Value>();
    for (const op of ops) {
      const inputs = op.op === 'input' ? [whole(x)] : op.inputs.map((id) => values.get(id)!);
      values.set(op.id, runOp(op, inputs, params, ctx, plan.towers));
    }
    return gather(values.get(ops[ops.length - 1]!.id)!) as tf.Tensor2D;
  };
}
