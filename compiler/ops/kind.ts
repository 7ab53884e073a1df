/**
 * What one op kind tells the compiler. Each file of compiler/ops holds one
 * kind (conv, pooling, batchnorm, add, ...): its schema fragment, its
 * defaults and normalization, its hyper-parameter checks, its shape, tower
 * and cost inference, its parameters, and how reports and diffs show its ops.
 * compiler/ops/index.ts registers them in one table; the passes, the schema,
 * the .netc spelling, reports and diffs read the table, so adding a layer
 * kind is one file here (plus its lowering in runtime/ops and its op type in
 * plan/types.ts).
 */
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { JsonValue } from '../frontend/document.js';
import type { Span } from '../source/source-file.js';
import type { Activation, InitSpec } from '../spec/types.js';
import type { OpCost, OpKind, OpTowers, PlanOp, PlanParam, Shape } from '../../plan/types.js';

export type Schema = Record<string, unknown>;
export type Obj = Record<string, JsonValue>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The fields every normalized layer has; the rest are its kind's. */
export interface LayerBase {
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

/** One layer type's part of the spec schema (`additionalProperties: false` is added). */
export interface LayerTypeSchema {
  description: string;
  properties: Record<string, Schema>;
  required?: string[];
}

export interface NormalizeContext {
  /** The layer as written. */
  readonly layer: Obj;
  readonly pointer: string;
  /** Field -> where its value was written; `pick` adds the ones it takes from `defaults`. */
  readonly src: Record<string, string>;
  /** A field from the layer, else from `defaults` (recorded in `src`), else undefined. */
  pick(field: string): JsonValue | undefined;
  /** Parses an activation (`relu`, `leaky_relu(0.2)`), reporting a bad one at `pointer`. */
  activation(value: JsonValue, pointer: string): Activation;
  /** Parses an initializer (`normal(0, 0.01)`, `1`), reporting a bad one at `pointer`. */
  init(value: JsonValue, pointer: string): InitSpec;
}

export interface CheckContext {
  readonly sink: DiagnosticSink;
  /** Where a field's value is written (in `defaults` when it came from there). */
  at(field: string): Span | undefined;
  /** Runs `report` once per value of `defaults` (one default shared by many layers is one mistake). */
  once(field: string, report: () => void): void;
}

/** Whether a value between layers is the same on every tower, or split over them. */
export type TowerState = 'replicated' | 'split';

/** A layer's output as the layers reading it see it. */
export interface Value {
  shape: Shape;
  state: TowerState;
  /** The layer that made it (`input` for the model input). */
  layer: string;
  /** Where it was made, to explain where an input size came from. */
  origin: { span?: Span; label: string };
  /** It is the model input (hints then speak of "a model input"). */
  modelInput: boolean;
}

/** An op as shape inference describes it; the emission pass gives it its id and inputs. */
export type OpDescription = DistributiveOmit<PlanOp, 'id' | 'inputs' | 'inputShapes'> & {
  /** It reads every tower: an allgather goes before it when its input is split. */
  gather?: boolean;
};

/** What a layer becomes: its ops (the first reads the layer's inputs, each next one the op before), and its output's layout. */
export interface Inferred {
  ops: OpDescription[];
  state: TowerState;
}

export interface InferContext {
  readonly towers: number;
  readonly sink: DiagnosticSink;
  /** Where a field of the layer is written. */
  at(field: string): Span | undefined;
  /** The layer's type (where errors about the whole layer point). */
  layerSpan(): Span | undefined;
  /** The layer's `inputs`/`input` (or its type when it names none). */
  inputsSpan(): Span | undefined;
  /** The `k`-th entry of the layer's `inputs` (or the list). */
  inputSpan(k: number): Span | undefined;
  cost(params: number, macs: number, otherOps: number, out: Shape): OpCost;
  /** Tower facts of an op whose output has the given layout. */
  towersOf(connect: OpTowers['connect'], state: TowerState): OpTowers;
  /** True for an HxWxC input; otherwise reports NETC3106. */
  needSpatial(v: Value): boolean;
}

/** The compiler's knowledge of a layer kind: one or more spec types (maxpool, avgpool) normalized to one layer shape. */
export interface LayerKind<L extends LayerBase & { type: string }> {
  /** Schema per spec type. */
  readonly types: Readonly<Record<string, LayerTypeSchema>>;
  /** .netc positional fields: `conv 96 11x11/4` fills `filters` (count) and `kernel` (size). */
  readonly spelling?: { count?: string; size?: string };
  /** Keys of `defaults` its layers take. */
  readonly defaults?: readonly string[];
  /** How many inputs it reads (default exactly one). */
  readonly inputs?: { min: number; max: number };
  /** Its output has its input's shape: adding or removing it changes no shape (variants). */
  readonly shapePreserving?: boolean;
  /** Spec fields whose change can change a shape or a tower split (variants' notes). */
  readonly shapeFields?: readonly string[];
  /** The layer's own fields, defaults filled in. */
  normalize(type: string, ctx: NormalizeContext): Omit<L, keyof LayerBase>;
  /** Hyper-parameters that are well-formed but make no sense. */
  check?(layer: L, ctx: CheckContext): void;
  /** Output shape, tower layout, cost and ops, from the inputs (never unknown here); null after reporting an error. */
  infer(layer: L, inputs: Value[], ctx: InferContext): Inferred | null;
  /** Parameters (and state) of one of its ops, with resolved initializers. */
  params?(layer: L, op: PlanOp): PlanParam[];
}

/** How reports and diffs show an op kind. */
export interface OpView<O extends PlanOp = PlanOp> {
  /** The schema of its `attrs` in the plan (specs/plan.schema.json). */
  readonly attrs: Schema;
  /** The spec's word for it (`conv` for conv2d, the function for an activation). */
  typeName(op: O): string;
  /** Window, stride and padding, or a key number ("n 5", "p 0.5"); '' when nothing. */
  geometry?(op: O): string;
  /** The activation applied after it, if it has one. */
  activation?(op: O): Activation | null;
  /** Its attributes under the spec's keys, as short strings (what `netc diff` compares). */
  attributes?(op: O, params: ReadonlyMap<string, PlanParam>): Record<string, string>;
}

/** The ops of each kind, typed by their `op` field. */
export type OpViews = { [K in OpKind]?: OpView<Extract<PlanOp, { op: K }>> };

/** One module of compiler/ops: a layer kind and the views of the ops it makes (a plan-only kind has no layer). */
export interface KindModule<L extends LayerBase & { type: string } = LayerBase & { type: string }> {
  readonly layer?: LayerKind<L>;
  readonly ops: OpViews;
}
