/**
 * The op kinds, in one table. Everything that depends on the kind of a layer
 * or an op (the schema, normalization, checks, shape inference, parameters,
 * the .netc spelling, reports and diffs) looks it up here. To add a layer
 * kind: write its module (compiler/ops/kind.ts says what it holds), add it
 * below, add its op type to plan/types.ts and its lowering to runtime/ops,
 * then `npm run generate` (schema, validators, docs/spec.md, editor grammar).
 */
import type { OpKind, PlanOp } from '../../plan/types.js';
import { activation, type ActivationLayer } from './activation.js';
import { add, type AddLayer } from './add.js';
import { batchnorm, type BatchNormLayer } from './batchnorm.js';
import { concat, type ConcatLayer } from './concat.js';
import { conv, type ConvLayer } from './conv.js';
import { dense, type DenseLayer } from './dense.js';
import { dropout, type DropoutLayer } from './dropout.js';
import { flatten, type FlattenLayer } from './flatten.js';
import { globalPool, type GlobalPoolLayer } from './global-pool.js';
import type { KindModule, LayerKind, OpView, Schema } from './kind.js';
import { lrn, type LrnLayer } from './lrn.js';
import { exchange, input } from './plan-only.js';
import { pool, type PoolLayer } from './pool.js';
import { softmax, type SoftmaxLayer } from './softmax.js';

/** A normalized layer of any kind. */
export type LayerSpec =
  | ConvLayer
  | PoolLayer
  | LrnLayer
  | DropoutLayer
  | DenseLayer
  | BatchNormLayer
  | GlobalPoolLayer
  | AddLayer
  | ConcatLayer
  | FlattenLayer
  | SoftmaxLayer
  | ActivationLayer;

/** The table, in the order the schema and the docs list the layer types. */
const KINDS = [input, conv, pool, lrn, dropout, dense, batchnorm, globalPool, add, concat, flatten, softmax, activation, exchange] as readonly KindModule<LayerSpec>[];

const byType = new Map<string, LayerKind<LayerSpec>>();
for (const k of KINDS) for (const t of Object.keys(k.layer?.types ?? {})) byType.set(t, k.layer!);
const views = new Map<string, OpView>();
for (const k of KINDS) for (const [op, view] of Object.entries(k.ops)) views.set(op, view as OpView);

/** Every spec layer type (`conv`, `maxpool`, ..., `relu`), in table order. */
export const LAYER_TYPES: readonly string[] = [...byType.keys()];

/** The kind that handles a spec layer type. */
export function layerKind(type: string): LayerKind<LayerSpec> | undefined {
  return byType.get(type);
}

/** The kind of a normalized layer (`activation` layers come from relu, tanh, ...). */
export function kindOf(layer: LayerSpec): LayerKind<LayerSpec> {
  return byType.get(layer.type === 'activation' ? 'relu' : layer.type)!;
}

/** How reports and diffs show an op kind. */
export function opView(kind: OpKind): OpView<PlanOp> {
  const view = views.get(kind);
  if (!view) throw new Error(`no view for op kind \`${kind}\``);
  return view;
}

/** The plan schema of each op kind's attrs. */
export function opSchemas(): Record<string, Schema> {
  return Object.fromEntries([...views].map(([kind, view]) => [kind, view.attrs]));
}

/** Every layer kind (one per module), for tables derived from them. */
export const LAYER_KINDS: readonly LayerKind<LayerSpec>[] = KINDS.flatMap((k) => (k.layer ? [k.layer] : []));
