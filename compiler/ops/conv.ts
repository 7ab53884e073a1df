/** 2-D convolution: `conv` layers, `conv2d` ops (NHWC, HWIO weights, towers as groups). */
import { formatActivation } from '../spec/init.js';
import { int, intOrPair, padding, planFragments, rounding } from '../schema/fragments.js';

const { nat, pair, quad } = planFragments;
import type { PadSpec, Pair, Rounding } from '../spec/types.js';
import type { ConvOp, Shape } from '../../plan/types.js';
import type { KindModule, LayerBase } from './kind.js';
import { pairOf, padOf, product } from './shared.js';
import { formatGeometry, formatPadding, formatSize, formatStep, roundingAttribute } from './window-text.js';
import { checkConnect, checkWeighted, normalizeWeighted, towerSplitOk, WEIGHTED_DEFAULT_KEYS, weightedAttributes, weightedSchema, weightParams, type WeightedLayerFields } from './weighted.js';
import { windowGeometry } from './window.js';

export interface ConvLayer extends LayerBase, WeightedLayerFields {
  type: 'conv';
  filters: number;
  kernel: Pair;
  stride: Pair;
  pad: PadSpec;
  dilation: Pair;
  round: Rounding;
  groups: number;
}

export const conv: KindModule<ConvLayer> = {
  layer: {
    types: {
      conv: {
        description: '2-D convolution (NHWC)',
        properties: {
          filters: { ...int(1), description: 'output channels, over all towers' },
          kernel: intOrPair(1, 'kernel size: n or [h, w]'),
          stride: intOrPair(1, 'stride: n or [h, w]; default 1'),
          pad: padding,
          dilation: intOrPair(1, 'dilation: n or [h, w]; default 1'),
          round: rounding,
          groups: { ...int(1), description: 'grouped convolution without placement meaning (within a tower)' },
          ...weightedSchema,
        },
        required: ['filters', 'kernel'],
      },
    },
    spelling: { count: 'filters', size: 'kernel' },
    defaults: [...WEIGHTED_DEFAULT_KEYS, 'round'],
    shapeFields: ['filters', 'kernel', 'stride', 'pad', 'dilation', 'round', 'groups', 'connect'],

    normalize(_type, ctx) {
      const l = ctx.layer;
      return {
        type: 'conv',
        filters: l.filters as number,
        kernel: pairOf(l.kernel, [1, 1]),
        stride: pairOf(l.stride, [1, 1]),
        pad: padOf(l.pad),
        dilation: pairOf(l.dilation, [1, 1]),
        round: (ctx.pick('round') as Rounding | undefined) ?? 'exact',
        groups: (l.groups as number | undefined) ?? 1,
        ...normalizeWeighted(ctx),
      };
    },

    check: checkWeighted,

    infer(layer, [v], ctx) {
      const T = ctx.towers;
      const { sink } = ctx;
      if (!ctx.needSpatial(v!)) return null;
      checkConnect(layer, ctx);
      const cin = v!.shape[2]!;
      let ok = towerSplitOk(layer, layer.filters, 'filters', ctx);
      const towerGroups = T > 1 && layer.connect === 'tower' ? T : 1;
      if (towerGroups > 1 && cin % T !== 0) {
        sink.report('NETC3103', ctx.at('connect'), { what: `input channels of \`${layer.name}\``, count: cin, towers: T }, { hint: 'use `connect: all`, or give the previous layer a multiple of the tower count' });
        ok = false;
      }
      const groups = towerGroups * layer.groups;
      if (ok && layer.groups > 1) {
        const per = T > 1 ? ' per tower' : '';
        for (const [what, count] of [[`input channels${per}`, cin / towerGroups], [`filters${per}`, layer.filters / (T > 1 ? T : 1)]] as const) {
          if (count % layer.groups !== 0) {
            sink.report('NETC3104', ctx.at('groups'), { what: `${what} of \`${layer.name}\``, count, groups: layer.groups }, { hint: 'choose groups that divide both the input channels and the filters' });
            ok = false;
          }
        }
      }
      const g = windowGeometry(layer, v!, layer.kernel, layer.dilation, ctx);
      if (!g || !ok) return null;
      const out: Shape = [g.out[0], g.out[1], layer.filters];
      const outElems = product(out);
      const params = layer.kernel[0] * layer.kernel[1] * (cin / groups) * layer.filters + (layer.bias ? layer.filters : 0);
      const macs = outElems * layer.kernel[0] * layer.kernel[1] * (cin / groups);
      const other = (layer.bias ? outElems : 0) + (layer.act.fn === 'linear' ? 0 : outElems);
      // Each tower computes its slice of the filters.
      const state = T > 1 ? 'split' : 'replicated';
      return {
        state,
        ops: [{
          name: layer.name, layer: layer.name, op: 'conv2d', outputShape: out, gather: layer.connect === 'all',
          towers: ctx.towersOf(layer.connect, state), cost: ctx.cost(params, macs, other, out),
          attrs: { filters: layer.filters, kernel: layer.kernel, stride: layer.stride, dilation: layer.dilation, pad: g.pad, padEnd: g.padEnd, groups, specGroups: layer.groups, activation: layer.act },
          params: { weight: `${layer.name}.weight`, bias: layer.bias ? `${layer.name}.bias` : null },
        }],
      };
    },

    params(layer, op) {
      const o = op as ConvOp;
      const [kh, kw] = o.attrs.kernel;
      const cinPerGroup = o.inputShapes[0]![2]! / o.attrs.groups;
      return weightParams(layer, o, { shape: [kh, kw, cinPerGroup, o.attrs.filters], layout: 'HWIO', fanIn: kh * kw * cinPerGroup, fanOut: kh * kw * o.attrs.filters }, o.attrs.filters);
    },
  },
  ops: {
    conv2d: {
      attrs: { required: ['filters', 'kernel', 'stride', 'dilation', 'pad', 'padEnd', 'groups', 'activation'], properties: { kernel: pair, stride: pair, dilation: pair, pad: quad, padEnd: pair, groups: nat, filters: nat, activation: planFragments.activation } },
      typeName: () => 'conv',
      geometry: formatGeometry,
      activation: (op) => op.attrs.activation,
      attributes(op, params) {
        const x = op.attrs;
        const attrs = {
          filters: String(x.filters), kernel: formatSize(x.kernel), stride: formatStep(x.stride), pad: formatPadding(x.pad, ', '),
          ...roundingAttribute(op), dilation: formatStep(x.dilation), groups: String(x.specGroups), act: formatActivation(x.activation),
        };
        return weightedAttributes(attrs, op.params, op.towers, params);
      },
    },
  },
};
