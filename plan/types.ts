/**
 * The execution plan: the compiler's output and the only input of every
 * engine (the tfjs runtime, the PyTorch and ONNX exporters). Versioned and
 * self-contained: the model as a graph of ops in topological order, each
 * naming the ops it reads by id, with shapes, every parameter and state
 * buffer with shape/init/multipliers, tower placement, explicit exchange ops
 * with byte counts, the optimizer, schedule, data pipeline and totals.
 * Documented in docs/plan.md; its JSON Schema is specs/plan.schema.json.
 * Shapes are per image (no batch axis), HWC for spatial tensors.
 *
 * The types the plan embeds (training, data, activations) live here too, so
 * engines depend on this folder only, never on the compiler's spec types.
 */

export const PLAN_FORMAT = 'netc-plan';
export const PLAN_VERSION = 2;

export type Shape = number[];
export type Pair = [number, number];
/** top, bottom, left, right */
export type Quad = [number, number, number, number];

export type ActivationFn = 'relu' | 'tanh' | 'sigmoid' | 'leaky_relu' | 'linear';
export interface Activation {
  fn: ActivationFn;
  /** leaky_relu only */
  slope?: number;
}

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
  /**
   * The output's layout: `split` (tower t holds slice t of the last axis) or
   * `replicated` (every tower holds all of it). Always `replicated` with one tower.
   */
  output: 'split' | 'replicated';
}

export interface OpCost {
  /** Learned parameters of this op (weights, biases, batchnorm scale and shift). */
  params: number;
  /** Multiply-accumulates of weight layers (conv, dense) per image; bias adds excluded. */
  macs: number;
  /** Every other arithmetic op per image: bias adds, activations, LRN, pooling, softmax, dropout, merges, normalization. */
  otherOps: number;
  /** Bytes of this op's output per image (float32). */
  outputBytes: number;
}

interface OpBase {
  /** Index in `ops`: the order is topological, so every input id is smaller. */
  id: number;
  /** Unique in the plan. */
  name: string;
  /** The spec layer this op comes from (block layers are dotted: `stage2.block1.conv1`). */
  layer: string;
  /** Ids of the ops whose outputs this op reads, in order. */
  inputs: number[];
  /** The output shapes of `inputs`, in the same order. */
  inputShapes: Shape[];
  outputShape: Shape;
  towers: OpTowers;
  cost: OpCost;
}

/** Op 0 of every plan: the model input (one example, no batch axis). */
export interface InputOp extends OpBase {
  op: 'input';
  attrs: Record<string, never>;
}

