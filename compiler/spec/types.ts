/**
 * The normalized model spec: every shorthand expanded (kernel 3 -> [3, 3]),
 * every default filled in, every initializer parsed. Each layer keeps the JSON
 * pointer of its source so later passes can point at the exact text.
 */
export type Pair = [number, number];
/** top, bottom, left, right */
export type Quad = [number, number, number, number];
export type Rounding = 'exact' | 'floor' | 'ceil';
export type Connect = 'tower' | 'all';

export type ActivationFn = 'relu' | 'tanh' | 'sigmoid' | 'leaky_relu' | 'linear';
export interface Activation {
  fn: ActivationFn;
  /** leaky_relu only */
  slope?: number;
}

export type InitSpec =
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'truncated_normal'; mean: number; std: number }
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'constant'; value: number }
  | { kind: 'glorot_uniform' | 'glorot_normal' | 'he_normal' | 'he_uniform' };

export type PadSpec = { kind: 'explicit'; pads: Quad } | { kind: 'same' } | { kind: 'valid' };

interface LayerBase {
  /** Position in the layer list. */
  index: number;
  /** JSON pointer of the layer in the spec document ("/layers/3"). */
  pointer: string;
  name: string;
  /** Where each field's value was written: field -> JSON pointer (a default points into `defaults`). */
  src: Record<string, string>;
}

export interface WeightedLayerFields {
  connect: Connect;
  act: Activation;
  init: InitSpec;
  /** null: no bias */
  bias: InitSpec | null;
  lrMult: Pair;
  decayMult: Pair;
}

export interface ConvLayer extends LayerBase, WeightedLayerFields {
  type: 'conv';
  filters: number;
  kernel: Pair;
  stride: Pair;
  pad: PadSpec;
  dilation: Pair;
  round: Rounding;
  groups: number;
}

export interface PoolLayer extends LayerBase {
  type: 'maxpool' | 'avgpool';
  window: Pair;
  stride: Pair;
  pad: PadSpec;
  round: Rounding;
}

export interface LrnLayer extends LayerBase {
  type: 'lrn';
  size: number;
  alpha: number;
  beta: number;
  k: number;
}

export interface DropoutLayer extends LayerBase {
  type: 'dropout';
  p: number;
}

export interface DenseLayer extends LayerBase, WeightedLayerFields {
  type: 'dense';
  units: number;
}

export interface SimpleLayer extends LayerBase {
  type: 'flatten' | 'softmax';
}

export interface ActivationLayer extends LayerBase {
  type: 'activation';
  act: Activation;
}

export type LayerSpec = ConvLayer | PoolLayer | LrnLayer | DropoutLayer | DenseLayer | SimpleLayer | ActivationLayer;

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
}

export type DatasetKind = 'fashion-mnist' | 'idx' | 'cifar10' | 'image-folder';

export interface DataSpec {
  dataset: { kind: DatasetKind; path: string | null; classes: number | null };
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
}

export interface ModelSpec {
  name: string;
  description: string | null;
  seed: number;
  input: { shape: number[]; dtype: 'float32' };
  towers: number;
  placement: 'towers' | 'data';
  layers: LayerSpec[];
  train: TrainSpec;
  data: DataSpec | null;
}
