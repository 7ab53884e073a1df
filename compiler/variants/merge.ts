/**
 * Merges a variant onto its (already resolved) base, on the document level:
 * the value, the span of every value (base values keep base spans under
 * re-indexed pointers, the variant's keep the variant's) and the overrides
 * map that lets later errors point back at the variant's change.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { joinPointer, spanAt, type JsonValue, type NodeSpans, type SpecDocument } from '../frontend/document.js';
import type { CompilerHost } from '../host.js';
import type { Span } from '../source/source-file.js';
import { didYouMean } from '../text/suggest.js';
import { effectiveLayerNames } from './layer-names.js';
import { SHAPE_PRESERVING_TYPES } from './override-notes.js';
import { rebaseDataPath } from './rebase-data-path.js';
import { isObject, LAYER_EDIT_KEYS, VARIANT_KEYS, type InsertEdit, type LayerRef, type ModifyEdit, type VariantEdits } from './variant-form.js';

type Obj = Record<string, JsonValue>;

const unescapeSegment = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** First segment of a pointer, unescaped ('' for the root). */
function topKey(pointer: string): string {
  if (pointer === '') return '';
  const cut = pointer.indexOf('/', 1);
  return unescapeSegment(pointer.slice(1, cut < 0 ? undefined : cut));
}

/** Splits `/<seg>/rest` after a known prefix into the segment and the rest (with its leading slash). */
function splitAfter(pointer: string, prefix: string): [string, string] | undefined {
  if (!pointer.startsWith(prefix)) return undefined;
  const rest = pointer.slice(prefix.length);
  const cut = rest.indexOf('/');
  return cut < 0 ? [rest, ''] : [rest.slice(0, cut), rest.slice(cut)];
}

/** The layer list after the edits, and where every base and inserted layer went. */
interface EditedLayers {
  layers: Obj[];
  /** New index of each base layer; -1 when removed. */
  oldToNew: Int32Array;
  /** Modify edits by base index. */
  modifyAt: Map<number, ModifyEdit>;
  /** New index of the first layer of each insert, by its `/insert/<k>` pointer. */
  insertStart: Map<string, number>;
  /** Layers whose input shape may have changed because the layer before them was removed: new index -> the `remove` entry. */
  afterRemoval: Map<number, Span>;
}

export function mergeVariant(base: SpecDocument, variant: SpecDocument, edits: VariantEdits, host: CompilerHost, sink: DiagnosticSink): SpecDocument | undefined {
  const baseRoot = base.value;
  if (!isObject(baseRoot)) {
    sink.report('NETC2002', spanAt(base, ''), { key: 'spec', expected: 'a mapping', found: Array.isArray(baseRoot) ? 'a list' : `\`${JSON.stringify(baseRoot)}\`` }, { hint: `\`${base.path}\` is extended by \`${variant.path}\`` });
    return undefined;
  }
  const variantRoot = variant.value as Obj;
  const replaced = new Set(Object.keys(variantRoot).filter((k) => !VARIANT_KEYS.includes(k)));
  const editKeys = LAYER_EDIT_KEYS.filter((k) => variantRoot[k] !== undefined);

  if (editKeys.length > 0 && replaced.has('layers')) {
    for (const key of editKeys) {
      sink.report('NETC2009', spanAt(variant, `/${key}`, 'key'), { key, detail: "edits the base's layers, but this variant replaces `layers` wholesale" }, { hint: 'edit the new `layers` list directly, or drop it and keep the edits' });
    }
    return undefined;
  }

  const value: Obj = {};
  for (const [k, v] of Object.entries(baseRoot)) if (!VARIANT_KEYS.includes(k)) value[k] = v;
  for (const k of replaced) value[k] = variantRoot[k]!;
  if (!replaced.has('data') && value.data !== undefined) value.data = rebaseDataPath(value.data, base.path, variant.path, host);

  let edited: EditedLayers | undefined;
  if (editKeys.length > 0) {
    edited = applyLayerEdits(base, edits, sink);
    if (!edited) return undefined;
    value.layers = edited.layers;
  }

  const mapBase = (pointer: string): string | undefined => {
    const top = topKey(pointer);
    if (replaced.has(top)) return undefined;
    if (top !== 'layers' || !edited || pointer === '/layers') return pointer;
    const [index, tail] = splitAfter(pointer, '/layers/')!;
    const j = edited.oldToNew[Number(index)] ?? -1;
    if (j < 0) return undefined;
    const attr = tail === '' ? undefined : topKey(tail);
    // A modified attribute's spans come from the variant.
    if (attr !== undefined && edited.modifyAt.get(Number(index))?.attrs[attr] !== undefined) return undefined;
    return `/layers/${j}${tail}`;
  };

  const modifyTarget = new Map<string, number>();
  const insertTarget = new Map<string, number>();
  if (edited) {
    for (const [i, m] of edited.modifyAt) modifyTarget.set(m.pointer, edited.oldToNew[i]!);
    for (const [p, j] of edited.insertStart) insertTarget.set(p, j);
  }
  /** A variant pointer's place in the merged document, if it has one. */
  const mapVariant = (pointer: string): string | undefined => {
    const top = topKey(pointer);
    if (top === 'modify') {
      const [seg, tail] = splitAfter(pointer, '/modify/') ?? ['', ''];
      const j = modifyTarget.get(`/modify/${seg}`);
      if (j === undefined || tail === '') return undefined;
      const attrs = (variantRoot.modify as Obj)[unescapeSegment(seg)] as Obj;
      return attrs[topKey(tail)] === null ? undefined : `/layers/${j}${tail}`;
    }
    if (top === 'insert') {
      const [k, tail] = splitAfter(pointer, '/insert/') ?? ['', ''];
      const start = insertTarget.get(`/insert/${k}`);
      const inLayers = start === undefined ? undefined : splitAfter(tail, '/layers/');
      if (!inLayers) return undefined;
      return `/layers/${start! + Number(inLayers[0])}${inLayers[1]}`;
    }
    return VARIANT_KEYS.includes(top) ? undefined : pointer;
  };

  const spans = new Map<string, NodeSpans>();
  for (const [p, s] of base.spans) {
    const q = mapBase(p);
    if (q !== undefined) spans.set(q, s);
  }
  for (const [p, s] of variant.spans) {
    const q = mapVariant(p);
    if (q !== undefined) spans.set(q, s);
  }

  const overrides = new Map<string, Span>();
  for (const [p, s] of base.overrides ?? []) {
    const q = mapBase(p);
    if (q !== undefined) overrides.set(q, s);
  }
  const note = (pointer: string, span: Span | undefined) => {
    if (span) overrides.set(pointer, span);
  };
  for (const k of replaced) note(joinPointer('', k), spanAt(variant, joinPointer('', k)));
  if (edited) {
    for (const [i, m] of edited.modifyAt) {
      for (const attr of Object.keys(m.attrs)) note(joinPointer(`/layers/${edited.oldToNew[i]}`, attr), spanAt(variant, joinPointer(m.pointer, attr)));
    }
    for (const e of edits.insert) {
      const start = edited.insertStart.get(e.pointer)!;
      e.layers.forEach((layer, m) => {
        if (!keepsShape(layer)) note(`/layers/${start + m}`, spanAt(variant, `${e.pointer}/layers/${m}`));
      });
    }
    for (const [j, s] of edited.afterRemoval) if (!overrides.has(`/layers/${j}`)) note(`/layers/${j}`, s);
  }

  return { path: variant.path, value, spans, overrides };
}

