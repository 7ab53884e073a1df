/**
 * Walking the plan's graph: the ops an output depends on, and who reads
 * what. Engines use these instead of assuming the op list is a chain.
 */
import type { Plan, PlanOp } from './types.js';

/** The ops that `target` depends on, itself included, in plan (topological) order. */
export function opsNeededFor(plan: Plan, target: string): PlanOp[] {
  const end = plan.ops.findIndex((o) => o.name === target);
  if (end < 0) throw new Error(`the plan has no op \`${target}\``);
  const needed = new Array<boolean>(end + 1).fill(false);
  needed[end] = true;
  for (let i = end; i >= 0; i--) {
    if (!needed[i]) continue;
    for (const input of plan.ops[i]!.inputs) needed[input] = true;
  }
  return plan.ops.slice(0, end + 1).filter((_, i) => needed[i]);
}

/** For each op id, the ids of the ops that read its output. */
export function consumersOf(plan: Plan): number[][] {
  const readers: number[][] = plan.ops.map(() => []);
  for (const op of plan.ops) for (const input of op.inputs) readers[input]!.push(op.id);
  return readers;
}
