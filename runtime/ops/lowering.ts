/**
 * The contract of an op's lowering: built once per program from the op and
 * the site it runs on (parameters resolved, attributes read), it then maps
 * the values of the op's inputs to its output on every step with no lookups.
 * Shapes are never re-derived here: every number comes from the plan.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BatchNormOp, PlanOp } from '../../plan/types.js';
import type { Value } from './value.js';

/**
 * Where a program runs: which of the model's towers it computes, and how a
 * split value becomes whole. One device holds every tower and concatenates;
 * a device of tower placement holds some and all-gathers from the others.
 */
export interface Site {
  /** Towers of the model. */
  readonly towers: number;
  /** Global index of the first tower computed here. */
  readonly first: number;
  /** Towers computed here. */
  readonly local: number;
  /** The whole tensor from this site's tower parts, joined along the last axis with every other site's. */
  gather(parts: readonly tf.Tensor[]): tf.Tensor;
  /** This site's tower parts of a replicated tensor (its last axis cut in `towers` blocks). */
  mine(t: tf.Tensor): tf.Tensor[];
  /** The program's output as one tensor, every site computing the loss from it (see runtime/model/interpreter.ts). */
  output(v: Value): tf.Tensor;
}

/** A part of a larger whole: elements [start, start + n) of `total`. */
export interface SliceOf {
  start: number;
  total: number;
}

/** A batchnorm's statistics over this step's batch (on this device), per channel held here. */
export interface BatchStats {
  op: BatchNormOp;
  mean: tf.Tensor1D;
  /** Biased (divided by `count`), as used to normalize. */
  variance: tf.Tensor1D;
  /** Values per channel the statistics are over (rows x positions). */
  count: number;
}

export interface RunContext {
  training: boolean;
  /** Seed for this step's dropout masks: each dropout op (and tower) derives its own. */
  dropoutSeed: number;
  /**
   * Set on a device that holds only rows [start, start + n) of a batch of
   * `total` (data placement): dropout then draws the whole batch's mask and
   * keeps these rows, so the devices together match one device.
   */
  rows?: SliceOf;
  /** Training: batchnorm ops append their batch statistics here, in program order. */
  stats?: BatchStats[];
}

export interface BuildEnv {
  site: Site;
  /** A plan parameter's tensor as held here (this site's towers' part of it); null for a null name. */
  param(name: string | null): tf.Tensor | null;
}

export type OpFn = (inputs: readonly Value[], ctx: RunContext) => Value;

export interface Lowering<O extends PlanOp = PlanOp> {
  build(op: O, env: BuildEnv): OpFn;
}

/** A parameter the op cannot run without. */
export function required(env: BuildEnv, name: string): tf.Tensor {
  const t = env.param(name);
  if (!t) throw new Error(`plan parameter \`${name}\` has no tensor`);
  return t;
}
