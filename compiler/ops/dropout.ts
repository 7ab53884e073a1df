/** Inverted dropout: at training time, kept units are scaled by 1/(1-p). */
import { num } from '../schema/fragments.js';
import type { KindModule, LayerBase } from './kind.js';
import { product } from './shared.js';

export interface DropoutLayer extends LayerBase {
  type: 'dropout';
  p: number;
}

export const dropout: KindModule<DropoutLayer> = {
  layer: {
    types: { dropout: { description: 'dropout during training (inverted: kept units are scaled by 1/(1-p))', properties: { p: { ...num, description: 'probability of dropping a unit, default 0.5' } } } },
    shapePreserving: true,
    normalize: (_type, ctx) => ({ type: 'dropout', p: (ctx.layer.p as number | undefined) ?? 0.5 }),
    check(layer, ctx) {
      if (!(layer.p >= 0 && layer.p < 1)) ctx.sink.report('NETC3202', ctx.at('p'), { value: layer.p }, { hint: 'the paper uses p = 0.5' });
    },
    infer(layer, [v], ctx) {
      const input = v!.shape;
      return { state: v!.state, ops: [{ name: layer.name, layer: layer.name, op: 'dropout', outputShape: input, towers: ctx.towersOf('local', v!.state), cost: ctx.cost(0, 0, product(input), input), attrs: { p: layer.p } }] };
    },
  },
  ops: { dropout: { attrs: { required: ['p'] }, typeName: () => 'dropout', geometry: (op) => `p ${op.attrs.p}`, attributes: (op) => ({ p: String(op.attrs.p) }) } },
};
