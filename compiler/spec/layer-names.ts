/**
 * Layer names: a layer's `name`, or the automatic name `<type><n>` (conv1,
 * conv2, ...), numbering each type in order and skipping names the list uses
 * elsewhere. One function for every place that needs them: normalize, the
 * variants (which refer to layers by name) and the block expansion.
 */
import type { JsonValue } from '../frontend/document.js';

type Obj = Record<string, JsonValue>;

const isObject = (v: JsonValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One name per layer; undefined for an entry that is not a layer mapping. */
export function effectiveLayerNames(layers: readonly JsonValue[]): (string | undefined)[] {
  const used = new Set<string>();
  for (const l of layers) if (isObject(l) && typeof l.name === 'string') used.add(l.name);
  const typeCounts = new Map<string, number>();
  return layers.map((l) => {
    if (!isObject(l)) return undefined;
    if (typeof l.name === 'string') return l.name;
    if (typeof l.type !== 'string') return undefined;
    let n = typeCounts.get(l.type) ?? 0;
    let name: string;
    do name = `${l.type}${++n}`;
    while (used.has(name));
    typeCounts.set(l.type, n);
    used.add(name);
    return name;
  });
}
