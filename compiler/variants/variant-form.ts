/**
 * The variant's own keys (`modify`, `insert`, `remove`) read into typed edits.
 * They are checked here rather than by the schema, because the schema sees
 * only the merged spec, after these keys have been applied and dropped.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { joinPointer, spanAt, type JsonValue, type SpecDocument } from '../frontend/document.js';
import type { Span } from '../source/source-file.js';
import { didYouMean } from '../text/suggest.js';

type Obj = Record<string, JsonValue>;

/** Keys that describe the variant itself; they never reach the merged spec. */
export const VARIANT_KEYS: readonly string[] = ['extends', 'modify', 'insert', 'remove'];
/** The keys that edit the base's layers by name. */
export const LAYER_EDIT_KEYS: readonly string[] = ['modify', 'insert', 'remove'];

/** A base layer named by the variant, with the text that names it. */
export interface LayerRef {
  name: string;
  span?: Span;
}

export interface ModifyEdit {
  ref: LayerRef;
  /** `/modify/<name>` in the variant document. */
  pointer: string;
  /** Attributes to set; a null value deletes the attribute. */
  attrs: Obj;
}

/**
 * `after` alone: the new layers read that layer, and everything that read it
 * reads the last new layer. `before` alone: the new layers read what that
 * layer read, and it reads the last new one. Both: on that one edge.
 */
export interface InsertEdit {
  after?: LayerRef;
  before?: LayerRef;
  /** `/insert/<k>` in the variant document. */
  pointer: string;
  layers: Obj[];
}

export interface VariantEdits {
  modify: ModifyEdit[];
  insert: InsertEdit[];
  remove: LayerRef[];
}

export const isObject = (v: JsonValue | undefined): v is Obj => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

function describeFound(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null (an empty value)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `\`${JSON.stringify(v)}\``;
}

/** Reads the edits; undefined (with diagnostics) when their form is wrong. */
export function readVariantEdits(doc: SpecDocument, sink: DiagnosticSink): VariantEdits | undefined {
  const root = doc.value as Obj;
  const before = sink.errorCount;
  const wrongType = (pointer: string, key: string, expected: string, value: JsonValue | undefined, hint?: string) =>
    sink.report('NETC2002', spanAt(doc, pointer), { key, expected, found: describeFound(value) }, hint ? { hint } : {});
  const nameRef = (pointer: string, value: JsonValue | undefined, key: string): LayerRef | undefined => {
    if (typeof value === 'string') return { name: value, span: spanAt(doc, pointer) };
    wrongType(pointer, key, 'a layer name', value);
    return undefined;
  };

  const edits: VariantEdits = { modify: [], insert: [], remove: [] };

  if (root.modify !== undefined) {
    if (!isObject(root.modify)) wrongType('/modify', 'modify', 'a mapping from layer names to the attributes to change', root.modify);
    else {
      for (const [name, attrs] of Object.entries(root.modify)) {
        const pointer = joinPointer('/modify', name);
        if (!isObject(attrs)) {
          wrongType(pointer, `modify.${name}`, 'a mapping of the attributes to change', attrs, attrs === null ? `to drop the layer, list it under \`remove\`` : undefined);
          continue;
        }
        edits.modify.push({ ref: { name, span: spanAt(doc, pointer, 'key') }, pointer, attrs });
      }
    }
  }

  if (root.insert !== undefined) {
    if (!Array.isArray(root.insert)) wrongType('/insert', 'insert', 'a list of `{ after: <layer>, layers: [...] }`', root.insert);
    else root.insert.forEach((item, k) => {
      const pointer = `/insert/${k}`;
      const where = `insert[${k}]`;
      if (!isObject(item)) {
        wrongType(pointer, where, 'a mapping `{ after: <layer>, layers: [...] }`', item);
        return;
      }
      for (const key of Object.keys(item)) {
        if (['before', 'after', 'layers'].includes(key)) continue;
        const hint = didYouMean(key, ['before', 'after', 'layers']);
        sink.report('NETC2001', spanAt(doc, joinPointer(pointer, key), 'key'), { key, where: `\`${where}\`` }, hint ? { hint } : {});
      }
      if (item.before === undefined && item.after === undefined) {
        sink.report('NETC2009', spanAt(doc, pointer), { key: where, detail: 'needs `after` or `before`: the layer to insert next to (both: the edge between them)' });
        return;
      }
      const after = item.after === undefined ? undefined : nameRef(`${pointer}/after`, item.after, `${where}.after`);
      const before = item.before === undefined ? undefined : nameRef(`${pointer}/before`, item.before, `${where}.before`);
      const named = (item.after === undefined || after) && (item.before === undefined || before);
      if (item.layers === undefined) {
        sink.report('NETC2003', spanAt(doc, pointer), { where: `\`${where}\``, key: 'layers' }, { hint: 'list the layers to insert, e.g. `layers: [{ type: dropout, p: 0.5 }]`' });
        return;
      }
      if (!Array.isArray(item.layers)) {
        wrongType(`${pointer}/layers`, `${where}.layers`, 'a list of layers', item.layers);
        return;
      }
      const layers: Obj[] = [];
      item.layers.forEach((l, m) => {
        if (isObject(l)) layers.push(l);
        else wrongType(`${pointer}/layers/${m}`, `${where}.layers[${m}]`, 'a layer mapping such as `{ type: relu }`', l);
      });
      if (named && layers.length === item.layers.length) edits.insert.push({ ...(after ? { after } : {}), ...(before ? { before } : {}), pointer, layers });
    });
  }

  if (root.remove !== undefined) {
    if (!Array.isArray(root.remove)) wrongType('/remove', 'remove', 'a list of layer names', root.remove, typeof root.remove === 'string' ? `write \`remove: [${root.remove}]\`` : undefined);
    else root.remove.forEach((name, k) => {
      const ref = nameRef(`/remove/${k}`, name, `remove[${k}]`);
      if (ref) edits.remove.push(ref);
    });
  }

  return sink.errorCount > before ? undefined : edits;
}
