/**
 * The plan as the exporters read it: a graph of ops with inputs by id (the
 * plan v2 contract, /work/wt/PLAN-V2.md). Until v2 lands on main, `toGraph`
 * presents a v1 plan (one `input` name per op) this way; when it lands this
 * file shrinks to re-exports of plan/types.ts.
 */
import type { Activation, DataSpec, Quad, TrainSpec } from '../compiler/spec/types.js';
import type { Plan as PlanV1, PlanOp as OpV1, PlanParam as ParamV1 } from '../compiler/plan/types.js';

export type { Activation, DataSpec, Quad, TrainSpec };
export type Shape = number[];

export interface OpTowers {
  count: number;
  connect: 'tower' | 'all' | 'local' | 'replicated';
  /** Whether the output is split over the towers (tower t holds channel/unit slice t) or whole on every tower. */
  output: 'split' | 'replicated';
}

interface OpBase {
  id: number;
  name: string;
  layer: string;
  /** Ids of the ops this op reads, in order; each smaller than `id`. */
  inputs: number[];
  inputShapes: Shape[];
  outputShape: Shape;
  towers: OpTowers;
}

export interface InputOp extends OpBase {
  op: 'input';
}
export interface ConvOp extends OpBase {
  op: 'conv2d';
  attrs: {
    filters: number;
    kernel: [number, number];
    stride: [number, number];
    dilation: [number, number];
    pad: Quad;
    padEnd: [number, number];
    groups: number;
    specGroups: number;
    activation: Activation;
  };
  params: { weight: string; bias: string | null };
}
export interface PoolOp extends OpBase {
  op: 'maxpool' | 'avgpool';
  attrs: { window: [number, number]; stride: [number, number]; pad: Quad; padEnd: [number, number] };
}
export interface LrnOp extends OpBase {
  op: 'lrn';
  attrs: { size: number; alpha: number; beta: number; k: number; channelsPerTower: number };
}
export interface DropoutOp extends OpBase {
  op: 'dropout';
  attrs: { p: number };
}
export interface DenseOp extends OpBase {
  op: 'dense';
  attrs: { units: number; groups: number; activation: Activation };
  params: { weight: string; bias: string | null };
}
export interface FlattenOp extends OpBase {
  op: 'flatten';
  attrs: { order: 'hwc' | 'tower-major' };
}
export interface ActivationOp extends OpBase {
  op: 'activation';
  attrs: Activation;
}
export interface SoftmaxOp extends OpBase {
  op: 'softmax';
}
export interface ExchangeOp extends OpBase {
  op: 'exchange';
}
export interface AddOp extends OpBase {
  op: 'add';
  attrs: { activation: Activation };
}
export interface ConcatOp extends OpBase {
  op: 'concat';
  attrs: { order: 'plain' | 'tower-major' };
}
export interface BatchNormOp extends OpBase {
  op: 'batchnorm';
  attrs: { momentum: number; epsilon: number; affine: boolean; activation: Activation };
  params: { scale: string | null; shift: string | null; mean: string; variance: string };
}
export interface GlobalPoolOp extends OpBase {
  op: 'globalavgpool' | 'globalmaxpool';
}

export type GraphOp =
  | InputOp
  | ConvOp
  | PoolOp
  | LrnOp
  | DropoutOp
  | DenseOp
  | FlattenOp
  | ActivationOp
  | SoftmaxOp
  | ExchangeOp
  | AddOp
  | ConcatOp
  | BatchNormOp
  | GlobalPoolOp;
export type OpKind = GraphOp['op'];
/** The op type of one kind (PoolOp for both 'maxpool' and 'avgpool'). */
export type OpOf<K extends OpKind> = GraphOp extends infer O ? (O extends { op: infer P } ? (K extends P ? O : never) : never) : never;

export type ResolvedInit = ParamV1['init'];

export interface GraphParam {
  name: string;
  op: string;
  role: 'weight' | 'bias' | 'scale' | 'shift' | 'running_mean' | 'running_var';
  shape: Shape;
  layout: 'HWIO' | 'IO' | 'O' | 'C';
  count: number;
  init: ResolvedInit;
  lrMult: number;
  decayMult: number;
  trainable: boolean;
}

export interface GraphPlan {
  model: { name: string; description: string | null; specHash: string };
  seed: number;
  input: { shape: Shape; dtype: 'float32' };
  towers: number;
  ops: GraphOp[];
  params: GraphParam[];
  output: { op: string; logits: string; classes: number | null };
  train: TrainSpec;
  data: DataSpec | null;
}

/** Whether a v1 op's output is split over the towers. */
function outputOf(op: OpV1, inputSplit: boolean, towers: number): OpTowers['output'] {
  if (towers === 1) return 'replicated';
  switch (op.op) {
    case 'conv2d':
    case 'dense':
      return 'split';
    case 'exchange':
    case 'softmax':
      return 'replicated';
    default:
      return inputSplit ? 'split' : 'replicated';
  }
}

/** A v1 plan as a graph: op 0 is the input, every op reads its inputs by id. */
export function toGraph(plan: PlanV1): GraphPlan {
  const ids = new Map<string, number>([['input', 0]]);
  const ops: GraphOp[] = [
    {
      op: 'input', id: 0, name: 'input', layer: 'input', inputs: [], inputShapes: [], outputShape: plan.input.shape,
      towers: { count: plan.towers, connect: 'replicated', output: 'replicated' },
    },
  ];
  for (const v1 of plan.ops) {
    const id = ops.length;
    const from = ids.get(v1.input);
    if (from === undefined) throw new Error(`plan op \`${v1.name}\` reads \`${v1.input}\`, which no earlier op produces`);
    ids.set(v1.name, id);
    const { input: _input, inputShape, cost: _cost, ...rest } = v1;
    const towers: OpTowers = { ...v1.towers, output: outputOf(v1, ops[from]!.towers.output === 'split', plan.towers) };
    ops.push({ ...rest, id, inputs: [from], inputShapes: [inputShape], towers } as GraphOp);
  }
  return {
    model: plan.model,
    seed: plan.seed,
    input: plan.input,
    towers: plan.towers,
    ops,
    params: plan.params.map((p) => ({ ...p, trainable: true })),
    output: plan.output,
    train: plan.train,
    data: plan.data,
  };
}

/** The op named `name`. */
export function opNamed(plan: GraphPlan, name: string): GraphOp {
  const op = plan.ops.find((o) => o.name === name);
  if (!op) throw new Error(`the plan has no op \`${name}\``);
  return op;
}

/** The ops the inference graph needs: from the input up to the logits op (the softmax is the loss's, or applied on top). */
export function opsToLogits(plan: GraphPlan): GraphOp[] {
  const logits = opNamed(plan, plan.output.logits).id;
  const needed = new Set<number>([logits]);
  for (let id = logits; id >= 0; id--) if (needed.has(id)) for (const i of plan.ops[id]!.inputs) needed.add(i);
  return plan.ops.filter((o) => needed.has(o.id));
}
