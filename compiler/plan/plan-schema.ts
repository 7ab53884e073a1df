/**
 * JSON Schema of the execution plan (specs/plan.schema.json is generated from
 * it). The runtime validates every plan it loads against this, so a
 * hand-edited or truncated plan is refused with a clear message.
 */
import { PLAN_FORMAT, PLAN_VERSION } from '../../plan/types.js';

type Schema = Record<string, unknown>;
const nat: Schema = { type: 'integer', minimum: 0 };
const shape: Schema = { type: 'array', items: { type: 'integer', minimum: 0 } };
const pair: Schema = { type: 'array', items: nat, minItems: 2, maxItems: 2 };
const quad: Schema = { type: 'array', items: nat, minItems: 4, maxItems: 4 };
const activation: Schema = { type: 'object', required: ['fn'], properties: { fn: { enum: ['relu', 'tanh', 'sigmoid', 'leaky_relu', 'linear'] }, slope: { type: 'number' } } };

const none: Schema = { maxProperties: 0 };

/** Each op kind's attrs; keys are the op kinds of plan/types.ts. */
const opAttrs: Record<string, Schema> = {
  input: none,
  conv2d: { required: ['filters', 'kernel', 'stride', 'dilation', 'pad', 'padEnd', 'groups', 'activation'], properties: { kernel: pair, stride: pair, dilation: pair, pad: quad, padEnd: pair, groups: nat, filters: nat, activation } },
  maxpool: { required: ['window', 'stride', 'pad', 'padEnd'], properties: { window: pair, stride: pair, pad: quad, padEnd: pair } },
  avgpool: { required: ['window', 'stride', 'pad', 'padEnd'], properties: { window: pair, stride: pair, pad: quad, padEnd: pair } },
  lrn: { required: ['size', 'alpha', 'beta', 'k', 'channelsPerTower'] },
  dropout: { required: ['p'] },
  dense: { required: ['units', 'groups', 'activation'], properties: { activation } },
  flatten: { required: ['order'], properties: { order: { enum: ['hwc', 'tower-major'] } } },
  activation: activation,
  softmax: none,
  globalavgpool: none,
  globalmaxpool: none,
  batchnorm: { required: ['momentum', 'epsilon', 'affine', 'activation'], properties: { momentum: { type: 'number', minimum: 0, maximum: 1 }, epsilon: { type: 'number', exclusiveMinimum: 0 }, affine: { type: 'boolean' }, activation } },
  add: { required: ['activation'], properties: { activation } },
  concat: { required: ['order'], properties: { order: { enum: ['plain', 'tower-major'] } } },
  exchange: { required: ['kind', 'consumer', 'forwardBytes', 'backwardBytes'] },
};

export const planSchema: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://netc.dev/schema/plan.schema.json',
  title: 'netc execution plan',
  type: 'object',
  required: ['format', 'version', 'model', 'seed', 'input', 'towers', 'placement', 'ops', 'params', 'output', 'train', 'data', 'totals'],
  properties: {
    format: { const: PLAN_FORMAT },
    version: { const: PLAN_VERSION },
    model: { type: 'object', required: ['name', 'specHash'], properties: { name: { type: 'string' }, specHash: { type: 'string' } } },
    seed: nat,
    input: { type: 'object', required: ['shape'], properties: { shape } },
    towers: { type: 'integer', minimum: 1 },
    placement: { type: 'object', required: ['kind', 'towerDevice'], properties: { kind: { enum: ['towers', 'data'] }, towerDevice: { type: 'array', items: nat } } },
    ops: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'op', 'layer', 'inputs', 'inputShapes', 'outputShape', 'towers', 'cost', 'attrs'],
        properties: {
          id: nat,
          name: { type: 'string' },
          op: { enum: Object.keys(opAttrs) },
          inputs: { type: 'array', items: nat },
          inputShapes: { type: 'array', items: shape },
          outputShape: shape,
          towers: {
            type: 'object',
            required: ['count', 'connect', 'output'],
            properties: { count: { type: 'integer', minimum: 1 }, connect: { enum: ['tower', 'all', 'local', 'replicated'] }, output: { enum: ['split', 'replicated'] } },
          },
          cost: { type: 'object', required: ['params', 'macs', 'otherOps', 'outputBytes'] },
        },
        allOf: Object.entries(opAttrs).map(([op, attrs]) => ({
          if: { properties: { op: { const: op } } },
          then: { properties: { attrs: { type: 'object', ...attrs } }, ...(op === 'conv2d' || op === 'dense' || op === 'batchnorm' ? { required: ['params'] } : {}) },
        })),
      },
    },
    params: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'op', 'role', 'trainable', 'shape', 'layout', 'count', 'init', 'lrMult', 'decayMult', 'towerAxis'],
        properties: {
          role: { enum: ['weight', 'bias', 'scale', 'shift', 'running_mean', 'running_var'] },
          trainable: { type: 'boolean' },
          shape,
          layout: { enum: ['HWIO', 'IO', 'O', 'C'] },
          init: { type: 'object', required: ['kind'], properties: { kind: { enum: ['normal', 'truncated_normal', 'uniform', 'constant'] } } },
        },
      },
    },
    output: { type: 'object', required: ['op', 'logits', 'classes'] },
    train: { type: 'object', required: ['batch', 'epochs', 'optimizer', 'schedule', 'metrics'] },
    data: { anyOf: [{ type: 'null' }, { type: 'object', required: ['dataset', 'preprocess', 'augment'] }] },
    totals: { type: 'object', required: ['params', 'trainableParams', 'buffers', 'macs'] },
  },
};
