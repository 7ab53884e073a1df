/**
 * Pieces of JSON Schema shared by the spec schema and the op kinds
 * (compiler/ops), which each declare their layer types' keys with them.
 */
export type Schema = Record<string, unknown>;

/** Integers are bounded so arithmetic on sizes stays exact (2^31 - 1). */
export const int = (min = 0): Schema => ({ type: 'integer', minimum: min, maximum: 2147483647 });
export const num: Schema = { type: 'number' };
export const pair = (item: Schema): Schema => ({ type: 'array', items: item, minItems: 2, maxItems: 2 });
export const intOrPair = (min: number, description: string): Schema => ({
  description,
  anyOf: [int(min), pair(int(min))],
});
export const str = (description: string): Schema => ({ type: 'string', description });

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leaky_relu', 'linear'];
export const activation: Schema = {
  type: 'string',
  description: 'activation applied to the output: relu, tanh, sigmoid, linear, leaky_relu or leaky_relu(slope)',
  pattern: '^(relu|tanh|sigmoid|linear|leaky_relu(\\(\\s*[-+0-9.eE]+\\s*\\))?)$',
};
export const init: Schema = {
  description:
    'initializer: a number (constant), or normal(mean, std), truncated_normal(mean, std), uniform(low, high), constant(v), zeros, ones, glorot_uniform, glorot_normal, he_normal, he_uniform',
  anyOf: [num, { type: 'string' }],
};
export const bias: Schema = {
  description: 'bias initializer (a number is a constant: the paper uses 1 and 0), or false for no bias',
  anyOf: [num, { type: 'string' }, { type: 'boolean' }],
};
export const multiplier: Schema = {
  description: 'multiplier for the weight, or [weight, bias] (Caffe lr_mult / decay_mult)',
  anyOf: [num, pair(num)],
};
export const padding: Schema = {
  description: 'zero padding: n, [h, w], [top, bottom, left, right], same or valid',
  anyOf: [
    int(0),
    pair(int(0)),
    { type: 'array', items: int(0), minItems: 4, maxItems: 4 },
    { enum: ['same', 'valid'] },
  ],
};
export const rounding: Schema = {
  description: 'how to round a fractional output size: floor (drop the partial window) or ceil (cuda-convnet, Caffe pooling); unset means it must be exact',
  enum: ['floor', 'ceil'],
};
export const connect: Schema = {
  description: 'with towers: `tower` sees only its own tower (a grouped layer), `all` sees every tower (an exchange)',
  enum: ['tower', 'all'],
};

const layerName: Schema = { type: 'string' };
/** Keys every layer has. */
export const common = {
  name: { ...layerName, description: 'layer name, unique; defaults to <type><n>' },
  type: { type: 'string' },
  input: { ...layerName, description: 'the layer this one reads (`input` is the model input); default: the layer before' },
  inputs: { type: 'array', items: layerName, minItems: 1, description: 'the layers this one reads, in order (merges: add, concat)' },
  comment: str('free text'),
};

/** Pieces of the plan's schema (compiler/plan/plan-schema.ts; each op kind gives its attrs' schema). */
const nat: Schema = { type: 'integer', minimum: 0 };
export const planFragments = {
  nat,
  shape: { type: 'array', items: nat } as Schema,
  pair: { type: 'array', items: nat, minItems: 2, maxItems: 2 } as Schema,
  quad: { type: 'array', items: nat, minItems: 4, maxItems: 4 } as Schema,
  activation: { type: 'object', required: ['fn'], properties: { fn: { enum: ACTIVATIONS }, slope: { type: 'number' } } } as Schema,
  /** attrs of an op that has none */
  none: { maxProperties: 0 } as Schema,
};
