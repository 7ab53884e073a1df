/**
 * Batch normalization over the channels (the last axis), PyTorch's semantics
 * and defaults (momentum 0.1, epsilon 1e-5, affine). Scale and shift are
 * parameters without weight decay unless the layer asks for it; the running
 * mean and variance are state (not trainable, counted as buffers).
 */
import { activation as activationSchema, multiplier, num, planFragments } from '../schema/fragments.js';
import { formatActivation } from '../spec/init.js';
import type { Activation, Pair } from '../spec/types.js';
import type { BatchNormOp, PlanParam } from '../../plan/types.js';
import type { KindModule, LayerBase } from './kind.js';
import { multiplierText, pairOf, product } from './shared.js';
import { checkMultipliers, checkSlope } from './weighted.js';

export interface BatchNormLayer extends LayerBase {
  type: 'batchnorm';
  momentum: number;
  epsilon: number;
  affine: boolean;
  act: Activation;
  /** [scale, shift] */
  lrMult: Pair;
  /** [scale, shift]; 0 unless the layer says otherwise (no weight decay on scale and shift). */
  decayMult: Pair;
}

export const batchnorm: KindModule<BatchNormLayer> = {
  layer: {
    types: {
      batchnorm: {
        description: "batch normalization over the channels (PyTorch's semantics): training uses the batch's statistics and updates running ones, inference uses the running ones",
        properties: {
          momentum: { ...num, minimum: 0, maximum: 1, description: 'weight of the batch in the running statistics, default 0.1' },
          epsilon: { ...num, exclusiveMinimum: 0, description: 'added to the variance, default 1e-5' },
          affine: { type: 'boolean', description: 'learn a scale and a shift per channel, default true' },
          act: activationSchema,
          lr_mult: { ...multiplier, description: 'multiplier for [scale, shift], default 1' },
          decay_mult: { ...multiplier, description: 'weight decay multiplier for [scale, shift], default 0 (no decay)' },
        },
      },
    },
    shapePreserving: true,
    // No `defaults`: a model-wide activation or decay is meant for the weighted layers.
    normalize(_type, ctx) {
      const l = ctx.layer;
      return {
        type: 'batchnorm',
        momentum: (l.momentum as number | undefined) ?? 0.1,
        epsilon: (l.epsilon as number | undefined) ?? 1e-5,
        affine: (l.affine as boolean | undefined) ?? true,
        act: l.act === undefined ? { fn: 'linear' } : ctx.activation(l.act, `${ctx.pointer}/act`),
        lrMult: pairOf(l.lr_mult, [1, 1]),
        decayMult: pairOf(l.decay_mult, [0, 0]),
      };
    },
    check(layer, ctx) {
      checkMultipliers(layer, ctx);
      checkSlope(layer.act, 'act', ctx);
    },
    infer(layer, [v], ctx) {
      const input = v!.shape;
      const channels = input[input.length - 1]!;
      const size = product(input);
      return {
        state: v!.state,
        ops: [{
          name: layer.name, layer: layer.name, op: 'batchnorm', outputShape: input,
          towers: ctx.towersOf('local', v!.state),
          // Inference form: one multiply and one add per value (the statistics folded into them), then the activation.
          cost: ctx.cost(layer.affine ? 2 * channels : 0, 0, 2 * size + (layer.act.fn === 'linear' ? 0 : size), input),
          attrs: { momentum: layer.momentum, epsilon: layer.epsilon, affine: layer.affine, activation: layer.act },
          params: { scale: layer.affine ? `${layer.name}.scale` : null, shift: layer.affine ? `${layer.name}.shift` : null, mean: `${layer.name}.running_mean`, variance: `${layer.name}.running_var` },
        }],
      };
    },
    params(layer, op) {
      const o = op as BatchNormOp;
      const channels = o.outputShape[o.outputShape.length - 1]!;
      const perChannel = (name: string, role: PlanParam['role'], trainable: boolean, value: number, mult: 0 | 1): PlanParam => ({
        name, op: o.name, role, trainable, shape: [channels], layout: 'C', count: channels, init: { kind: 'constant', value },
        lrMult: trainable ? layer.lrMult[mult] : 0, decayMult: trainable ? layer.decayMult[mult] : 0, towerAxis: 0,
      });
      const params: PlanParam[] = [];
      if (o.params.scale) params.push(perChannel(o.params.scale, 'scale', true, 1, 0));
      if (o.params.shift) params.push(perChannel(o.params.shift, 'shift', true, 0, 1));
      params.push(perChannel(o.params.mean, 'running_mean', false, 0, 0), perChannel(o.params.variance, 'running_var', false, 1, 0));
      return params;
    },
  },
  ops: {
    batchnorm: {
      attrs: { required: ['momentum', 'epsilon', 'affine', 'activation'], properties: { momentum: { type: 'number', minimum: 0, maximum: 1 }, epsilon: { type: 'number', exclusiveMinimum: 0 }, affine: { type: 'boolean' }, activation: planFragments.activation } },
      typeName: () => 'batchnorm',
      activation: (op) => op.attrs.activation,
      attributes(op, params) {
        const attrs: Record<string, string> = { momentum: String(op.attrs.momentum), epsilon: String(op.attrs.epsilon), affine: String(op.attrs.affine), act: formatActivation(op.attrs.activation) };
        const scale = op.params.scale ? params.get(op.params.scale) : undefined;
        const shift = op.params.shift ? params.get(op.params.shift) : undefined;
        if (scale) {
          attrs.lr_mult = multiplierText(scale.lrMult, shift?.lrMult);
          attrs.decay_mult = multiplierText(scale.decayMult, shift?.decayMult);
        }
        return attrs;
      },
    },
  },
};