/** Whether a layer's output has its input's shape, so adding or removing it changes no shape downstream. */
const keepsShape = (layer: JsonValue) => isObject(layer) && typeof layer.type === 'string' && SHAPE_PRESERVING_TYPES.has(layer.type);

/** Applies modify, remove and insert to the base's layers; every name refers to a base layer. */
function applyLayerEdits(base: SpecDocument, edits: VariantEdits, sink: DiagnosticSink): EditedLayers | undefined {
  const baseLayers = Array.isArray((base.value as Obj).layers) ? ((base.value as Obj).layers as JsonValue[]) : [];
  const names = effectiveLayerNames(baseLayers);
  const indexOf = new Map<string, number>();
  names.forEach((n, i) => {
    if (n !== undefined && !indexOf.has(n)) indexOf.set(n, i);
  });
  const known = [...indexOf.keys()];
  let ok = true;
  const find = (ref: LayerRef): number | undefined => {
    const i = indexOf.get(ref.name);
    if (i !== undefined) return i;
    ok = false;
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
      ok = false;
      sink.report('NETC3505', m.ref.span, { name: m.ref.name }, {
        hint: 'drop one of the two: a removed layer has nothing to modify',
        related: gone.span ? [{ span: gone.span, label: 'removed here' }] : [],
      });
      continue;
    }
    modifyAt.set(i, m);
  }
  const beforeAt = new Map<number, InsertEdit[]>();
  const afterAt = new Map<number, InsertEdit[]>();
  for (const e of edits.insert) {
    const i = find(e.ref);
    if (i === undefined) continue;
    const at = e.where === 'before' ? beforeAt : afterAt;
    at.set(i, [...(at.get(i) ?? []), e]);
  }
  if (!ok) return undefined;

  const layers: Obj[] = [];
  const oldToNew = new Int32Array(baseLayers.length).fill(-1);
  const insertStart = new Map<string, number>();
  const afterRemoval = new Map<number, Span>();
  let pendingRemoval: Span | undefined;
  const push = (layer: Obj) => {
    if (pendingRemoval) afterRemoval.set(layers.length, pendingRemoval);
    pendingRemoval = undefined;
    layers.push(layer);
  };
  const pushInserts = (list: InsertEdit[] | undefined) => {
    for (const e of list ?? []) {
      insertStart.set(e.pointer, layers.length);
      e.layers.forEach(push);
    }
  };
  baseLayers.forEach((layer, i) => {
    pushInserts(beforeAt.get(i));
    const gone = removed.get(i);
    if (gone) pendingRemoval = keepsShape(layer) ? pendingRemoval : gone.span;
    else if (!isObject(layer)) {
      oldToNew[i] = layers.length;
      push(layer as unknown as Obj); // not a layer: the schema check reports it where the base wrote it
    } else {
      // Auto names become explicit, so inserting a layer cannot renumber the base's layers.
      const copy: Obj = layer.name === undefined && names[i] !== undefined ? { name: names[i]!, ...layer } : { ...layer };
      for (const [k, v] of Object.entries(modifyAt.get(i)?.attrs ?? {})) {
        if (v === null) delete copy[k];
        else copy[k] = v;
      }
      oldToNew[i] = layers.length;
      push(copy);
    }
    pushInserts(afterAt.get(i));
  });
  return { layers, oldToNew, modifyAt, insertStart, afterRemoval };
}

