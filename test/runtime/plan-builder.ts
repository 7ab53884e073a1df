/**
 * Graph plans (format v2) built by hand for runtime tests: merges, batchnorm
 * and global pooling, with towers and exchanges laid out as docs/plan.md
 * says. Each op says whether its output is split over the towers; an op that
 * reads every tower of a split input gets an exchange before it. Plans come
 * out consistent (plan/check.ts is run on them).
 */
import { checkPlanConsistency } from '../../plan/check.js';
import { PLAN_FORMAT, PLAN_VERSION, type Activation, type ActivationFn, type DataSpec, type Plan, type PlanOp, type PlanParam, type ResolvedInit, type TrainSpec } from '../../plan/types.js';

type Connect = 'tower' | 'all';
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const act = (fn: ActivationFn = 'linear'): Activation => ({ fn });

export interface BuilderOptions {
  name?: string;
  input: number[];
  towers?: number;
  seed?: number;
  classes?: number;
  train?: Partial<TrainSpec>;
  data?: DataSpec | null;
}

export class PlanBuilder {
  private readonly ops: PlanOp[] = [];
  private readonly params: PlanParam[] = [];
  readonly towers: number;
  /** The model input (op 0). */
  readonly input = 0;

  constructor(private readonly o: BuilderOptions) {
    this.towers = o.towers ?? 1;
    this.push({ op: 'input', name: 'input', inputs: [], outputShape: o.input, connect: 'replicated', split: false, attrs: {} });
  }

  private shape(id: number): number[] {
    return this.ops[id]!.outputShape;
  }

  private split(id: number): boolean {
    return this.ops[id]!.towers.output === 'split';
  }

  private push(o: { op: PlanOp['op']; name: string; inputs: number[]; outputShape: number[]; connect: PlanOp['towers']['connect']; split: boolean; attrs: object; params?: object; paramCount?: number; macs?: number }): number {
    const id = this.ops.length;
    const op = {
      id, name: o.name, layer: o.name, op: o.op, inputs: o.inputs, inputShapes: o.inputs.map((i) => this.shape(i)), outputShape: o.outputShape,
      towers: { count: this.towers, connect: o.connect, output: o.split && this.towers > 1 ? 'split' : 'replicated' },
      cost: { params: o.paramCount ?? 0, macs: o.macs ?? 0, otherOps: 0, outputBytes: o.op === 'exchange' ? 0 : product(o.outputShape) * 4 },
      attrs: o.attrs,
      ...(o.params ? { params: o.params } : {}),
    } as unknown as PlanOp;
    this.ops.push(op);
    return id;
  }

  private param(op: string, role: PlanParam['role'], shape: number[], init: ResolvedInit, towerAxis: number, decayMult = 1): string {
    const name = `${op}.${role}`;
    const trainable = role !== 'running_mean' && role !== 'running_var';
    const layout = shape.length === 4 ? 'HWIO' : shape.length === 2 ? 'IO' : role === 'bias' ? 'O' : 'C';
    this.params.push({ name, op, role, trainable, shape, layout, count: product(shape), init, lrMult: 1, decayMult, towerAxis });
    return name;
  }

  /** An explicit exchange: the split value x made whole, for `consumer`. */
  exchange(x: number, consumer: string): number {
    return this.gathered(x, consumer);
  }

  /** The input of an op that reads every tower: exchanged first when split. */
  private gathered(x: number, consumer: string): number {
    if (!this.split(x)) return x;
    const bytes = product(this.shape(x)) * 4;
    return this.push({ op: 'exchange', name: `${consumer}.exchange`, inputs: [x], outputShape: this.shape(x), connect: 'all', split: false, attrs: { kind: 'allgather', consumer, forwardBytes: bytes, backwardBytes: bytes } });
  }

