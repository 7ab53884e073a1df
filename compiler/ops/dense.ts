/** Fully connected layers: `dense` layers, `dense` ops (IO weights, towers as groups). */
import { int, planFragments } from '../schema/fragments.js';
import { formatActivation } from '../spec/init.js';
import type { DenseOp, Shape } from '../../plan/types.js';
import { flattenOp } from './flatten.js';
import type { KindModule, LayerBase } from './kind.js';
import { showShape } from './shared.js';
import { checkConnect, checkWeighted, normalizeWeighted, towerSplitOk, WEIGHTED_DEFAULT_KEYS, weightedAttributes, weightedSchema, weightParams, type WeightedLayerFields } from './weighted.js';

export interface DenseLayer extends LayerBase, WeightedLayerFields {
  type: 'dense';
  units: number;
}

export const dense: KindModule<DenseLayer> = {
  layer: {
    types: { dense: { description: 'fully connected layer', properties: { units: { ...int(1), description: 'outputs, over all towers; with `connect: all`, a count the towers do not divide (5 classes over 2 towers) is computed whole on every tower' }, ...weightedSchema }, required: ['units'] } },
    spelling: { count: 'units' },
    defaults: WEIGHTED_DEFAULT_KEYS,
    shapeFields: ['units', 'connect'],
    normalize: (_type, ctx) => ({ type: 'dense', units: ctx.layer.units as number, ...normalizeWeighted(ctx) }),
    check: checkWeighted,

    infer(layer, [input], ctx) {
      const T = ctx.towers;
      let v = input!;
      const ops = [];
      if (v.shape.length === 3) {
        ctx.sink.report('NETC3105', ctx.layerSpan(), { name: layer.name, shape: showShape(v.shape) }, { hint: `add \`{ type: flatten }\` before \`${layer.name}\` to say so` });
        const flat = flattenOp(`${layer.name}.flatten`, layer.name, v, ctx);
        ops.push(flat);
        v = { ...v, shape: flat.outputShape };
      }
      checkConnect(layer, ctx);
      const n = v.shape[0]!;
      // Units that do not split over the towers (a class count such as 5 or 101): a layer that reads every
      // tower computes all its units on every tower, as the paper's towers would for a layer too small to split.
      const whole = T > 1 && layer.connect === 'all' && layer.units % T !== 0;
      let ok = whole || towerSplitOk(layer, layer.units, 'units', ctx, `, or \`connect: all\` to compute \`${layer.name}\` whole on every tower`);
      const groups = T > 1 && layer.connect === 'tower' ? T : 1;
      if (groups > 1 && n % T !== 0) {
        ctx.sink.report('NETC3103', ctx.at('connect'), { what: `inputs of \`${layer.name}\``, count: n, towers: T }, { hint: 'use `connect: all`' });
        ok = false;
      }
      if (!ok) return null;
      const out: Shape = [layer.units];
      const macs = (n / groups) * layer.units;
      const params = macs + (layer.bias ? layer.units : 0);
      const other = (layer.bias ? layer.units : 0) + (layer.act.fn === 'linear' ? 0 : layer.units);
      const state = T > 1 && !whole ? 'split' : 'replicated';
      ops.push({
        name: layer.name, layer: layer.name, op: 'dense' as const, outputShape: out, gather: layer.connect === 'all',
        towers: ctx.towersOf(layer.connect, state), cost: ctx.cost(params, macs, other, out),
        attrs: { units: layer.units, groups, activation: layer.act },
        params: { weight: `${layer.name}.weight`, bias: layer.bias ? `${layer.name}.bias` : null },
      });
      return { state, ops };
    },

    params(layer, op) {
      if (op.op !== 'dense') return []; // the flatten a spatial input gets first
      const o = op as DenseOp;
      const inPerGroup = o.inputShapes[0]![0]! / o.attrs.groups;
      return weightParams(layer, o, { shape: [inPerGroup, o.attrs.units], layout: 'IO', fanIn: inPerGroup, fanOut: o.attrs.units }, o.attrs.units);
    },
  },
  ops: {
    dense: {
      attrs: { required: ['units', 'groups', 'activation'], properties: { activation: planFragments.activation } },
      typeName: () => 'dense',
      activation: (op) => op.attrs.activation,
      attributes: (op, params) => weightedAttributes({ units: String(op.attrs.units), act: formatActivation(op.attrs.activation) }, op.params, op.towers, params),
    },
  },
};
