/**
 * The plan interpreter: the ops a target depends on, in the plan's
 * (topological) order, each lowered once (runtime/ops) into a step function
 * reading its inputs from fixed slots. Running it is a loop over an array:
 * no graph walking or lookups per step. Every engine runs this one program
 * and differs only in its Site: one device holds every tower and
 * concatenates; a device of tower placement holds some towers and exchanges
 * with the others.
 */
import type * as tf from '@tensorflow/tfjs';
import { opsNeededFor } from '../../plan/graph.js';
import type { Plan, PlanOp } from '../../plan/types.js';
import { buildOp, type BuildEnv, type OpFn, type RunContext, type Site } from '../ops/index.js';
import { joinLast, splitN, whole, type Value } from '../ops/value.js';

export interface Program {
  /** The ops run, in order; ops[0] is the input. */
  readonly ops: readonly PlanOp[];
  /** The target op's output, whole (as the loss and predictions need it). */
  run(x: tf.Tensor, ctx: RunContext): tf.Tensor;
}

/** Builds the program computing `target` (default: the logits, which the loss reads; the softmax is the loss's). */
export function buildProgram(plan: Plan, env: BuildEnv, target: string = plan.output.logits): Program {
  const ops = opsNeededFor(plan, target);
  if (ops[0]?.op !== 'input') throw new Error(`\`${target}\` does not depend on the model input`);
  const slot = new Map(ops.map((o, i) => [o.id, i]));
  const fns: OpFn[] = ops.map((op) => buildOp(op, env));
  const reads: number[][] = ops.map((op) => op.inputs.map((id) => slot.get(id)!));
  const site = env.site;
  return {
    ops,
    run(x, ctx) {
      const values = new Array<Value>(ops.length);
      values[0] = whole(x);
      for (let i = 1; i < ops.length; i++) {
        const from = reads[i]!;
        values[i] = fns[i]!(from.length === 1 ? [values[from[0]!]!] : from.map((j) => values[j]!), ctx);
      }
      return site.output(values[ops.length - 1]!);
    },
  };
}

/** One device holding every tower: tower parts are joined by concatenation. */
export function oneDevice(towerCount: number): Site {
  return {
    towers: towerCount,
    first: 0,
    local: towerCount,
    gather: (parts) => joinLast(parts),
    mine: (t) => splitN(t, towerCount, t.rank - 1),
    output: (v) => (v.kind === 'whole' ? v.t : joinLast(v.parts)),
  };
}
