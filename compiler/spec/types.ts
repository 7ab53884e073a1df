/**
 * The normalized model spec: every shorthand expanded (kernel 3 -> [3, 3]),
 * every default filled in, every initializer parsed. Each layer keeps the JSON
 * pointer of its source so later passes can point at the exact text.
 */
export type { Pair, Quad, ActivationFn, Activation, OptimizerSpec, WarmupSpec, ScheduleSpec, Metric, TrainSpec, DatasetKind, DataSpec } from '../../plan/types.js';
import type { Pair, Quad, Activation, TrainSpec, DataSpec } from '../../plan/types.js';
export type Rounding = 'exact' | 'floor' | 'ceil';
export type Connect = 'tower' | 'all';

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
  /**
   * Names of the layers this layer reads, in order (`input` is the model
   * input). Always filled in: a layer that names none reads the layer before it.
   */
  inputs: string[];
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

/** Batch normalization over the channels (PyTorch's semantics and defaults). */
export interface BatchNormLayer extends LayerBase {
  type: 'batchnorm';
  momentum: number;
  epsilon: number;
  affine: boolean;
  act: Activation;
  /** [scale, shift] */
  lrMult: Pair;
  /** [scale, shift]; 0 unless the layer says otherwise (no weight decay on scale and shift). */
  decayMult: Pair;
}

export interface GlobalPoolLayer extends LayerBase {
  type: 'globalavgpool' | 'globalmaxpool';
}

export interface AddLayer extends LayerBase {
  type: 'add';
  act: Activation;
}

export interface ConcatLayer extends LayerBase {
  type: 'concat';
}

export type LayerSpec =
  | ConvLayer
  | PoolLayer
  | LrnLayer
  | DropoutLayer
  | DenseLayer
  | SimpleLayer
  | ActivationLayer
  | BatchNormLayer
  | GlobalPoolLayer
  | AddLayer
  | ConcatLayer;

export interface ModelSpec {
  name: string;
  description: string | null;
  seed: number;
  input: { shape: number[]; dtype: 'float32' };
  towers: number;
  placement: 'towers' | 'data';
  layers: LayerSpec[];
  /** The declared model output (a layer name), or null: the one layer nobody reads. */
  output: string | null;
  train: TrainSpec;
  data: DataSpec | null;
}