  conv(name: string, x: number, a: { filters: number; kernel: number; stride?: number; pad?: number; act?: ActivationFn; bias?: boolean; connect?: Connect; std?: number }): number {
    const connect = this.towers > 1 ? (a.connect ?? 'all') : 'all';
    const from = connect === 'all' ? this.gathered(x, name) : x;
    const [h, w, c] = this.shape(from) as [number, number, number];
    const stride = a.stride ?? 1;
    const pad = a.pad ?? 0;
    const groups = connect === 'tower' ? this.towers : 1;
    const out = [Math.floor((h + 2 * pad - a.kernel) / stride) + 1, Math.floor((w + 2 * pad - a.kernel) / stride) + 1, a.filters];
    const wShape = [a.kernel, a.kernel, c / groups, a.filters];
    const fanIn = a.kernel * a.kernel * (c / groups);
    const weight = this.param(name, 'weight', wShape, { kind: 'normal', mean: 0, std: a.std ?? Math.sqrt(2 / fanIn) }, 3);
    const bias = a.bias === false ? null : this.param(name, 'bias', [a.filters], { kind: 'constant', value: 0 }, 0);
    return this.push({
      op: 'conv2d', name, inputs: [from], outputShape: out, connect: connect === 'tower' ? 'tower' : 'all', split: true,
      attrs: { filters: a.filters, kernel: [a.kernel, a.kernel], stride: [stride, stride], dilation: [1, 1], pad: [pad, pad, pad, pad], padEnd: [0, 0], groups, specGroups: 1, activation: act(a.act) },
      params: { weight, bias }, paramCount: product(wShape) + (bias ? a.filters : 0), macs: product(out) * fanIn,
    });
  }

  dense(name: string, x: number, a: { units: number; act?: ActivationFn; connect?: Connect; std?: number }): number {
    const connect = this.towers > 1 ? (a.connect ?? 'all') : 'all';
    const from = connect === 'all' ? this.gathered(x, name) : x;
    const groups = connect === 'tower' ? this.towers : 1;
    if (a.units % this.towers !== 0) throw new Error(`${name}: ${a.units} units do not split over ${this.towers} towers`);
    const inputs = this.shape(from)[0]! / groups;
    const weight = this.param(name, 'weight', [inputs, a.units], { kind: 'normal', mean: 0, std: a.std ?? Math.sqrt(1 / inputs) }, 1);
    const bias = this.param(name, 'bias', [a.units], { kind: 'constant', value: 0 }, 0);
    return this.push({
      op: 'dense', name, inputs: [from], outputShape: [a.units], connect, split: true, attrs: { units: a.units, groups, activation: act(a.act) },
      params: { weight, bias }, paramCount: inputs * a.units + a.units, macs: inputs * a.units,
    });
  }

  batchnorm(name: string, x: number, a: { momentum?: number; epsilon?: number; affine?: boolean; act?: ActivationFn; decayMult?: number } = {}): number {
    const c = [this.shape(x).at(-1)!];
    const affine = a.affine ?? true;
    const scale = affine ? this.param(name, 'scale', c, { kind: 'constant', value: 1 }, 0, a.decayMult ?? 0) : null;
    const shift = affine ? this.param(name, 'shift', c, { kind: 'constant', value: 0 }, 0, a.decayMult ?? 0) : null;
    const mean = this.param(name, 'running_mean', c, { kind: 'constant', value: 0 }, 0, 0);
    const variance = this.param(name, 'running_var', c, { kind: 'constant', value: 1 }, 0, 0);
    return this.push({
      op: 'batchnorm', name, inputs: [x], outputShape: this.shape(x), connect: 'local', split: this.split(x),
      attrs: { momentum: a.momentum ?? 0.1, epsilon: a.epsilon ?? 1e-5, affine, activation: act(a.act) },
      params: { scale, shift, mean, variance }, paramCount: affine ? 2 * c[0]! : 0,
    });
  }

  add(name: string, inputs: number[], a: { act?: ActivationFn } = {}): number {
    return this.push({ op: 'add', name, inputs, outputShape: this.shape(inputs[0]!), connect: 'local', split: inputs.some((i) => this.split(i)), attrs: { activation: act(a.act) } });
  }

