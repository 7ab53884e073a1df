/**
 * An op's attributes as short strings under the spec's own keys (filters,
 * kernel, stride, act, init, ...), so a diff reads like the `modify:` block
 * that would produce it. Derived values (shapes, costs) are compared
 * separately; these are what the spec author chose.
 */
import { formatActivation } from '../spec/init.js';
import type { ConvOp, OpTowers, Plan, PlanOp, PlanParam, PoolOp, ResolvedInit } from '../../plan/types.js';
import { appliedRounding, formatPadding, formatSize, formatStep } from '../report/op-geometry.js';

export type OpAttributes = Record<string, string>;

const multiplier = (w: number, b: number | undefined) => (b === undefined || b === w ? String(w) : `[${w}, ${b}]`);

/** `round` where the windows did not fit exactly: a round change shows where it changed a shape. */
function rounding(op: ConvOp | PoolOp): OpAttributes {
  const round = appliedRounding(op);
  return round ? { round } : {};
}

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
        filters: String(x.filters), kernel: formatSize(x.kernel), stride: formatStep(x.stride), pad: formatPadding(x.pad, ', '),
        ...rounding(op), dilation: formatStep(x.dilation), groups: String(x.specGroups), act: formatActivation(x.activation),
      };
      return weighted(attrs, op.params, op.towers);
    }
    case 'dense':
      return weighted({ units: String(op.attrs.units), act: formatActivation(op.attrs.activation) }, op.params, op.towers);
    case 'maxpool':
    case 'avgpool':
      return { window: formatSize(op.attrs.window), stride: formatStep(op.attrs.stride), pad: formatPadding(op.attrs.pad, ', '), ...rounding(op) };
    case 'lrn':
      return { size: String(op.attrs.size), alpha: String(op.attrs.alpha), beta: String(op.attrs.beta), k: String(op.attrs.k) };
    case 'dropout':
      return { p: String(op.attrs.p) };
    case 'batchnorm': {
      const x = op.attrs;
      const attrs: OpAttributes = { momentum: String(x.momentum), epsilon: String(x.epsilon), affine: String(x.affine), act: formatActivation(x.activation) };
      const scale = op.params.scale ? params.get(op.params.scale) : undefined;
      const shift = op.params.shift ? params.get(op.params.shift) : undefined;
      if (scale) {
        attrs.lr_mult = multiplier(scale.lrMult, shift?.lrMult);
        attrs.decay_mult = multiplier(scale.decayMult, shift?.decayMult);
      }
      return attrs;
    }
    case 'add':
      return { act: formatActivation(op.attrs.activation) };
    case 'activation':
      return op.attrs.fn === 'leaky_relu' ? { slope: String(op.attrs.slope) } : {};
    case 'flatten':
      return { order: op.attrs.order };
    default:
      return {};
  }
}
