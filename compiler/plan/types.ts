/**
 * The execution plan: the compiler's output and the runtime's only input.
 * Versioned and self-contained: every op in execution order with shapes, every
 * parameter with shape/init/multipliers, tower placement, explicit exchange ops
 * with byte counts, the optimizer, schedule, data pipeline and totals.
 * Documented in docs/plan.md; its JSON Schema is specs/plan.schema.json.
 * Shapes are per image (no batch axis), HWC for spatial tensors.
 */
import type { Activation, DataSpec, Quad, TrainSpec } from '../spec/types.js';

export const PLAN_FORMAT = 'netc-plan';
export const PLAN_VERSION = 1;

export type Shape = number[];

/** How an op's work is spread over the model's towers. */
export interface OpTowers {
  /** Towers in the model (1: no split). */
  count: number;
  /**
   * tower: each tower computes from its own tower's inputs only (grouped);
   * all: each tower needs every tower's inputs (preceded by an exchange);
   * local: an elementwise/pooling op applied within each tower;
   * replicated: every tower computes the same thing (e.g. the output softmax).
   */
  connect: 'tower' | 'all' | 'local' | 'replicated';
}

export interface OpCost {
  params: number;
  /** Multiply-accumulates of weight layers (conv, dense) per image; bias adds excluded. */
  macs: number;
  /** Every other arithmetic op per image: bias adds, activations, LRN, pooling, softmax, dropout. */
  otherOps: number;
  /** Bytes of this op's output per image (float32). */
  outputBytes: number;
}

interface OpBase {
  id: number;
  name: string;
  /** The spec layer this op comes from. */
  layer: string;
  /** The op whose output this op reads, or `input`. */
  input: string;
  inputShape: Shape;
  outputShape: Shape;
  towers: OpTowers;
  cost: OpCost;
}

export interface ConvOp extends OpBase {
  op: 'conv2d';
  attrs: {
    filters: number;
    kernel: [number, number];
    stride: [number, number];
    dilation: [number, number];
    /** top, bottom, left, right zero padding */
    pad: Quad;
    /** Extra bottom/right padding implied by ceil rounding (a partial window). */
    padEnd: [number, number];
    /** Groups actually used: spec groups x towers when connect is `tower`. */
    groups: number;
    /** Groups the spec asked for, without placement meaning. */
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
  /** The paper's semantics: b = a / (k + alpha * sum_{window of `size` channels} a^2)^beta; alpha is not divided by size. */
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
  /** hwc: plain row-major; tower-major: each tower's HxWx(C/T) block flattened in turn. */
  attrs: { order: 'hwc' | 'tower-major' };
}

export interface ActivationOp extends OpBase {
  op: 'activation';
  attrs: Activation;
}

export interface SoftmaxOp extends OpBase {
  op: 'softmax';
  attrs: Record<string, never>;
}

/** Moves tower-split activations so every tower has all of them (and gradients back). */
export interface ExchangeOp extends OpBase {
  op: 'exchange';
  attrs: {
    kind: 'allgather';
    /** The op that needs the gathered input. */
    consumer: string;
    /** Bytes crossing between towers per image, forward (activations). */
    forwardBytes: number;
    /** Bytes crossing between towers per image, backward (gradients). */
    backwardBytes: number;
  };
}

export type PlanOp = ConvOp | PoolOp | LrnOp | DropoutOp | DenseOp | FlattenOp | ActivationOp | SoftmaxOp | ExchangeOp;
export type OpKind = PlanOp['op'];

export type ResolvedInit =
  | { kind: 'normal' | 'truncated_normal'; mean: number; std: number; from?: string }
  | { kind: 'uniform'; low: number; high: number; from?: string }
  | { kind: 'constant'; value: number };

export interface PlanParam {
  name: string;
  op: string;
  role: 'weight' | 'bias';
  /** HWIO for conv weights (I = input channels per group), IO for dense (I per group), O for biases. */
  shape: Shape;
  layout: 'HWIO' | 'IO' | 'O';
  count: number;
  init: ResolvedInit;
  lrMult: number;
  decayMult: number;
  /** Axis split over towers (output channels/units); tower t owns slice t. */
  towerAxis: number;
}

export interface PlanTotals {
  params: number;
  trainableParams: number;
  macs: number;
  otherOps: number;
  activationBytesPerImage: number;
  activationBytesPerBatch: number;
  paramBytes: number;
  optimizerStateBytes: number;
  exchangeBytesPerImage: { forward: number; backward: number };
  exchangeBytesPerBatch: { forward: number; backward: number };
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  model: { name: string; description: string | null; specHash: string };
  seed: number;
  input: { shape: Shape; dtype: 'float32' };
  towers: number;
  placement: { kind: 'towers' | 'data'; towerDevice: number[] };
  ops: PlanOp[];
  params: PlanParam[];
  output: { op: string; logits: string; classes: number | null };
  /** The spec's training section, every default filled in. */
  train: TrainSpec;
  data: DataSpec | null;
  totals: PlanTotals;
}
