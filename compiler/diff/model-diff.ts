/**
 * `netc diff` as data: two plans compared op by op (exchange ops folded into
 * the layer that needs them, as in the report), then totals, then the model,
 * training and data sections. The renderers and `--format json` print this.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { buildReport, type Report, type ReportLayer } from '../report/report-data.js';
import type { Plan, PlanOp } from '../../plan/types.js';
import { alignSequences, type AlignedPair } from './align.js';
import { deepDiff, type ValueChange } from './deep-diff.js';
import { branchChanges, rewiredRows, type BranchChange } from './graph-changes.js';
import { dataAsSpec, trainAsSpec } from './spec-keys.js';
import { opAttributes, paramsByName, type OpAttributes } from './op-attributes.js';

export type RowStatus = 'same' | 'changed' | 'added' | 'removed';

/** One op on one side. */
export interface LayerSide {
  name: string;
  type: string;
  /** The ops it reads, by name (`input`: the model input; exchanges folded, as in the report). */
  inputs: string[];
  outputShape: number[];
  params: number;
  macs: number;
  /** Output bytes per image. */
  activationBytes: number;
  /** Bytes crossing between towers for this layer per batch, forward + backward. */
  exchangeBytesPerBatch: number;
  attrs: OpAttributes;
}

export interface AttrChange {
  key: string;
  /** null where the attribute is absent on that side. */
  a: string | null;
  b: string | null;
}

export interface LayerRow {
  status: RowStatus;
  /** The name in b (in a for a removed op). */
  name: string;
  /** Set when a and b name the op differently. */
  renamedFrom: string | null;
  a: LayerSide | null;
  b: LayerSide | null;
  /**
   * Attributes the spec sets (type included) that differ, and `input`/`inputs`
   * when the op reads something else (not merely through added or removed ops).
   */
  changes: AttrChange[];
  /** The output shape differs: changed here or upstream. */
  shapeChanged: boolean;
  /** b - a; a missing side counts as 0. */
  delta: { params: number; macs: number; activationBytes: number; exchangeBytesPerBatch: number };
}

export interface TotalChange {
  a: number;
  b: number;
  delta: number;
  /** delta / a in percent; null when a is 0 and b is not. */
  percent: number | null;
}

export interface ModelDiff {
  a: { name: string; source: string };
  b: { name: string; source: string };
  /** Same ops, attributes, training and data (the name and description are labels, not compared). */
  identical: boolean;
  /** seed, input, towers, placement, classes (and name, description). */
  model: ValueChange[];
  summary: { same: number; changed: number; added: number; removed: number };
  layers: LayerRow[];
  /** Connected runs of added and removed ops, with what they read and what reads them. */
  branches: BranchChange[];
  totals: {
    params: TotalChange;
    macs: TotalChange;
    otherOps: TotalChange;
    activationBytesPerBatch: TotalChange;
    exchangeBytesPerBatch: TotalChange;
  };
  batch: { a: number; b: number };
  train: ValueChange[];
  data: ValueChange[];
}

export interface DiffInput {
  plan: Plan;
  /** Where the model came from (a path), for the header. */
  source: string;
  /**
   * The spec's folder, which a relative data path is relative to; absent for
   * a plan. With it, `imagenet` in specs/ and `../imagenet` in specs/variants/
   * compare equal, as they name one folder.
   */
  specDir?: string;
}

/** The input's shape is one value: `input 227x227x3 -> 224x224x3`, not one line per number. */
const ATOMIC_FACTS: ReadonlySet<string> = new Set(['input']);

/** Keys whose change does not make two models different. */
const LABEL_KEYS = new Set(['name', 'description']);

function sides(plan: Plan, report: Report): LayerSide[] {
  const params = paramsByName(plan);
  const ops = plan.ops.filter((op) => op.op !== 'exchange' && op.op !== 'input');
  return ops.map((op: PlanOp, k) => {
    const row: ReportLayer = report.layers[k]!;
    return {
      name: op.name, type: row.type, inputs: row.inputs, outputShape: op.outputShape, params: row.params, macs: row.macs,
      activationBytes: row.activationBytes, exchangeBytesPerBatch: row.exchangeBytesPerBatch, attrs: opAttributes(op, params),
    };
  });
}

const sameShape = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => v === y[i]);

function attrChanges(a: LayerSide, b: LayerSide): AttrChange[] {
  const changes: AttrChange[] = [];
  if (a.type !== b.type) changes.push({ key: 'type', a: a.type, b: b.type });
  for (const key of new Set([...Object.keys(a.attrs), ...Object.keys(b.attrs)])) {
    const x = a.attrs[key] ?? null;
    const y = b.attrs[key] ?? null;
    if (x !== y) changes.push({ key, a: x, b: y });
  }
  return changes;
}

/** How well two differently named ops pair up: same type required, then shape, then attributes. */
function pairCost(x: LayerSide, y: LayerSide): number | undefined {
  if (x.type !== y.type) return undefined;
  return (sameShape(x.outputShape, y.outputShape) ? 0 : 0.5) + (attrChanges(x, y).length === 0 ? 0 : 0.25);
}

/** The change of what an op reads, under the spec's key: `input` for one, `inputs` for a merge. */
function inputsChange(a: LayerSide, b: LayerSide): AttrChange {
  const key = a.inputs.length === 1 && b.inputs.length === 1 ? 'input' : 'inputs';
  return { key, a: a.inputs.join(', '), b: b.inputs.join(', ') };
}

