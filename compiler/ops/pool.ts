/** Max and average pooling over a window (`maxpool`, `avgpool`): padding never wins a max, and is left out of an average. */
import { intOrPair, padding, planFragments, rounding } from '../schema/fragments.js';

const { pair, quad } = planFragments;
import type { PadSpec, Pair, Rounding } from '../spec/types.js';
import type { PoolOp, Shape } from '../../plan/types.js';
import type { KindModule, LayerBase, LayerTypeSchema, OpView } from './kind.js';
import { pairOf, padOf, product } from './shared.js';
import { formatGeometry, formatPadding, formatSize, formatStep, roundingAttribute } from './window-text.js';
import { windowGeometry } from './window.js';

export interface PoolLayer extends LayerBase {
  type: 'maxpool' | 'avgpool';
  window: Pair;
  stride: Pair;
  pad: PadSpec;
  round: Rounding;
}

const schemaOf = (description: string): LayerTypeSchema => ({
  description,
  properties: {
    window: intOrPair(1, 'window size z: n or [h, w]'),
    stride: intOrPair(1, 'stride s: n or [h, w]; default = window (s < z overlaps, as in the paper)'),
    pad: padding,
    round: rounding,
  },
  required: ['window'],
});

const view: OpView<PoolOp> = {
  attrs: { required: ['window', 'stride', 'pad', 'padEnd'], properties: { window: pair, stride: pair, pad: quad, padEnd: pair } },
  typeName: (op) => op.op,
  geometry: formatGeometry,
  attributes: (op) => ({ window: formatSize(op.attrs.window), stride: formatStep(op.attrs.stride), pad: formatPadding(op.attrs.pad, ', '), ...roundingAttribute(op) }),
};

export const pool: KindModule<PoolLayer> = {
  layer: {
    types: { maxpool: schemaOf('max pooling'), avgpool: schemaOf('average pooling (padding excluded from the average)') },
    spelling: { size: 'window' },
    defaults: ['round'],
    shapeFields: ['window', 'stride', 'pad', 'round'],

    normalize(type, ctx) {
      const window = pairOf(ctx.layer.window, [1, 1]);
      return { type: type as PoolLayer['type'], window, stride: pairOf(ctx.layer.stride, window), pad: padOf(ctx.layer.pad), round: (ctx.pick('round') as Rounding | undefined) ?? 'exact' };
    },

    infer(layer, [v], ctx) {
      if (!ctx.needSpatial(v!)) return null;
      const g = windowGeometry(layer, v!, layer.window, [1, 1], ctx);
      if (!g) return null;
      const out: Shape = [g.out[0], g.out[1], v!.shape[2]!];
      const window = layer.window[0] * layer.window[1];
      return {
        state: v!.state,
        ops: [{
          name: layer.name, layer: layer.name, op: layer.type, outputShape: out,
          towers: ctx.towersOf('local', v!.state), cost: ctx.cost(0, 0, product(out) * (layer.type === 'maxpool' ? window - 1 : window), out),
          attrs: { window: layer.window, stride: layer.stride, pad: g.pad, padEnd: g.padEnd },
        }],
      };
    },
  },
  ops: { maxpool: view, avgpool: view },
};
