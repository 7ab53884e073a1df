/** Elementwise sum of two or more inputs of one shape, then an activation (the residual connection). */
import { activation as activationSchema, planFragments } from '../schema/fragments.js';
import { formatActivation } from '../spec/init.js';
import type { Activation } from '../spec/types.js';
import type { KindModule, LayerBase, Value } from './kind.js';
import { mergeInputs } from './merge.js';
import { product, showShape } from './shared.js';
import { checkSlope } from './weighted.js';

export interface AddLayer extends LayerBase {
  type: 'add';
  act: Activation;
}

export const add: KindModule<AddLayer> = {
  layer: {
    types: { add: { description: 'elementwise sum of `inputs` (two or more, of one shape), then `act`', properties: { act: activationSchema } } },
    inputs: { min: 2, max: Infinity },
    normalize: (_type, ctx) => ({ type: 'add', act: ctx.layer.act === undefined ? { fn: 'linear' } : ctx.activation(ctx.layer.act, `${ctx.pointer}/act`) }),
    check: (layer, ctx) => checkSlope(layer.act, 'act', ctx),
    infer(layer, ins, ctx) {
      const first = ins[0]!;
      const shape = first.shape;
      const other = ins.find((x) => showShape(x.shape) !== showShape(shape));
      if (other) {
        const { inputs, related } = mergeInputs([first, other]);
        ctx.sink.report('NETC3112', ctx.inputsSpan(), { name: layer.name, inputs }, { hint: projectionHint(first, other), related });
        return null;
      }
      const size = product(shape);
      // A replicated input meets a split one tower by tower: each tower takes its slice, no communication.
      const state = ctx.towers > 1 && ins.some((x) => x.state === 'split') ? 'split' : 'replicated';
      return {
        state,
        ops: [{
          name: layer.name, layer: layer.name, op: 'add', outputShape: shape, towers: ctx.towersOf('local', state),
          cost: ctx.cost(0, 0, (ins.length - 1) * size + (layer.act.fn === 'linear' ? 0 : size), shape), attrs: { activation: layer.act },
        }],
      };
    },
  },
  ops: { add: { attrs: { required: ['activation'], properties: { activation: planFragments.activation } }, typeName: () => 'add', activation: (op) => op.attrs.activation, attributes: (op) => ({ act: formatActivation(op.attrs.activation) }) } },
};

/** How to make `other` match `first`: a projection (1x1 conv or dense) of the right stride and width. */
function projectionHint(first: Value, other: Value): string {
  const a = first.shape;
  const b = other.shape;
  if (a.length === 3 && b.length === 3) {
    // The larger input is brought to the smaller one's size (with equal sizes: the second to the first).
    const [big, small] = a[0]! > b[0]! ? [first, other] : [other, first];
    const s = big.shape[0]! / small.shape[0]!;
    if (Number.isInteger(s) && big.shape[1]! / small.shape[1]! === s) {
      const stride = s > 1 ? ` and stride ${s}` : '';
      return `project \`${big.layer}\` to ${showShape(small.shape)} first: a 1x1 conv with ${small.shape[2]} filters${stride} (the ResNet shortcut), and add that`;
    }
  }
  if (a.length === 1 && b.length === 1) return `project \`${other.layer}\` to ${a[0]} units first (a dense layer), and add that`;
  return 'the inputs of `add` must have one shape';
}
