/**
 * JSON Schema of the execution plan (specs/plan.schema.json is generated from
 * it). The runtime validates every plan it loads against this, so a
 * hand-edited or truncated plan is refused with a clear message.
 */
import { PLAN_FORMAT, PLAN_VERSION } from '../../plan/types.js';

import { opSchemas } from '../ops/index.js';
import { planFragments, type Schema } from '../schema/fragments.js';

const { nat, shape } = planFragments;
/** Each op kind's attrs, from its module (compiler/ops). */
const opAttrs: Record<string, Schema> = opSchemas();

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