export interface ConvOp extends OpBase {
  op: 'conv2d';
  attrs: {
    filters: number;
    kernel: Pair;
    stride: Pair;
    dilation: Pair;
    /** top, bottom, left, right zero padding */
    pad: Quad;
    /** Extra bottom/right padding implied by ceil rounding (a partial window). */
    padEnd: Pair;
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
  /** Max pooling's padding never wins; average pooling divides by the real (unpadded) pixels of each window. */
  attrs: { window: Pair; stride: Pair; pad: Quad; padEnd: Pair };
}

/** [H, W, C] -> [C]: the mean (or maximum) of each channel over all positions. */
export interface GlobalPoolOp extends OpBase {
  op: 'globalavgpool' | 'globalmaxpool';
  attrs: Record<string, never>;
}

export interface LrnOp extends OpBase {
  op: 'lrn';
  /** The paper's semantics: b = a / (k + alpha * sum_{window of `size` channels} a^2)^beta; alpha is not divided by size. */
  attrs: { size: number; alpha: number; beta: number; k: number; channelsPerTower: number };
}

/**
 * Batch normalization over the last axis, PyTorch's semantics: training
 * normalizes with the batch's mean and biased variance and moves the running
 * statistics by `momentum` toward the batch's mean and unbiased variance;
 * inference normalizes with the running statistics.
 */
export interface BatchNormOp extends OpBase {
  op: 'batchnorm';
  attrs: { momentum: number; epsilon: number; affine: boolean; activation: Activation };
  /** scale/shift are null when `affine` is false; mean/variance are the running statistics (state, not learned). */
  params: { scale: string | null; shift: string | null; mean: string; variance: string };
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

/** Elementwise sum of inputs of one shape, then the activation. A replicated input meets a split one tower by tower. */
export interface AddOp extends OpBase {
  op: 'add';
  attrs: { activation: Activation };
}

/**
 * Concatenation along the last axis. `plain`: the inputs are replicated and
 * simply joined. `tower-major`: the inputs are split, and tower t's output is
 * the concatenation of every input's part t (no data crosses towers).
 */
export interface ConcatOp extends OpBase {
  op: 'concat';
  attrs: { order: 'plain' | 'tower-major' };
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

export type PlanOp =
  | InputOp
  | ConvOp
  | PoolOp
  | GlobalPoolOp
  | LrnOp
  | BatchNormOp
  | DropoutOp
  | DenseOp
  | FlattenOp
  | ActivationOp
  | SoftmaxOp
  | AddOp
  | ConcatOp
  | ExchangeOp;
export type OpKind = PlanOp['op'];

export type ResolvedInit =
  | { kind: 'normal' | 'truncated_normal'; mean: number; std: number; from?: string }
  | { kind: 'uniform'; low: number; high: number; from?: string }
  | { kind: 'constant'; value: number };

export type ParamRole = 'weight' | 'bias' | 'scale' | 'shift' | 'running_mean' | 'running_var';

export interface PlanParam {
  name: string;
  op: string;
  role: ParamRole;
  /** false for state that the optimizer never touches (batchnorm's running statistics). */
  trainable: boolean;
  /** HWIO for conv weights (I = input channels per group), IO for dense (I per group), O for biases, C for per-channel values. */
  shape: Shape;
  layout: 'HWIO' | 'IO' | 'O' | 'C';
  count: number;
  init: ResolvedInit;
  lrMult: number;
  decayMult: number;
  /** Axis split over towers (output channels/units); tower t owns slice t. */
  towerAxis: number;
}

export interface PlanTotals {
  /** Learned values: weights, biases, batchnorm scale and shift (as torchvision counts parameters). */
  params: number;
  /** Learned values with a non-zero learning rate multiplier. */
  trainableParams: number;
  /** State that is not learned: batchnorm's running statistics. */
  buffers: number;
  macs: number;
  otherOps: number;
  activationBytesPerImage: number;
  activationBytesPerBatch: number;
  /** Parameters and buffers, float32. */
  paramBytes: number;
  optimizerStateBytes: number;
  exchangeBytesPerImage: { forward: number; backward: number };
  exchangeBytesPerBatch: { forward: number; backward: number };
}

export type OptimizerSpec =
  | { type: 'sgd'; lr: number; momentum: number; weightDecay: number }
  | { type: 'momentum'; lr: number; momentum: number; weightDecay: number; nesterov: boolean }
  | { type: 'adam'; lr: number; beta1: number; beta2: number; epsilon: number; weightDecay: number };

export interface WarmupSpec {
  epochs: number;
  from: number;
}

export type ScheduleSpec = (
  | { type: 'constant' }
  | { type: 'plateau'; metric: string; factor: number; patience: number; minDelta: number; cooldown: number; maxReductions: number | null; minLr: number }
  | { type: 'step'; every: number; factor: number }
  | { type: 'multistep'; milestones: number[]; factor: number }
  | { type: 'cosine'; minLr: number }
) & { warmup: WarmupSpec | null };

export type Metric = 'loss' | 'top1_error' | 'top5_error' | 'accuracy';

export interface TrainSpec {
  batch: number;
  epochs: number;
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec;
  metrics: Metric[];
  labelSmoothing: number;
  /** Absent in plans written before early stopping existed: read as null. */
  earlyStopping?: EarlyStoppingSpec | null;
}

/** Stop when `metric` (lower is better) has not improved by more than minDelta for `patience` epochs in a row. */
export interface EarlyStoppingSpec {
  metric: string;
  patience: number;
  minDelta: number;
}

export type DatasetKind = 'fashion-mnist' | 'idx' | 'cifar10' | 'image-folder';

/** data.max_image_pixels when the spec does not say: 100 megapixels, more than any camera photo in ImageNet (300 MB decoded). */
export const DEFAULT_MAX_IMAGE_PIXELS = 100_000_000;

export interface DataSpec {
  /** labels: a labels file (image-folder), relative to the dataset folder. */
  dataset: { kind: DatasetKind; path: string | null; classes: number | null; labels: string | null };
  /** 'test' or a held-out fraction of the training set */
  validation: 'test' | number;
  trainLimit: number | null;
  preprocess: {
    /** [h, w], or [n, 0] for "shorter side n" */
    resize: Pair | null;
    resizeShorter: number | null;
    centerCrop: Pair | null;
    scale: number;
    mean: 'none' | 'per-pixel' | 'per-channel' | number[];
    std: number[] | null;
  };
  augment: {
    randomCrop: Pair | null;
    pad: number;
    flip: boolean;
    pcaColour: number;
  };
  testCrops: 'center' | 'ten';
  /** An unreadable image in an image folder: left out and reported, or an error. */
  badImages: 'skip' | 'error';
  /** Images with more pixels are refused before decoding (decompression bombs). */
  maxImagePixels: number;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  model: { name: string; description: string | null; specHash: string };
  seed: number;
  input: { shape: Shape; dtype: 'float32' };
  towers: number;
  placement: { kind: 'towers' | 'data'; towerDevice: number[] };
  /** The graph, in topological order; ops[0] is the input. */
  ops: PlanOp[];
  params: PlanParam[];
  /** `op`: the model's output op; `logits`: the op whose output feeds the softmax cross-entropy. Names. */
  output: { op: string; logits: string; classes: number | null };
  /** The spec's training section, every default filled in. */
  train: TrainSpec;
  data: DataSpec | null;
  totals: PlanTotals;
}
