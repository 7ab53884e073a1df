/** Local response normalization across channels, the paper's form (alpha not divided by n), within each tower. */
import { int, num } from '../schema/fragments.js';
import type { KindModule, LayerBase } from './kind.js';
import { product } from './shared.js';

export interface LrnLayer extends LayerBase {
  type: 'lrn';
  size: number;
  alpha: number;
  beta: number;
  k: number;
}

/** The paper's values. */
const LRN_DEFAULTS = { size: 5, alpha: 1e-4, beta: 0.75, k: 2 };

export const lrn: KindModule<LrnLayer> = {
  layer: {
    types: {
      lrn: {
        description: "local response normalization across channels, the paper's form: b = a / (k + alpha * sum a^2)^beta over n channels; alpha is NOT divided by n",
        properties: {
          size: { ...int(1), description: 'n: channels in the window (odd), default 5' },
          alpha: { ...num, description: 'default 1e-4' },
          beta: { ...num, description: 'default 0.75' },
          k: { ...num, description: 'default 2' },
        },
      },
    },
    shapePreserving: true,
    normalize(_type, ctx) {
      const l = ctx.layer;
      return {
        type: 'lrn',
        size: (l.size as number | undefined) ?? LRN_DEFAULTS.size,
        alpha: (l.alpha as number | undefined) ?? LRN_DEFAULTS.alpha,
        beta: (l.beta as number | undefined) ?? LRN_DEFAULTS.beta,
        k: (l.k as number | undefined) ?? LRN_DEFAULTS.k,
      };
    },
    check(layer, ctx) {
      if (layer.size % 2 === 0) ctx.sink.report('NETC3205', ctx.at('size'), { value: layer.size }, { hint: `use ${layer.size + 1} (the paper uses 5)` });
      for (const key of ['alpha', 'beta', 'k'] as const) {
        if (!(layer[key] > 0)) ctx.sink.report('NETC3204', ctx.at(key), { key, value: layer[key] }, { hint: 'the paper uses k = 2, alpha = 1e-4, beta = 0.75' });
      }
    },
    infer(layer, [v], ctx) {
      if (!ctx.needSpatial(v!)) return null;
      const input = v!.shape;
      const c = input[2]!;
      return {
        state: v!.state,
        ops: [{
          name: layer.name, layer: layer.name, op: 'lrn', outputShape: input,
          towers: ctx.towersOf('local', v!.state), cost: ctx.cost(0, 0, product(input) * (2 * layer.size + 3), input),
          attrs: { size: layer.size, alpha: layer.alpha, beta: layer.beta, k: layer.k, channelsPerTower: v!.state === 'split' ? c / ctx.towers : c },
        }],
      };
    },
  },
  ops: {
    lrn: {
      attrs: { required: ['size', 'alpha', 'beta', 'k', 'channelsPerTower'] },
      typeName: () => 'lrn',
      geometry: (op) => `n ${op.attrs.size}`,
      attributes: (op) => ({ size: String(op.attrs.size), alpha: String(op.attrs.alpha), beta: String(op.attrs.beta), k: String(op.attrs.k) }),
    },
  },
};
