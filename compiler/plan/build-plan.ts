/**
 * Pass 7: the IR (ops from the shape pass) plus the spec -> the execution
 * plan: parameters with resolved initializers, placement, training and data
 * sections, totals, and a hash of the normalized spec (the same for both
 * spellings of one model).
 */
import { createHash } from 'node:crypto';
import type { InitSpec, ModelSpec } from '../spec/types.js';
import { canonicalJson } from '../../plan/canonical-json.js';
import { PLAN_FORMAT, PLAN_VERSION, type Plan, type PlanOp, type PlanParam, type PlanTotals, type ResolvedInit } from '../../plan/types.js';

const BYTES = 4;

/** Glorot/He initializers become concrete distributions, so the runtime has nothing to derive. */
export function resolveInit(init: InitSpec, fanIn: number, fanOut: number): ResolvedInit {
  switch (init.kind) {
    case 'glorot_uniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return { kind: 'uniform', low: -limit, high: limit, from: init.kind };
    }
    case 'glorot_normal':
      return { kind: 'normal', mean: 0, std: Math.sqrt(2 / (fanIn + fanOut)), from: init.kind };
    case 'he_normal':
      return { kind: 'normal', mean: 0, std: Math.sqrt(2 / fanIn), from: init.kind };
    case 'he_uniform': {
      const limit = Math.sqrt(6 / fanIn);
      return { kind: 'uniform', low: -limit, high: limit, from: init.kind };
    }
    default:
      return init;
  }
}

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

export interface PlanGraph {
  ops: PlanOp[];
  /** The output op's name. */
  output: string | null;
  logits: string | null;
  outputShape: number[] | null;
}

export function buildPlan(spec: ModelSpec, graph: PlanGraph): Plan {
  const { ops, logits, outputShape } = graph;
  const params: PlanParam[] = [];
  const layerByName = new Map(spec.layers.map((l) => [l.name, l]));
  for (const op of ops) {
    if (op.op === 'batchnorm') {
      const layer = layerByName.get(op.layer);
      if (layer?.type !== 'batchnorm') continue;
      const channels = op.outputShape[op.outputShape.length - 1]!;
      const perChannel = (name: string, role: PlanParam['role'], trainable: boolean, value: number, mult: number): PlanParam => ({
        name, op: op.name, role, trainable, shape: [channels], layout: 'C', count: channels, init: { kind: 'constant', value },
        lrMult: trainable ? layer.lrMult[mult]! : 0, decayMult: trainable ? layer.decayMult[mult]! : 0, towerAxis: 0,
      });
      if (op.params.scale) params.push(perChannel(op.params.scale, 'scale', true, 1, 0));
      if (op.params.shift) params.push(perChannel(op.params.shift, 'shift', true, 0, 1));
      params.push(perChannel(op.params.mean, 'running_mean', false, 0, 0), perChannel(op.params.variance, 'running_var', false, 1, 0));
      continue;
    }
    if (op.op !== 'conv2d' && op.op !== 'dense') continue;
    const layer = layerByName.get(op.layer);
    if (!layer || (layer.type !== 'conv' && layer.type !== 'dense')) continue;
    let weightShape: number[];
    let fanIn: number;
    let fanOut: number;
    if (op.op === 'conv2d') {
      const [kh, kw] = op.attrs.kernel;
      const cinPerGroup = op.inputShapes[0]![2]! / op.attrs.groups;
      weightShape = [kh, kw, cinPerGroup, op.attrs.filters];
      fanIn = kh * kw * cinPerGroup;
      fanOut = kh * kw * op.attrs.filters;
    } else {
      const inPerGroup = op.inputShapes[0]![0]! / op.attrs.groups;
      weightShape = [inPerGroup, op.attrs.units];
      fanIn = inPerGroup;
      fanOut = op.attrs.units;
    }
    const count = weightShape.reduce((a, b) => a * b, 1);
    params.push({
      name: op.params.weight, op: op.name, role: 'weight', trainable: true, shape: weightShape, layout: op.op === 'conv2d' ? 'HWIO' : 'IO', count,
      init: resolveInit(layer.init, fanIn, fanOut), lrMult: layer.lrMult[0], decayMult: layer.decayMult[0], towerAxis: weightShape.length - 1,
    });
    if (op.params.bias && layer.bias) {
      const units = op.outputShape[op.outputShape.length - 1]!;
      params.push({
        name: op.params.bias, op: op.name, role: 'bias', trainable: true, shape: [units], layout: 'O', count: units,
        init: resolveInit(layer.bias, fanIn, fanOut), lrMult: layer.lrMult[1], decayMult: layer.decayMult[1], towerAxis: 0,
      });
    }
  }

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
    },
    data: spec.data,
    totals,
  };
}

/** The plan as written to disk: stable key order from construction, 2-space indent, final newline. */
export function serializePlan(plan: Plan): string {
  return JSON.stringify(plan, null, 2) + '\n';
}
