/** Flatten: HxWxC -> H*W*C, row-major; with a split input each tower's block in turn (tower-major). */
import { planFragments } from '../schema/fragments.js';
import type { Shape } from '../../plan/types.js';
import type { InferContext, KindModule, LayerBase, OpDescription, Value } from './kind.js';
import { product } from './shared.js';

export interface FlattenLayer extends LayerBase {
  type: 'flatten';
}

/** The flatten op of a value (also the one a dense layer adds before itself on a spatial input). */
export function flattenOp(name: string, layer: string, v: Value, ctx: InferContext): OpDescription {
  const out: Shape = [product(v.shape)];
  const order = ctx.towers > 1 && v.state === 'split' && v.shape.length === 3 ? 'tower-major' : 'hwc';
  return { name, layer, op: 'flatten', outputShape: out, towers: ctx.towersOf('local', v.state), cost: ctx.cost(0, 0, 0, out), attrs: { order } };
}

export const flatten: KindModule<FlattenLayer> = {
  layer: {
    types: { flatten: { description: 'HxWxC -> H*W*C (tower-major with towers)', properties: {} } },
    normalize: () => ({ type: 'flatten' }),
    infer: (layer, [v], ctx) => ({ state: v!.state, ops: [flattenOp(layer.name, layer.name, v!, ctx)] }),
  },
  ops: { flatten: { attrs: { required: ['order'], properties: { order: { enum: ['hwc', 'tower-major'] } } }, typeName: () => 'flatten', attributes: (op) => ({ order: op.attrs.order }) } },
};