  concat(name: string, inputs: number[]): number {
    const split = inputs.every((i) => this.split(i));
    const from = split ? inputs : inputs.map((i) => this.gathered(i, name));
    const s = this.shape(from[0]!);
    const out = [...s.slice(0, -1), from.reduce((n, i) => n + this.shape(i).at(-1)!, 0)];
    return this.push({ op: 'concat', name, inputs: from, outputShape: out, connect: 'local', split, attrs: { order: split && this.towers > 1 ? 'tower-major' : 'plain' } });
  }

  pool(name: string, kind: 'maxpool' | 'avgpool', x: number, window: number, stride = window, pad = 0): number {
    const [h, w, c] = this.shape(x) as [number, number, number];
    const out = [Math.floor((h + 2 * pad - window) / stride) + 1, Math.floor((w + 2 * pad - window) / stride) + 1, c];
    return this.push({ op: kind, name, inputs: [x], outputShape: out, connect: 'local', split: this.split(x), attrs: { window: [window, window], stride: [stride, stride], pad: [pad, pad, pad, pad], padEnd: [0, 0] } });
  }

  globalPool(name: string, kind: 'globalavgpool' | 'globalmaxpool', x: number): number {
    return this.push({ op: kind, name, inputs: [x], outputShape: [this.shape(x)[2]!], connect: 'local', split: this.split(x), attrs: {} });
  }

  activation(name: string, x: number, fn: ActivationFn): number {
    return this.push({ op: 'activation', name, inputs: [x], outputShape: this.shape(x), connect: 'local', split: this.split(x), attrs: { fn } });
  }

  dropout(name: string, x: number, p: number): number {
    return this.push({ op: 'dropout', name, inputs: [x], outputShape: this.shape(x), connect: 'local', split: this.split(x), attrs: { p } });
  }

  flatten(name: string, x: number): number {
    const split = this.split(x);
    return this.push({ op: 'flatten', name, inputs: [x], outputShape: [product(this.shape(x))], connect: 'local', split, attrs: { order: split ? 'tower-major' : 'hwc' } });
  }

  /** The logits op, then the output softmax; returns the finished plan (checked for consistency). */
  finish(logits: number): Plan {
    const from = this.gathered(logits, 'prob');
    this.push({ op: 'softmax', name: 'prob', inputs: [from], outputShape: this.shape(from), connect: 'replicated', split: false, attrs: {} });
    const learned = this.params.filter((p) => p.trainable).reduce((n, p) => n + p.count, 0);
    const buffers = this.params.filter((p) => !p.trainable).reduce((n, p) => n + p.count, 0);
    const macs = this.ops.reduce((n, o) => n + o.cost.macs, 0);
    const perImage = this.ops.reduce((n, o) => n + o.cost.outputBytes, 0);
    const batch = this.o.train?.batch ?? 8;
    const plan: Plan = {
      format: PLAN_FORMAT, version: PLAN_VERSION,
      model: { name: this.o.name ?? 'graph', description: null, specHash: `hand-built-${this.o.name ?? 'graph'}` },
      seed: this.o.seed ?? 1, input: { shape: this.o.input, dtype: 'float32' }, towers: this.towers,
      placement: { kind: this.towers > 1 ? 'towers' : 'data', towerDevice: Array.from({ length: this.towers }, (_, t) => t) },
      ops: this.ops, params: this.params,
      output: { op: 'prob', logits: this.ops[logits]!.name, classes: this.o.classes ?? this.shape(logits)[0]! },
      train: {
        batch, epochs: 1, optimizer: { type: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0.0005 },
        schedule: { type: 'constant', warmup: null }, metrics: ['loss', 'top1_error'], labelSmoothing: 0, ...this.o.train,
      },
      data: this.o.data ?? null,
      totals: {
        params: learned, trainableParams: learned, buffers, macs, otherOps: 0, activationBytesPerImage: perImage, activationBytesPerBatch: perImage * batch,
        paramBytes: (learned + buffers) * 4, optimizerStateBytes: learned * 4,
        exchangeBytesPerImage: { forward: 0, backward: 0 }, exchangeBytesPerBatch: { forward: 0, backward: 0 },
      },
    };
    const problems = checkPlanConsistency(plan);
    if (problems.length) throw new Error(`the builder made an inconsistent plan: ${problems.join('; ')}`);
    return plan;
  }
}
