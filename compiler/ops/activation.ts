/** Activations as layers of their own (`relu`, `tanh`, `sigmoid`, `leaky_relu`), one `activation` op kind. */
import { num, planFragments } from '../schema/fragments.js';
import type { Activation } from '../spec/types.js';
import type { KindModule, LayerBase } from './kind.js';
import { product } from './shared.js';
import { checkSlope } from './weighted.js';

export interface ActivationLayer extends LayerBase {
  type: 'activation';
  act: Activation;
}

export const activation: KindModule<ActivationLayer> = {
  layer: {
    types: {
      relu: { description: 'ReLU as its own layer', properties: {} },
      tanh: { description: 'tanh as its own layer', properties: {} },
      sigmoid: { description: 'sigmoid as its own layer', properties: {} },
      leaky_relu: { description: 'leaky ReLU as its own layer', properties: { slope: { ...num, description: 'slope for negative inputs, default 0.01' } } },
    },
    shapePreserving: true,
    normalize(type, ctx) {
      if (type === 'leaky_relu') return { type: 'activation', act: { fn: 'leaky_relu', slope: (ctx.layer.slope as number | undefined) ?? 0.01 } };
      return { type: 'activation', act: { fn: type as Activation['fn'] } };
    },
    check: (layer, ctx) => checkSlope(layer.act, 'slope', ctx),
    infer(layer, [v], ctx) {
      const input = v!.shape;
      return { state: v!.state, ops: [{ name: layer.name, layer: layer.name, op: 'activation', outputShape: input, towers: ctx.towersOf('local', v!.state), cost: ctx.cost(0, 0, product(input), input), attrs: layer.act }] };
    },
  },
  ops: {
    activation: {
      attrs: planFragments.activation,
      typeName: (op) => op.attrs.fn,
      attributes: (op): Record<string, string> => (op.attrs.fn === 'leaky_relu' ? { slope: String(op.attrs.slope) } : {}),
    },
  },
};
