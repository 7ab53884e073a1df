/**
 * The normalized model spec: every shorthand expanded (kernel 3 -> [3, 3]),
 * every default filled in, every initializer parsed. Each layer keeps the JSON
 * pointer of its source so later passes can point at the exact text.
 */
export type { Pair, Quad, ActivationFn, Activation, OptimizerSpec, WarmupSpec, ScheduleSpec, EarlyStoppingSpec, Metric, TrainSpec, DatasetKind, DataSpec } from '../../plan/types.js';
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

export type { LayerBase, TowerState } from '../ops/kind.js';
export type { LayerSpec } from '../ops/index.js';
export type { ConvLayer } from '../ops/conv.js';
export type { PoolLayer } from '../ops/pool.js';
export type { LrnLayer } from '../ops/lrn.js';
export type { DropoutLayer } from '../ops/dropout.js';
export type { DenseLayer } from '../ops/dense.js';
export type { BatchNormLayer } from '../ops/batchnorm.js';
export type { GlobalPoolLayer } from '../ops/global-pool.js';
export type { AddLayer } from '../ops/add.js';
export type { ConcatLayer } from '../ops/concat.js';
export type { FlattenLayer } from '../ops/flatten.js';
export type { SoftmaxLayer } from '../ops/softmax.js';
export type { ActivationLayer } from '../ops/activation.js';
export type { WeightedLayerFields } from '../ops/weighted.js';
import type { LayerSpec } from '../ops/index.js';

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
