/**
 * A variant's `modify`, `insert` and `remove` applied to its base's layers as
 * a graph: every layer reads other layers (`input`/`inputs`, by default the
 * layer before it), and the edits rewire those reads:
 *
 *   - `insert { after: X }`: the new layers read X, and whatever read X reads
 *     the last new layer (new layers that name other inputs and never read X
 *     are a new branch, placed after X, rewiring nothing); `{ before: Y }`: they read what Y read and Y reads
 *     the last one; `{ after: X, before: Y }`: on that one edge only. Several
 *     inserts at one place keep their order.
 *   - `remove: [R]`: whatever read R reads R's input instead (a merge, which
 *     has several, cannot be removed while something reads it).
 *   - `modify: { L: { inputs: [...] } }`: L reads other layers.
 *
 * The result is a layer list again, in an order where every layer reads
 * layers above it, with `input`/`inputs` written only where the layer before
 * is not what a layer reads. Each reference keeps the text that wrote it:
 * the base's, the variant's, or (for a rewired one) the edit that rewired it.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { joinPointer, setOwn, spanAt, type JsonValue, type NodeSpans, type SpecDocument } from '../frontend/document.js';
import { MODEL_INPUT } from '../passes/check-graph.js';
import type { Span } from '../source/source-file.js';
import { didYouMean } from '../text/suggest.js';
import { effectiveLayerNames } from '../spec/layer-names.js';
import { readsOf } from './layer-reads.js';
import { SHAPE_PRESERVING_TYPES } from './override-notes.js';
import { isObject, type InsertEdit, type LayerRef, type ModifyEdit, type VariantEdits } from './variant-form.js';

type Obj = Record<string, JsonValue>;

/** One reference from a layer to what it reads, and the text that wrote it. */
interface Ref {
  to: LayerNode | string; // a string: the model input, or a name that is no layer (check-graph reports it)
  span: Span | undefined;
  /** What this position read in the base (or as the variant wrote it), before any insert: the edge it belongs to. */
  origin: LayerNode | string;
}

interface LayerNode {
  layer: Obj;
  /** Index in the base; -1 for an inserted layer. */
  base: number;
  /** The `input`/`inputs` key the layer writes (`implicit`: neither). */
  form: 'implicit' | 'input' | 'inputs';
  /** null: the keys are malformed and stay as they are, for the later checks to report. */
  reads: Ref[] | null;
  /** Where the keys were written: the document and the pointer of the layer holding them. */
  keysAt: { doc: SpecDocument; pointer: string } | undefined;
  /** An edit changed what this layer reads. */
  rewired: boolean;
  removed: LayerRef | undefined;
  /** A shape-changing edit upstream rewired this layer: the variant text, for "changed by the variant here". */
  note: Span | undefined;
}

/** The layer list after the edits, and where everything went. */
export interface EditedLayers {
  layers: Obj[];
  /** New index of each base layer; -1 when removed. */
  oldToNew: Int32Array;
  /** Modify edits by base index. */
  modifyAt: Map<number, ModifyEdit>;
  /** New index of the first layer of each insert, by its `/insert/<k>` pointer. */
  insertStart: Map<string, number>;
  /** New indices of the layers whose `input`/`inputs` were rewritten: their spans are `inputSpans`, not the written ones. */
  rewritten: Set<number>;
  /** Spans of the rewritten `input`/`inputs` values, by pointer in the merged document. */
  inputSpans: Map<string, NodeSpans>;
  /** Layers a shape-changing edit upstream rewired (new index -> the variant text). */
  notes: Map<number, Span>;
}

/** Whether a layer's output has its input's shape, so adding or removing it changes no shape downstream. */
export const keepsShape = (layer: JsonValue) => isObject(layer) && typeof layer.type === 'string' && SHAPE_PRESERVING_TYPES.has(layer.type);

/** `a`, `[a, b]` for messages. */
const nameList = (names: string[]) => names.map((n) => `\`${n}\``).join(', ');

