/**
 * An op's attributes as short strings under the spec's own keys (filters,
 * kernel, stride, act, init, ...), so a diff reads like the `modify:` block
 * that would produce it. Derived values (shapes, costs) are compared
 * separately; these are what the spec author chose.
 */
import { formatActivation } from '../spec/init.js';
import type { OpTowers, Plan, PlanOp, PlanParam, ResolvedInit } from '../../plan/types.js';

export type OpAttributes = Record<string, string>;

const size = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}x${p[0]}` : `${p[0]}x${p[1]}`);
const step = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}` : `${p[0]}x${p[1]}`);
/** top, bottom, left, right, with the extra bottom/right of ceil rounding. */
function padding(pad: readonly number[], end: readonly number[]): string {
  const all = [pad[0]!, pad[1]! + end[0]!, pad[2]!, pad[3]! + end[1]!];
  return all.every((v) => v === all[0]) ? String(all[0]) : `[${all.join(', ')}]`;
}
const multiplier = (w: number, b: number | undefined) => (b === undefined || b === w ? String(w) : `[${w}, ${b}]`);

export function formatResolvedInit(init: ResolvedInit): string {
  if ('from' in init && init.from) return init.from;
  switch (init.kind) {
    case 'uniform':
      return `uniform(${init.low}, ${init.high})`;
    case 'constant':
      return String(init.value);
    default:
      return `${init.kind}(${init.mean}, ${init.std})`;
  }
}

export function paramsByName(plan: Plan): Map<string, PlanParam> {
  return new Map(plan.params.map((p) => [p.name, p]));
}

export function opAttributes(op: PlanOp, params: Map<string, PlanParam>): OpAttributes {
  /** Adds what a weighted layer sets: connect, init, bias, multipliers (assigned, not spread: this runs per op). */
  const weighted = (attrs: OpAttributes, p: { weight: string; bias: string | null }, towers: OpTowers): OpAttributes => {
    // Without towers there is nothing to connect.
    if (towers.count > 1) attrs.connect = towers.connect;
    const w = params.get(p.weight);
    const b = p.bias ? params.get(p.bias) : undefined;
    if (w) attrs.init = formatResolvedInit(w.init);
    attrs.bias = b ? formatResolvedInit(b.init) : 'none';
    if (w) {
      attrs.lr_mult = multiplier(w.lrMult, b?.lrMult);
      attrs.decay_mult = multiplier(w.decayMult, b?.decayMult);
    }
    return attrs;
  };
  switch (op.op) {
    case 'conv2d': {
      const x = op.attrs;
      const attrs = {
        filters: String(x.filters), kernel: size(x.kernel), stride: step(x.stride), pad: padding(x.pad, x.padEnd),
        dilation: step(x.dilation), groups: String(x.specGroups), act: formatActivation(x.activation),
      };
      return weighted(attrs, op.params, op.towers);
    }
    case 'dense':
      return weighted({ units: String(op.attrs.units), act: formatActivation(op.attrs.activation) }, op.params, op.towers);
    case 'maxpool':
    case 'avgpool':
      return { window: size(op.attrs.window), stride: step(op.attrs.stride), pad: padding(op.attrs.pad, op.attrs.padEnd) };
    case 'lrn':
      return { size: String(op.attrs.size), alpha: String(op.attrs.alpha), beta: String(op.attrs.beta), k: String(op.attrs.k) };
    case 'dropout':
      return { p: String(op.attrs.p) };
    case 'activation':
      return op.attrs.fn === 'leaky_relu' ? { slope: String(op.attrs.slope) } : {};
    case 'flatten':
      return { order: op.attrs.order };
    default:
      return {};
  }
}
