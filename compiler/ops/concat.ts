/**
 * Concatenation along the channels (the last axis). Replicated inputs are
 * simply joined (`plain`); with split inputs each tower joins its own slices
 * (`tower-major`), a replicated input being cut into the towers' slices too.
 */
import type { KindModule, LayerBase } from './kind.js';
import { mergeInputs } from './merge.js';

export interface ConcatLayer extends LayerBase {
  type: 'concat';
}

export const concat: KindModule<ConcatLayer> = {
  layer: {
    types: { concat: { description: 'joins `inputs` (two or more) along the channels; their other sizes must match', properties: {} } },
    inputs: { min: 2, max: Infinity },
    normalize: () => ({ type: 'concat' }),
    infer(layer, ins, ctx) {
      const T = ctx.towers;
      const first = ins[0]!;
      const rank = first.shape.length;
      const leading = (s: readonly number[]) => s.slice(0, -1).join('x');
      const other = ins.find((x) => x.shape.length !== rank || leading(x.shape) !== leading(first.shape));
      if (other) {
        const { inputs, related } = mergeInputs([first, other]);
        const what = other.shape.length !== rank ? 'their ranks' : rank === 3 ? 'their heights and widths' : 'their leading sizes';
        const hint = rank === 3 && other.shape.length === 3
          ? 'every branch must keep the same height and width: check the stride and padding of the layers on the way (`pad: same` keeps the size at stride 1)'
          : 'concatenate spatial inputs with spatial inputs and flat ones with flat ones';
        ctx.sink.report('NETC3113', ctx.inputsSpan(), { name: layer.name, inputs, what }, { hint, related });
        return null;
      }
      const split = T > 1 && ins.some((x) => x.state === 'split');
      if (split) {
        for (const [k, x] of ins.entries()) {
          const c = x.shape[rank - 1]!;
          if (x.state === 'replicated' && c % T !== 0) {
            ctx.sink.report('NETC3103', ctx.inputSpan(k), { what: `channels of \`${x.layer}\``, count: c, towers: T }, { hint: `the other inputs are split over the towers, so each tower takes a share of \`${x.layer}\` too: give it a multiple of ${T} channels` });
            return null;
          }
        }
      }
      const shape = [...first.shape.slice(0, -1), ins.reduce((a, x) => a + x.shape[rank - 1]!, 0)];
      const state = split ? 'split' : 'replicated';
      return {
        state,
        ops: [{ name: layer.name, layer: layer.name, op: 'concat', outputShape: shape, towers: ctx.towersOf('local', state), cost: ctx.cost(0, 0, 0, shape), attrs: { order: split ? 'tower-major' : 'plain' } }],
      };
    },
  },
  ops: { concat: { attrs: { required: ['order'], properties: { order: { enum: ['plain', 'tower-major'] } } }, typeName: () => 'concat' } },
};
