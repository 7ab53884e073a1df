/**
 * The Spec AST shared by both spellings (YAML and .netc): the spec as plain
 * JSON data, plus a map from each value's JSON pointer ("/layers/3/kernel") to
 * its source span. ajv reports errors by the same pointers, so every later
 * diagnostic finds its exact text through this map. Values of a variant spec
 * (`extends`) keep spans into the file that wrote them.
 */
import type { Span } from '../source/source-file.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface NodeSpans {
  /** The value's text. */
  value: Span;
  /** The key's text, where the value is a mapping entry. */
  key?: Span;
}

export interface SpecDocument {
  /** The file the document was read from (the variant, for an extended spec). */
  readonly path: string;
  readonly value: JsonValue;
  readonly spans: Map<string, NodeSpans>;
  /**
   * Set on a variant (`extends`): pointers of the merged document that a
   * variant changed (a modified attribute, a replaced key, an inserted layer,
   * the layer after a removed one; layers that keep their input's shape are
   * left out), each with the variant text that changed it. Lets a later shape
   * error say "changed by the variant here".
   */
  readonly overrides?: Map<string, Span>;
}

/**
 * Sets an own, enumerable property, whatever the key: assignment with a key
 * from the user's text would make `__proto__` change the object's prototype
 * (so `__proto__ { seed 5 }` would set the seed unseen by the schema check).
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: NoInfer<T>): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Escapes one JSON-pointer segment (RFC 6901). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function joinPointer(base: string, key: string | number): string {
  return `${base}/${pointerSegment(key)}`;
}

/**
 * The span for a pointer: the value itself if known, else the closest
 * enclosing value (so an error about a missing key points at its parent).
 */
export function spanAt(doc: Pick<SpecDocument, 'spans'>, pointer: string, prefer: 'value' | 'key' = 'value'): Span | undefined {
  let p = pointer;
  for (;;) {
    const s = doc.spans.get(p);
    if (s) return prefer === 'key' ? (s.key ?? s.value) : s.value;
    if (p === '') return undefined;
    const cut = p.lastIndexOf('/');
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
}

/** Reads the value at a pointer, or undefined. */
export function valueAt(root: JsonValue, pointer: string): JsonValue | undefined {
  if (pointer === '') return root;
  let node: JsonValue | undefined = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (node !== null && typeof node === 'object') node = (node as Record<string, JsonValue>)[key];
    else return undefined;
  }
  return node;
}

/** A layer expanded from a block instance: its text is the block's, reached through a use (the span's `via`). */
export function isInstanceLayer(doc: Pick<SpecDocument, 'spans'>, pointer: string): boolean {
  return (doc.spans.get(pointer)?.value.via?.length ?? 0) > 0;
}
