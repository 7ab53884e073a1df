/** A generic structural diff of JSON-like values: the leaves that differ, by dotted path. */

export interface ValueChange {
  /** Dotted path from the compared section's root ("optimizer.lr", "augment.flip"); '' for the root. */
  path: string;
  /** null where the value is absent on that side. */
  a: unknown;
  b: unknown;
}

const NONE: ReadonlySet<string> = new Set();
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * `atomic`: paths compared as one value (a shape is one thing, not three
 * numbers). A section present on one side only is compared key by key
 * against nothing, so each of its settings is listed as added or removed.
 */
export function deepDiff(a: unknown, b: unknown, path = '', out: ValueChange[] = [], atomic: ReadonlySet<string> = NONE): ValueChange[] {
  if (atomic.has(path)) {
    if (!sameValue(a, b)) out.push({ path, a: a ?? null, b: b ?? null });
    return out;
  }
  if (isPlainObject(a) && (b === null || b === undefined)) return deepDiff(a, {}, path, out, atomic);
  if (isPlainObject(b) && (a === null || a === undefined)) return deepDiff({}, b, path, out, atomic);
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const k of keys) deepDiff(a[k], b[k], path ? `${path}.${k}` : k, out, atomic);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    // Same length: element by element (a changed kernel dim); otherwise the list as a whole.
    a.forEach((x, i) => deepDiff(x, b[i], `${path}[${i}]`, out, atomic));
  } else if (!sameValue(a, b)) {
    out.push({ path, a: a ?? null, b: b ?? null });
  }
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return a === b || (a ?? null) === (b ?? null);
  return JSON.stringify(a) === JSON.stringify(b);
}
