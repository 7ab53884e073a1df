/** Small helpers over the plan's graph (plan/types.ts) that both exporters use. */
import type { OpKind, Plan, PlanOp } from '../plan/types.js';

/** The op type of one kind (PoolOp for both 'maxpool' and 'avgpool'). */
export type OpOf<K extends OpKind> = PlanOp extends infer O ? (O extends { op: infer P } ? (K extends P ? O : never) : never) : never;

/** The op named `name`. */
export function opNamed(plan: Plan, name: string): PlanOp {
  const op = plan.ops.find((o) => o.name === name);
  if (!op) throw new Error(`the plan has no op \`${name}\``);
  return op;
}
