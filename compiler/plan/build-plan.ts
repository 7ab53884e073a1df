/**
 * The emitted ops plus the spec -> the execution plan: parameters with
 * resolved initializers (from each op's kind), placement, training and data
 * sections, totals, and a hash of the normalized spec (the same for both
 * spellings of one model).
 */
import { createHash } from 'node:crypto';
import { kindOf } from '../ops/index.js';
import type { ModelSpec } from '../spec/types.js';
import type { EmittedGraph } from './emit-ops.js';
import { canonicalJson } from '../../plan/canonical-json.js';
import { PLAN_FORMAT, PLAN_VERSION, type Plan, type PlanParam, type PlanTotals } from '../../plan/types.js';

const BYTES = 4;

export function hashSpec(spec: ModelSpec): string {
  // Source positions are not part of the model: strip them before hashing. Reading the layer
  // before is what a chain always did, so it is left out too: a chain keeps its hash.
  const layers = spec.layers.map(({ index: _i, pointer: _p, src: _s, inputs, ...rest }, i) => {
    const previous = i === 0 ? 'input' : spec.layers[i - 1]!.name;
    return inputs.length === 1 && inputs[0] === previous ? rest : { ...rest, inputs };
  });
  const { output, ...model } = spec;
  return createHash('sha256').update(canonicalJson({ ...model, ...(output === null ? {} : { output }), layers })).digest('hex');
}

export function buildPlan(spec: ModelSpec, graph: EmittedGraph): Plan {
  const { ops, logits, outputShape } = graph;
  const layerByName = new Map(spec.layers.map((l) => [l.name, l]));
  // Each op with parameters gets them from its layer's kind (compiler/ops).
  const params: PlanParam[] = ops.flatMap((op) => {
    const layer = 'params' in op ? layerByName.get(op.layer) : undefined;
    return layer ? (kindOf(layer).params?.(layer, op) ?? []) : [];
  });

  const batch = spec.train.batch;
  const learned = params.filter((p) => p.trainable);
  const totalParams = learned.reduce((a, p) => a + p.count, 0);
  const buffers = params.reduce((a, p) => a + (p.trainable ? 0 : p.count), 0);
  // The input op's output is the input image: every op's output counts once.
  const activationBytesPerImage = ops.reduce((a, o) => a + o.cost.outputBytes, 0);
  const exchangeForward = ops.reduce((a, o) => a + (o.op === 'exchange' ? o.attrs.forwardBytes : 0), 0);
  const exchangeBackward = ops.reduce((a, o) => a + (o.op === 'exchange' ? o.attrs.backwardBytes : 0), 0);
  const optimizerSlots = spec.train.optimizer.type === 'adam' ? 2 : 1;
  const totals: PlanTotals = {
    params: totalParams,
    trainableParams: learned.reduce((a, p) => a + (p.lrMult !== 0 ? p.count : 0), 0),
    buffers,
    macs: ops.reduce((a, o) => a + o.cost.macs, 0),
    otherOps: ops.reduce((a, o) => a + o.cost.otherOps, 0),
    activationBytesPerImage,
    activationBytesPerBatch: activationBytesPerImage * batch,
    paramBytes: (totalParams + buffers) * BYTES,
    optimizerStateBytes: totalParams * BYTES * optimizerSlots,
    exchangeBytesPerImage: { forward: exchangeForward, backward: exchangeBackward },
    exchangeBytesPerBatch: { forward: exchangeForward * batch, backward: exchangeBackward * batch },
  };

  const last = graph.output ?? ops[ops.length - 1]?.name;
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    model: { name: spec.name, description: spec.description, specHash: hashSpec(spec) },
    seed: spec.seed,
    input: { shape: [...spec.input.shape], dtype: 'float32' },
    towers: spec.towers,
    placement: { kind: spec.placement, towerDevice: Array.from({ length: spec.towers }, (_, t) => t) },
    ops,
    params,
    output: {
      op: last ?? 'input',
      logits: logits ?? 'input',
      classes: outputShape && outputShape.length === 1 ? outputShape[0]! : null,
    },
    train: {
      batch,
      epochs: spec.train.epochs,
      optimizer: spec.train.optimizer,
      schedule: spec.train.schedule,
      metrics: spec.train.metrics,
      labelSmoothing: spec.train.labelSmoothing,
      earlyStopping: spec.train.earlyStopping ?? null,
    },
    data: spec.data,
    totals,
  };
}

/** The plan as written to disk: stable key order from construction, 2-space indent, final newline. */
export function serializePlan(plan: Plan): string {
  return JSON.stringify(plan, null, 2) + '\n';
}
