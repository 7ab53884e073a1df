/**
 * What each layer of a spec document reads, before normalization: its own
 * `input`/`inputs`, or by default the layer before it (the first layer: the
 * model input). The variant passes need this on the raw document, where
 * check-graph's resolved graph does not exist yet.
 */
import type { JsonValue } from '../frontend/document.js';
import { MODEL_INPUT } from '../passes/check-graph.js';
import { effectiveLayerNames } from '../spec/layer-names.js';

type Obj = Record<string, JsonValue>;

/**
 * `implicit`: the layer names nothing and reads the layer before it.
 * `input`/`inputs`: the names it writes under that key.
 * `unreadable`: a value of the wrong form, or both keys: left for the schema and graph checks to report.
 */
export type LayerReads =
  | { kind: 'implicit' }
  | { kind: 'input' | 'inputs'; names: string[] }
  | { kind: 'unreadable' };

const isObject = (v: JsonValue | undefined): v is Obj => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

export function readsOf(layer: JsonValue | undefined): LayerReads {
  if (!isObject(layer)) return { kind: 'unreadable' };
  const one = layer.input;
  const many = layer.inputs;
  if (one !== undefined && many !== undefined) return { kind: 'unreadable' };
  if (typeof one === 'string') return { kind: 'input', names: [one] };
  if (Array.isArray(many) && many.every((n) => typeof n === 'string')) return { kind: 'inputs', names: many as string[] };
  if (one === undefined && many === undefined) return { kind: 'implicit' };
  return { kind: 'unreadable' };
}

/**
 * Per layer, the indices of the layers it reads (-1: the model input); names
 * that resolve to no layer are left out (check-graph reports them), as is a
 * layer whose reads are unreadable.
 */
export function documentInputs(layers: readonly JsonValue[]): number[][] {
  const names = effectiveLayerNames(layers);
  const byName = new Map<string, number>();
  names.forEach((n, i) => {
    if (n !== undefined && !byName.has(n)) byName.set(n, i);
  });
  return layers.map((layer, i) => {
    const reads = readsOf(layer);
    if (reads.kind === 'implicit') return [i - 1];
    if (reads.kind === 'unreadable') return [];
    return reads.names.flatMap((n) => (n === MODEL_INPUT ? [-1] : byName.has(n) ? [byName.get(n)!] : []));
  });
}