function buildRow(a: LayerSide | null, b: LayerSide | null, rewired: boolean): LayerRow {
  const delta = {
    params: (b?.params ?? 0) - (a?.params ?? 0),
    macs: (b?.macs ?? 0) - (a?.macs ?? 0),
    activationBytes: (b?.activationBytes ?? 0) - (a?.activationBytes ?? 0),
    exchangeBytesPerBatch: (b?.exchangeBytesPerBatch ?? 0) - (a?.exchangeBytesPerBatch ?? 0),
  };
  if (!a || !b) {
    return { status: a ? 'removed' : 'added', name: (a ?? b)!.name, renamedFrom: null, a, b, changes: [], shapeChanged: true, delta };
  }
  const changes = attrChanges(a, b);
  if (rewired) changes.unshift(inputsChange(a, b));
  const shapeChanged = !sameShape(a.outputShape, b.outputShape);
  const renamed = a.name !== b.name;
  const differs = renamed || shapeChanged || changes.length > 0 || Object.values(delta).some((d) => d !== 0);
  return { status: differs ? 'changed' : 'same', name: b.name, renamedFrom: renamed ? a.name : null, a, b, changes, shapeChanged, delta };
}

/**
 * Ops are in topological order, which two graphs can interleave differently
 * (one branch listed before the other): an op that kept its name but moved is
 * still that op. The alignment shows a moved name as removed and added; this
 * pairs them up again, on b's row.
 */
function pairByName(pairs: AlignedPair[], a: readonly LayerSide[], b: readonly LayerSide[]): AlignedPair[] {
  const removedAt = new Map<string, number>();
  for (const p of pairs) if (p.b < 0) removedAt.set(a[p.a]!.name, p.a);
  const moved = new Set<number>();
  const out = pairs.map((p) => {
    if (p.a >= 0) return p;
    const i = removedAt.get(b[p.b]!.name);
    if (i === undefined) return p;
    moved.add(i);
    return { a: i, b: p.b };
  });
  return moved.size === 0 ? out : out.filter((p) => p.b >= 0 || !moved.has(p.a));
}

function total(a: number, b: number): TotalChange {
  const delta = b - a;
  return { a, b, delta, percent: a === 0 ? (b === 0 ? 0 : null) : (delta / a) * 100 };
}

/** The data section with its folder resolved, when the spec's folder is known. */
function placedData(input: DiffInput): Plan['data'] {
  const data = input.plan.data;
  if (!data || input.specDir === undefined) return data;
  // Without a path the runtime reads the spec folder's data/.
  const folder = data.dataset.path ?? 'data';
  const path = isAbsolute(folder) ? folder : relative('.', resolve(input.specDir, folder)) || '.';
  return { ...data, dataset: { ...data.dataset, path } };
}

function modelFacts(plan: Plan) {
  return {
    name: plan.model.name, description: plan.model.description, seed: plan.seed, input: plan.input.shape,
    towers: plan.towers, placement: plan.placement.kind, classes: plan.output.classes,
  };
}

export function diffModels(a: DiffInput, b: DiffInput): ModelDiff {
  const reportA = buildReport(a.plan);
  const reportB = buildReport(b.plan);
  const left = sides(a.plan, reportA);
  const right = sides(b.plan, reportB);
  const pairs = pairByName(alignSequences(left, right, { key: (s) => s.name, pairCost }), left, right);
  const rewired = rewiredRows({ a: left, b: right, pairs });
  const layers = pairs.map((p, k) => buildRow(p.a >= 0 ? left[p.a]! : null, p.b >= 0 ? right[p.b]! : null, rewired[k]!));
  const branches = branchChanges({ a: left, b: right, pairs });

  const summary = { same: 0, changed: 0, added: 0, removed: 0 };
  for (const row of layers) summary[row.status]++;
  const model = deepDiff(modelFacts(a.plan), modelFacts(b.plan), '', [], ATOMIC_FACTS);
  const train = deepDiff(trainAsSpec(a.plan.train), trainAsSpec(b.plan.train));
  // Folders can be compared only when both sides say what they are relative to.
  const placed = a.specDir !== undefined && b.specDir !== undefined;
  const data = placed ? deepDiff(dataAsSpec(placedData(a)), dataAsSpec(placedData(b))) : deepDiff(dataAsSpec(a.plan.data), dataAsSpec(b.plan.data));
  const ta = reportA.totals;
  const tb = reportB.totals;
  const exchange = (t: typeof ta) => t.exchangeBytesPerBatch.forward + t.exchangeBytesPerBatch.backward;
  return {
    a: { name: a.plan.model.name, source: a.source },
    b: { name: b.plan.model.name, source: b.source },
    identical: summary.same === layers.length && train.length === 0 && data.length === 0 && model.every((c) => LABEL_KEYS.has(c.path)),
    model,
    summary,
    layers,
    branches,
    totals: {
      params: total(ta.params, tb.params),
      macs: total(ta.macs, tb.macs),
      otherOps: total(ta.otherOps, tb.otherOps),
      activationBytesPerBatch: total(ta.activationBytesPerBatch, tb.activationBytesPerBatch),
      exchangeBytesPerBatch: total(exchange(ta), exchange(tb)),
    },
    batch: { a: ta.batch, b: tb.batch },
    train,
    data,
  };
}
