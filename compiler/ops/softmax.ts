/** The softmax output: replicated on every tower (after an allgather), its input is the logits of the loss. */
import { planFragments } from '../schema/fragments.js';
import type { KindModule, LayerBase } from './kind.js';
import { product, showShape } from './shared.js';

export interface SoftmaxLayer extends LayerBase {
  type: 'softmax';
}

export const softmax: KindModule<SoftmaxLayer> = {
  layer: {
    types: { softmax: { description: 'softmax output (with cross-entropy loss in training)', properties: {} } },
    normalize: () => ({ type: 'softmax' }),
    infer(layer, [v], ctx) {
      const input = v!.shape;
      if (input.length === 3) {
        ctx.sink.report('NETC3106', ctx.layerSpan(), { type: 'softmax', name: layer.name, shape: showShape(input) }, { hint: 'add `flatten` and a dense layer with one unit per class before the softmax' });
        return null;
      }
      const T = ctx.towers;
      return {
        state: 'replicated',
        ops: [{ name: layer.name, layer: layer.name, op: 'softmax', outputShape: input, gather: true, towers: { count: T, connect: T > 1 ? 'replicated' : 'local', output: 'replicated' }, cost: ctx.cost(0, 0, 3 * product(input), input), attrs: {} }],
      };
    },
  },
  ops: { softmax: { attrs: planFragments.none, typeName: () => 'softmax' } },
};