export function applyLayerEdits(base: SpecDocument, variant: SpecDocument, edits: VariantEdits, sink: DiagnosticSink): EditedLayers | undefined {
  const baseLayers = Array.isArray((base.value as Obj).layers) ? ((base.value as Obj).layers as JsonValue[]) : [];
  const baseNames = effectiveLayerNames(baseLayers);
  const indexOf = new Map<string, number>();
  baseNames.forEach((n, i) => {
    if (n !== undefined && !indexOf.has(n)) indexOf.set(n, i);
  });
  const known = [...indexOf.keys()];
  const before = sink.errorCount;
  const find = (ref: LayerRef): number | undefined => {
    const i = indexOf.get(ref.name);
    if (i !== undefined) return i;
    const hint = didYouMean(ref.name, known);
    sink.report('NETC3503', ref.span, { name: ref.name }, { ...(hint ? { hint } : {}), notes: [`the base is \`${base.path}\``] });
    return undefined;
  };

  const removed = new Map<number, LayerRef>();
  for (const ref of edits.remove) {
    const i = find(ref);
    if (i !== undefined && !removed.has(i)) removed.set(i, ref);
  }
  const modifyAt = new Map<number, ModifyEdit>();
  for (const m of edits.modify) {
    const i = find(m.ref);
    if (i === undefined) continue;
    const gone = removed.get(i);
    if (gone) {
      sink.report('NETC3505', m.ref.span, { name: m.ref.name }, {
        hint: 'drop one of the two: a removed layer has nothing to modify',
        related: gone.span ? [{ span: gone.span, label: 'removed here' }] : [],
      });
      continue;
    }
    modifyAt.set(i, m);
  }
  const anchors = edits.insert.map((e) => ({ after: e.after && find(e.after), before: e.before && find(e.before) }));
  if (sink.errorCount > before) return undefined;

  // The nodes: the base's layers (auto names made explicit, so an insert cannot renumber them), then the inserted ones.
  const nodes: LayerNode[] = baseLayers.map((layer, i) => {
    if (!isObject(layer)) return { layer: layer as unknown as Obj, base: i, form: 'implicit', reads: null, keysAt: undefined, rewired: false, removed: removed.get(i), note: undefined };
    const copy: Obj = layer.name === undefined && baseNames[i] !== undefined ? { name: baseNames[i]!, ...layer } : { ...layer };
    const m = modifyAt.get(i);
    let keysAt = { doc: base, pointer: `/layers/${i}` };
    if (m && (m.attrs.input !== undefined || m.attrs.inputs !== undefined)) {
      // A new `input` replaces the base's `inputs` and the other way round: one layer, one way to say what it reads.
      delete copy.input;
      delete copy.inputs;
      keysAt = { doc: variant, pointer: m.pointer };
    }
    for (const [k, v] of Object.entries(m?.attrs ?? {})) {
      if (v === null) delete copy[k];
      else setOwn(copy, k, v);
    }
    return { layer: copy, base: i, form: 'implicit', reads: [], keysAt, rewired: false, removed: removed.get(i), note: undefined };
  });
  const baseNodes = nodes.slice();
  const insertedAt = new Map<string, LayerNode[]>();
  edits.insert.forEach((e) => {
    insertedAt.set(e.pointer, e.layers.map((layer, m) => {
      const node: LayerNode = { layer: { ...layer }, base: -1, form: 'implicit', reads: [], keysAt: { doc: variant, pointer: `${e.pointer}/layers/${m}` }, rewired: false, removed: undefined, note: undefined };
      nodes.push(node);
      return node;
    }));
  });

  // Names resolve to base layers first (a duplicate is check-names' to report), then to named inserted layers.
  const byName = new Map<string, LayerNode>();
  baseNames.forEach((n, i) => {
    if (n !== undefined && !byName.has(n)) byName.set(n, baseNodes[i]!);
  });
  for (const list of insertedAt.values()) for (const node of list) if (typeof node.layer.name === 'string' && !byName.has(node.layer.name)) byName.set(node.layer.name, node);
  const resolve = (name: string): LayerNode | string => (name === MODEL_INPUT ? name : (byName.get(name) ?? name));

  /** Sets a node's reads from its keys; `previous` is what an implicit read means (undefined: set later). */
  const readKeys = (node: LayerNode, previous: LayerNode | string | undefined) => {
    const reads = readsOf(node.layer);
    if (reads.kind === 'unreadable') {
      node.reads = null;
      return;
    }
    node.form = reads.kind;
    if (reads.kind === 'implicit') {
      // Without a known source the layer keeps reading the layer before it, as written.
      node.reads = previous === undefined ? null : [{ to: previous, span: undefined, origin: previous }];
      return;
    }
    const at = node.keysAt!;
    node.reads = reads.names.map((name, k) => {
      const to = resolve(name);
      const pointer = reads.kind === 'input' ? joinPointer(at.pointer, 'input') : `${joinPointer(at.pointer, 'inputs')}/${k}`;
      return { to, span: spanAt(at.doc, pointer), origin: to };
    });
  };
  baseNodes.forEach((node, i) => {
    if (node.reads !== null) readKeys(node, i === 0 ? MODEL_INPUT : baseNodes[i - 1]!);
  });

  /** Who reads a node: [reader, position]. Entries go stale as references move; `readersOf` filters them. */
  const readers = new Map<LayerNode | string, [LayerNode, number][]>();
  const noteReader = (node: LayerNode, k: number) => {
    const to = node.reads![k]!.to;
    const list = readers.get(to);
    if (list) list.push([node, k]);
    else readers.set(to, [[node, k]]);
  };
  const readersOf = (target: LayerNode): [LayerNode, number][] => (readers.get(target) ?? []).filter(([n, k]) => n.reads?.[k]?.to === target);
  const rewire = (node: LayerNode, k: number, to: LayerNode | string, span: Span | undefined) => {
    node.reads![k] = { ...node.reads![k]!, to, span };
    node.rewired = true;
    noteReader(node, k);
  };
  for (const node of baseNodes) node.reads?.forEach((_, k) => noteReader(node, k));

  // Inserts, in the variant's order. Chains are placed next to their anchor: before Y, or after X.
  const placedBefore = new Map<number, LayerNode[]>();
  const placedAfter = new Map<number, LayerNode[]>();
  /** The end of what was inserted after a base layer so far: the next insert after it goes after that. */
  const afterEnd = new Map<number, LayerNode>();
  edits.insert.forEach((e, n) => {
    const chain = insertedAt.get(e.pointer)!;
    const { after: x, before: y } = anchors[n]!;
    const anchorSpan = (e.before ?? e.after)!.span;
    let source: LayerNode | string | undefined;
    let onEdge: (end: LayerNode) => void;
    if (y !== undefined) {
      const target = baseNodes[y]!;
      const reads = target.reads;
      let k = -1;
      if (reads === null) k = -2; // malformed keys, reported later: insert without rewiring
      else if (x !== undefined) k = reads.findIndex((r) => r.origin === baseNodes[x]);
      else if (reads.length === 1) k = 0;
      if (k === -1) {
        const names = (reads ?? []).map((r) => (typeof r.origin === 'string' ? r.origin : String(r.origin.layer.name)));
        if (x !== undefined) {
          sink.report('NETC3509', e.after!.span, { from: e.after!.name, to: e.before!.name }, { hint: names.length ? `\`${e.before!.name}\` reads ${nameList(names)}` : undefined, notes: [`the base is \`${base.path}\``] });
        } else {
          sink.report('NETC3508', e.before!.span, { name: e.before!.name, inputs: nameList(names) }, { hint: `insert on one edge: \`{ after: ${names[0]}, before: ${e.before!.name}, layers: [...] }\`` });
        }
        return;
      }
      if (chain.length === 0) return; // nothing to insert
      source = k >= 0 ? reads![k]!.to : undefined;
      onEdge = (end) => {
        if (k >= 0) rewire(target, k, end, anchorSpan);
      };
      placedBefore.set(y, [...(placedBefore.get(y) ?? []), ...chain]);
    } else {
      if (chain.length === 0) return;
      const anchor = afterEnd.get(x!) ?? baseNodes[x!]!;
      source = anchor;
      onEdge = (end) => {
        // Only a chain that reads the anchor sits on its edges; one that reads elsewhere is a new branch, placed here.
        if (!chain.some((node) => node.reads?.some((r) => r.to === anchor))) return;
        for (const [reader, k] of readersOf(anchor)) if (!chain.includes(reader)) rewire(reader, k, end, anchorSpan);
      };
      afterEnd.set(x!, chain[chain.length - 1]!);
      placedAfter.set(x!, [...(placedAfter.get(x!) ?? []), ...chain]);
    }
    // Inside the chain, a layer that names nothing reads the one before it; the first reads the edge's source.
    chain.forEach((node, m) => {
      const previous = m === 0 ? source : chain[m - 1]!;
      readKeys(node, previous);
      if (m === 0 && node.form === 'implicit' && node.reads) {
        node.reads = node.reads.map((r) => ({ ...r, span: anchorSpan }));
        node.rewired = true;
      }
      node.reads?.forEach((_, k) => noteReader(node, k));
    });
    onEdge(chain[chain.length - 1]!);
  });
  if (sink.errorCount > before) return undefined;

  // Removals: whatever read a removed layer reads its input (through any run of removed layers).
  const replacement = (node: LayerNode): LayerNode | string | undefined => {
    let at: LayerNode | string = node;
    for (let guard = 0; typeof at !== 'string' && at.removed; guard++) {
      if (!at.reads || at.reads.length !== 1 || guard > nodes.length) return undefined;
      at = at.reads[0]!.to;
    }
    return at;
  };
  const live = nodes.filter((node) => !node.removed);
  for (const node of live) {
    node.reads?.forEach((r, k) => {
      if (typeof r.to === 'string' || !r.to.removed) return;
      const gone = r.to;
      const to = replacement(gone);
      if (to === undefined) {
        const count = gone.reads?.length ?? 0;
        sink.report('NETC3507', gone.removed!.span, { name: gone.removed!.name, reader: String(node.layer.name ?? ''), count }, {
          hint: `say what \`${String(node.layer.name)}\` reads instead: \`modify: { ${String(node.layer.name)}: { input: <layer> } }\`, or remove it too`,
        });
        return;
      }
      rewire(node, k, to, gone.removed!.span);
      if (!keepsShape(gone.layer)) node.note = gone.removed!.span;
    });
  }
  if (sink.errorCount > before) return undefined;

  // The new order: each chain next to its anchor, so every layer reads layers above it.
  const order: LayerNode[] = [];
  const oldToNew = new Int32Array(baseLayers.length).fill(-1);
  baseNodes.forEach((node, i) => {
    order.push(...(placedBefore.get(i) ?? []));
    if (!node.removed) {
      oldToNew[i] = order.length;
      order.push(node);
    }
    order.push(...(placedAfter.get(i) ?? []));
  });
  const insertStart = new Map<string, number>();
  const position = new Map<LayerNode, number>();
  order.forEach((node, j) => position.set(node, j));
  for (const [pointer, chain] of insertedAt) if (chain.length > 0) insertStart.set(pointer, position.get(chain[0]!)!);

  // Write what each layer reads: implicitly where it is the layer before, else by name.
  const names = effectiveLayerNames(order.map((node) => node.layer));
  const nameOf = (to: LayerNode | string) => (typeof to === 'string' ? to : names[position.get(to)!]!);
  const rewritten = new Set<number>();
  const inputSpans = new Map<string, NodeSpans>();
  const notes = new Map<number, Span>();
  order.forEach((node, j) => {
    if (node.note) notes.set(j, node.note);
    const reads = node.reads;
    if (!reads || !node.rewired) return;
    const previous = j === 0 ? MODEL_INPUT : order[j - 1]!;
    const written = node.keysAt ? spanAt(node.keysAt.doc, joinPointer(node.keysAt.pointer, node.form)) : undefined;
    delete node.layer.input;
    delete node.layer.inputs;
    rewritten.add(j);
    if (node.form === 'implicit' && reads.length === 1 && reads[0]!.to === previous) return;
    const at = `/layers/${j}`;
    for (const r of reads) if (typeof r.to !== 'string' && typeof r.to.layer.name !== 'string') r.to.layer.name = nameOf(r.to); // referenced by name: spell it out
    if (node.form === 'inputs' || reads.length !== 1) {
      node.layer.inputs = reads.map((r) => nameOf(r.to));
      const list = written ?? reads.find((r) => r.span)?.span;
      if (list) inputSpans.set(`${at}/inputs`, { value: list });
      reads.forEach((r, k) => {
        if (r.span) inputSpans.set(`${at}/inputs/${k}`, { value: r.span });
      });
    } else {
      node.layer.input = nameOf(reads[0]!.to);
      const span = reads[0]!.span ?? written;
      if (span) inputSpans.set(`${at}/input`, { value: span });
    }
  });

  return { layers: order.map((node) => node.layer), oldToNew, modifyAt, insertStart, rewritten, inputSpans, notes };
}
