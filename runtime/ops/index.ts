/**
 * The table of op lowerings: one module per op kind, one entry each. A new op
 * kind is its module plus a line here (and the compiler's side).
 */
import type { OpKind, PlanOp } from '../../plan/types.js';
import { activationLowering } from './activation.js';
import { addLowering } from './add.js';
import { batchnormLowering } from './batchnorm.js';
import { concatLowering } from './concat.js';
import { conv2dLowering } from './conv2d.js';
import { denseLowering } from './dense.js';
import { dropoutLowering } from './dropout.js';
import { exchangeLowering } from './exchange.js';
import { flattenLowering } from './flatten.js';
import { globalAvgPoolLowering, globalMaxPoolLowering } from './global-pool.js';
import { inputLowering } from './input.js';
import type { BuildEnv, Lowering, OpFn } from './lowering.js';
import { lrnLowering } from './lrn.js';
import { avgPoolLowering, maxPoolLowering } from './pool.js';
import { softmaxLowering } from './softmax.js';

type Table = { [K in OpKind]: Lowering<Extract<PlanOp, { op: K }>> };

export const LOWERINGS: Table = {
  input: inputLowering,
  conv2d: conv2dLowering,
  dense: denseLowering,
  maxpool: maxPoolLowering,
  avgpool: avgPoolLowering,
  globalavgpool: globalAvgPoolLowering,
  globalmaxpool: globalMaxPoolLowering,
  lrn: lrnLowering,
  batchnorm: batchnormLowering,
  dropout: dropoutLowering,
  flatten: flattenLowering,
  activation: activationLowering,
  softmax: softmaxLowering,
  add: addLowering,
  concat: concatLowering,
  exchange: exchangeLowering,
};

/** The op's step function on this site. */
export function buildOp(op: PlanOp, env: BuildEnv): OpFn {
  const lowering = LOWERINGS[op.op] as Lowering<PlanOp> | undefined;
  if (!lowering) throw new Error(`op kind \`${op.op}\` has no lowering in this netc`);
  return lowering.build(op, env);
}

export type { BatchStats, BuildEnv, OpFn, RunContext, Site, SliceOf } from './lowering.js';
export type { Value } from './value.js';
