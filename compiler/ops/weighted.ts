/**
 * What the weighted layers (conv, dense) share: placement over towers
 * (`connect`), an attached activation, weight and bias initializers and
 * Caffe's multipliers, their checks, and their two parameters.
 */
import { bias, connect, init, multiplier, activation, type Schema } from '../schema/fragments.js';
import type { Activation, Connect, InitSpec, Pair } from '../spec/types.js';
import type { OpTowers, PlanParam, ResolvedInit } from '../../plan/types.js';
import { formatResolvedInit } from '../spec/init.js';
import type { CheckContext, InferContext, LayerBase, NormalizeContext } from './kind.js';
import { multiplierText, pairOf } from './shared.js';

export interface WeightedLayerFields {
  connect: Connect;
  act: Activation;
  init: InitSpec;
  /** null: no bias */
  bias: InitSpec | null;
  lrMult: Pair;
  decayMult: Pair;
}

/** Defaults of the weighted fields (as tfjs-layers: Glorot uniform weights, zero bias). */
export const WEIGHTED_DEFAULTS = { init: 'glorot_uniform', bias: 0, act: 'linear' } as const;

export const weightedSchema: Record<string, Schema> = { connect, act: activation, init, bias, lr_mult: multiplier, decay_mult: multiplier };
/** The `defaults` keys a weighted layer takes. */
export const WEIGHTED_DEFAULT_KEYS = ['init', 'bias', 'act', 'lr_mult', 'decay_mult'] as const;

export function normalizeWeighted(ctx: NormalizeContext): WeightedLayerFields {
  const initV = ctx.pick('init') ?? WEIGHTED_DEFAULTS.init;
  const biasV = ctx.pick('bias') ?? WEIGHTED_DEFAULTS.bias;
  const actV = ctx.pick('act') ?? WEIGHTED_DEFAULTS.act;
  const lr = ctx.pick('lr_mult');
  const decay = ctx.pick('decay_mult');
  const l = ctx.layer;
  if (l.connect !== undefined) ctx.src.connect = `${ctx.pointer}/connect`;
  return {
    connect: (l.connect as Connect | undefined) ?? 'all',
    act: ctx.activation(actV, ctx.src.act ?? ctx.pointer),
    init: ctx.init(initV, ctx.src.init ?? ctx.pointer),
    bias: biasV === false ? null : ctx.init(biasV === true ? 0 : biasV, ctx.src.bias ?? ctx.pointer),
    lrMult: pairOf(lr, [1, 1]),
    decayMult: pairOf(decay, [1, 1]),
  };
}

export function checkInit(field: 'init' | 'bias', init: InitSpec | null, ctx: CheckContext): void {
  if (!init) return;
  if ((init.kind === 'normal' || init.kind === 'truncated_normal') && !(init.std > 0)) {
    ctx.once(field, () => ctx.sink.report('NETC3201', ctx.at(field), { value: init.std }, { hint: 'the paper uses normal(0, 0.01)' }));
  }
  if (init.kind === 'uniform' && !(init.low < init.high)) {
    ctx.once(field, () => ctx.sink.report('NETC3209', ctx.at(field), { key: field, low: init.low, high: init.high }));
  }
}

/** Multipliers must not be negative. */
export function checkMultipliers(layer: { lrMult: Pair; decayMult: Pair }, ctx: CheckContext): void {
  for (const [field, values] of [['lr_mult', layer.lrMult], ['decay_mult', layer.decayMult]] as const) {
    const bad = values.find((v) => v < 0);
    if (bad !== undefined) ctx.once(field, () => ctx.sink.report('NETC3206', ctx.at(field), { key: field, value: bad }));
  }
}

/** A leaky ReLU's slope should be in (0, 1). */
export function checkSlope(act: Activation, field: string, ctx: CheckContext): void {
  if (act.fn !== 'leaky_relu') return;
  const slope = act.slope ?? 0;
  if (!(slope > 0 && slope < 1)) ctx.sink.report('NETC3213', ctx.at(field), { value: slope });
}

