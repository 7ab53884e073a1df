/**
 * A plan v2 written by hand (no compiler involved) with the graph op kinds: batchnorm, add,
 * tower-major and plain concat, global average and max pooling, over two towers. The exporter
 * tests run it through both exporters and check them against a NumPy computation of the same
 * graph written independently in py/graph_reference.py.
 */
import type { Activation, Plan, PlanOp, PlanParam, ResolvedInit, Shape } from '../../plan/types.js';
import type { WeightSet } from '../../export/weights.js';
import { pseudoRandom } from '../runtime/helpers.js';

const relu: Activation = { fn: 'relu' };
const linear: Activation = { fn: 'linear' };
const cost = { params: 0, macs: 0, otherOps: 0, outputBytes: 0 };

function towers(connect: PlanOp['towers']['connect'], output: 'split' | 'replicated') {
  return { count: 2, connect, output };
}

export function graphPlan(): Plan {
  const ops: PlanOp[] = [];
  const add = (o: Omit<PlanOp, 'id' | 'layer' | 'inputShapes' | 'cost'> & { inputs: number[] }) => {
    const op = { ...o, id: ops.length, layer: o.name, inputShapes: o.inputs.map((i) => ops[i]!.outputShape), cost } as PlanOp;
    ops.push(op);
    return op.id;
  };
  const conv = (kernel: number, pad: number, groups: number) => ({
    filters: 4, kernel: [kernel, kernel] as [number, number], stride: [1, 1] as [number, number], dilation: [1, 1] as [number, number],
    pad: [pad, pad, pad, pad] as [number, number, number, number], padEnd: [0, 0] as [number, number], groups, specGroups: 1, activation: linear,
  });
  const input = add({ op: 'input', name: 'input', inputs: [], outputShape: [6, 6, 4], towers: towers('replicated', 'replicated'), attrs: {} });
  const a = add({ op: 'conv2d', name: 'conv_a', inputs: [input], outputShape: [6, 6, 4], towers: towers('all', 'split'), attrs: conv(1, 0, 1), params: { weight: 'conv_a.weight', bias: 'conv_a.bias' } });
  const bn = add({
    op: 'batchnorm', name: 'bn', inputs: [a], outputShape: [6, 6, 4], towers: towers('local', 'split'),
    attrs: { momentum: 0.1, epsilon: 1e-5, affine: true, activation: relu },
    params: { scale: 'bn.scale', shift: 'bn.shift', mean: 'bn.running_mean', variance: 'bn.running_var' },
  });
  const b = add({ op: 'conv2d', name: 'conv_b', inputs: [bn], outputShape: [6, 6, 4], towers: towers('tower', 'split'), attrs: conv(3, 1, 2), params: { weight: 'conv_b.weight', bias: 'conv_b.bias' } });
  const sum = add({ op: 'add', name: 'sum', inputs: [bn, b], outputShape: [6, 6, 4], towers: towers('local', 'split'), attrs: { activation: relu } });
  const cat = add({ op: 'concat', name: 'cat', inputs: [sum, bn], outputShape: [6, 6, 8], towers: towers('local', 'split'), attrs: { order: 'tower-major' } });
  const avg = add({ op: 'globalavgpool', name: 'avg', inputs: [cat], outputShape: [8], towers: towers('local', 'split'), attrs: {} });
  const max = add({ op: 'globalmaxpool', name: 'max', inputs: [cat], outputShape: [8], towers: towers('local', 'split'), attrs: {} });
  const gatherAvg = add({ op: 'exchange', name: 'both.gather_avg', inputs: [avg], outputShape: [8], towers: towers('all', 'replicated'), attrs: { kind: 'allgather', consumer: 'both', forwardBytes: 0, backwardBytes: 0 } });
  const gatherMax = add({ op: 'exchange', name: 'both.gather_max', inputs: [max], outputShape: [8], towers: towers('all', 'replicated'), attrs: { kind: 'allgather', consumer: 'both', forwardBytes: 0, backwardBytes: 0 } });
  const both = add({ op: 'concat', name: 'both', inputs: [gatherAvg, gatherMax], outputShape: [16], towers: towers('replicated', 'replicated'), attrs: { order: 'plain' } });
  const fc = add({ op: 'dense', name: 'fc', inputs: [both], outputShape: [6], towers: towers('all', 'split'), attrs: { units: 6, groups: 1, activation: linear }, params: { weight: 'fc.weight', bias: 'fc.bias' } });
  const gatherFc = add({ op: 'exchange', name: 'prob.gather', inputs: [fc], outputShape: [6], towers: towers('all', 'replicated'), attrs: { kind: 'allgather', consumer: 'prob', forwardBytes: 0, backwardBytes: 0 } });
  add({ op: 'softmax', name: 'prob', inputs: [gatherFc], outputShape: [6], towers: towers('replicated', 'replicated'), attrs: {} });

  const normal: ResolvedInit = { kind: 'normal', mean: 0, std: 0.3 };
  const param = (name: string, op: string, role: PlanParam['role'], shape: Shape, layout: PlanParam['layout'], init: ResolvedInit = normal): PlanParam => ({
    name, op, role, shape, layout, init, trainable: role !== 'running_mean' && role !== 'running_var',
    count: shape.reduce((x, y) => x * y, 1), lrMult: 1, decayMult: role === 'scale' || role === 'shift' ? 0 : 1, towerAxis: shape.length - 1,
  });
  const params = [
    param('conv_a.weight', 'conv_a', 'weight', [1, 1, 4, 4], 'HWIO'),
    param('conv_a.bias', 'conv_a', 'bias', [4], 'O'),
    param('bn.scale', 'bn', 'scale', [4], 'C', { kind: 'constant', value: 1 }),
    param('bn.shift', 'bn', 'shift', [4], 'C', { kind: 'constant', value: 0 }),
    param('bn.running_mean', 'bn', 'running_mean', [4], 'C', { kind: 'constant', value: 0 }),
    param('bn.running_var', 'bn', 'running_var', [4], 'C', { kind: 'constant', value: 1 }),
    param('conv_b.weight', 'conv_b', 'weight', [3, 3, 2, 4], 'HWIO'),
    param('conv_b.bias', 'conv_b', 'bias', [4], 'O'),
    param('fc.weight', 'fc', 'weight', [16, 6], 'IO'),
    param('fc.bias', 'fc', 'bias', [6], 'O'),
  ];
  return {
    format: 'netc-plan', version: 2, model: { name: 'graph-ops', description: 'hand-written v2 plan', specHash: 'f'.repeat(64) },
    seed: 1, input: { shape: [6, 6, 4], dtype: 'float32' }, towers: 2, placement: { kind: 'towers', towerDevice: [0, 1] },
    ops, params, output: { op: 'prob', logits: 'fc', classes: 6 },
    train: {
      batch: 4, epochs: 1, optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.0005 },
      schedule: { type: 'constant', warmup: null }, metrics: ['loss', 'top1_error'], labelSmoothing: 0,
    },
    data: null,
    totals: {
      params: 0, trainableParams: 0, buffers: 8, macs: 0, otherOps: 0, activationBytesPerImage: 0, activationBytesPerBatch: 0, paramBytes: 0,
      optimizerStateBytes: 0, exchangeBytesPerImage: { forward: 0, backward: 0 }, exchangeBytesPerBatch: { forward: 0, backward: 0 },
    },
  };
}

/** Arbitrary weights, with running statistics away from 0 and 1 so inference visibly uses them. */
export function graphWeights(plan: Plan): WeightSet {
  const w: WeightSet = new Map();
  plan.params.forEach((p, i) => {
    let values = pseudoRandom(p.count, 100 + i, 0.5);
    if (p.role === 'running_var' || p.role === 'scale') values = values.map((v) => 1 + 0.5 * v);
    w.set(p.name, { shape: p.shape, values });
  });
  return w;
}
