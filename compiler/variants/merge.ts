/**
 * Merges a variant onto its (already resolved) base, on the document level:
 * the value, the span of every value (base values keep base spans under
 * re-indexed pointers, the variant's keep the variant's) and the overrides
 * map that lets later errors point back at the variant's change.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { joinPointer, setOwn, spanAt, type JsonValue, type NodeSpans, type SpecDocument } from '../frontend/document.js';
import type { CompilerHost } from '../host.js';
import type { Span } from '../source/source-file.js';
import { applyLayerEdits, keepsShape, type EditedLayers } from './edit-layers.js';
import { rebaseDataPath } from './rebase-data-path.js';
import { isObject, LAYER_EDIT_KEYS, VARIANT_KEYS, type VariantEdits } from './variant-form.js';

type Obj = Record<string, JsonValue>;

/** The keys that say what a layer reads: a variant that sets one replaces the other. */
const INPUT_KEYS: ReadonlySet<string> = new Set(['input', 'inputs']);

/** Whether a modify entry sets (or deletes) an attribute; setting `input` also replaces `inputs`, and back. */
function modifies(attrs: Obj | undefined, attr: string): boolean {
  if (!attrs) return false;
  if (INPUT_KEYS.has(attr)) return attrs.input !== undefined || attrs.inputs !== undefined;
  return attrs[attr] !== undefined;
}

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
  for (const [k, v] of Object.entries(baseRoot)) if (!VARIANT_KEYS.includes(k)) setOwn(value, k, v);
  for (const k of replaced) setOwn(value, k, variantRoot[k]!);
  if (!replaced.has('data') && value.data !== undefined) value.data = rebaseDataPath(value.data, base.path, variant.path, host);

  let edited: EditedLayers | undefined;
  if (editKeys.length > 0) {
    edited = applyLayerEdits(base, variant, edits, sink);
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
    // A modified attribute's spans come from the variant, rewired inputs' from the edit that rewired them.
    if (attr !== undefined && modifies(edited.modifyAt.get(Number(index))?.attrs, attr)) return undefined;
    if (attr !== undefined && INPUT_KEYS.has(attr) && edited.rewritten.has(j)) return undefined;
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
      const attr = topKey(tail);
      if (attrs[attr] === null || (INPUT_KEYS.has(attr) && edited!.rewritten.has(j))) return undefined;
      return `/layers/${j}${tail}`;
    }
    if (top === 'insert') {
      const [k, tail] = splitAfter(pointer, '/insert/') ?? ['', ''];
      const start = insertTarget.get(`/insert/${k}`);
      const inLayers = start === undefined ? undefined : splitAfter(tail, '/layers/');
      if (!inLayers) return undefined;
      const j = start! + Number(inLayers[0]);
      if (INPUT_KEYS.has(topKey(inLayers[1])) && edited!.rewritten.has(j)) return undefined;
      return `/layers/${j}${inLayers[1]}`;
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
  for (const [p, s] of edited?.inputSpans ?? []) spans.set(p, s);

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
    for (const [j, s] of edited.notes) if (!overrides.has(`/layers/${j}`)) note(`/layers/${j}`, s);
  }

  return { path: variant.path, value, spans, overrides };
}
