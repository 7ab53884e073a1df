/**
 * An op's attributes as short strings under the spec's own keys (filters,
 * kernel, stride, act, init, ...), so a diff reads like the `modify:` block
 * that would produce it. Derived values (shapes, costs) are compared
 * separately; these are what the spec author chose.
 */
import { opView } from '../ops/index.js';
import type { Plan, PlanOp, PlanParam } from '../../plan/types.js';

export type OpAttributes = Record<string, string>;

export { formatResolvedInit } from '../spec/init.js';

export function paramsByName(plan: Plan): Map<string, PlanParam> {
  return new Map(plan.params.map((p) => [p.name, p]));
}

/** An op's attributes as its kind's module shows them (compiler/ops). */
export function opAttributes(op: PlanOp, params: Map<string, PlanParam>): OpAttributes {
  return opView(op.op).attributes?.(op, params) ?? {};
}