export function checkWeighted(layer: WeightedLayerFields, ctx: CheckContext): void {
  checkInit('init', layer.init, ctx);
  checkInit('bias', layer.bias, ctx);
  checkMultipliers(layer, ctx);
  checkSlope(layer.act, 'act', ctx);
}

/** Counts (filters, units) must split evenly over the towers; `otherWay` ends the hint with another way out. */
export function towerSplitOk(layer: LayerBase, count: number, field: string, ctx: InferContext, otherWay = ''): boolean {
  const T = ctx.towers;
  if (T === 1 || count % T === 0) return true;
  const lower = Math.floor(count / T) * T;
  ctx.sink.report('NETC3103', ctx.at(field), { what: `${field} of \`${layer.name}\``, count, towers: T }, { hint: `use a multiple of ${T}, such as ${lower || T} or ${lower + T}${otherWay}` });
  return false;
}

/** `connect` on a one-tower model does nothing: a warning when the layer itself says it. */
export function checkConnect(layer: LayerBase & WeightedLayerFields, ctx: InferContext): void {
  if (ctx.towers === 1 && layer.src.connect?.startsWith(layer.pointer)) {
    ctx.sink.report('NETC3107', ctx.at('connect'), { connect: layer.connect }, { hint: 'set `towers` on the model, or remove `connect`' });
  }
}

/** Glorot/He initializers become concrete distributions, so the runtime has nothing to derive. */
export function resolveInit(init: InitSpec, fanIn: number, fanOut: number): ResolvedInit {
  switch (init.kind) {
    case 'glorot_uniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return { kind: 'uniform', low: -limit, high: limit, from: init.kind };
    }
    case 'glorot_normal':
      return { kind: 'normal', mean: 0, std: Math.sqrt(2 / (fanIn + fanOut)), from: init.kind };
    case 'he_normal':
      return { kind: 'normal', mean: 0, std: Math.sqrt(2 / fanIn), from: init.kind };
    case 'he_uniform': {
      const limit = Math.sqrt(6 / fanIn);
      return { kind: 'uniform', low: -limit, high: limit, from: init.kind };
    }
    default:
      return init;
  }
}

/** The weight (split over towers along its last axis) and the bias of a weighted op. */
export function weightParams(
  layer: WeightedLayerFields,
  op: { name: string; params: { weight: string; bias: string | null } },
  weight: { shape: number[]; layout: 'HWIO' | 'IO'; fanIn: number; fanOut: number },
  units: number,
): PlanParam[] {
  const count = weight.shape.reduce((a, b) => a * b, 1);
  const params: PlanParam[] = [{
    name: op.params.weight, op: op.name, role: 'weight', trainable: true, shape: weight.shape, layout: weight.layout, count,
    init: resolveInit(layer.init, weight.fanIn, weight.fanOut), lrMult: layer.lrMult[0], decayMult: layer.decayMult[0], towerAxis: weight.shape.length - 1,
  }];
  if (op.params.bias && layer.bias) {
    params.push({
      name: op.params.bias, op: op.name, role: 'bias', trainable: true, shape: [units], layout: 'O', count: units,
      init: resolveInit(layer.bias, weight.fanIn, weight.fanOut), lrMult: layer.lrMult[1], decayMult: layer.decayMult[1], towerAxis: 0,
    });
  }
  return params;
}

/** For diffs: what a weighted op's spec set (connect, init, bias, multipliers), added to its own attributes. */
export function weightedAttributes(attrs: Record<string, string>, p: { weight: string; bias: string | null }, towers: OpTowers, params: ReadonlyMap<string, PlanParam>): Record<string, string> {
  // Without towers there is nothing to connect.
  if (towers.count > 1) attrs.connect = towers.connect;
  const w = params.get(p.weight);
  const b = p.bias ? params.get(p.bias) : undefined;
  if (w) attrs.init = formatResolvedInit(w.init);
  attrs.bias = b ? formatResolvedInit(b.init) : 'none';
  if (w) {
    attrs.lr_mult = multiplierText(w.lrMult, b?.lrMult);
    attrs.decay_mult = multiplierText(w.decayMult, b?.decayMult);
  }
  return attrs;
}
