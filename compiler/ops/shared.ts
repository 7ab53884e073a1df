/** Small helpers the op kinds share: reading shorthand values, shape arithmetic, short strings for reports. */
import type { JsonValue } from '../frontend/document.js';
import type { PadSpec, Pair } from '../spec/types.js';
import type { Shape } from '../../plan/types.js';

export const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const showShape = (s: readonly number[]) => s.join('x');

/** `3` or `[3, 5]` -> a pair. */
export const pairOf = (v: JsonValue | undefined, fallback: Pair): Pair =>
  v === undefined ? fallback : Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number];

/** Padding as written: n, [h, w], [top, bottom, left, right], same or valid. */
export function padOf(v: JsonValue | undefined): PadSpec {
  if (v === undefined || v === 'valid') return { kind: 'valid' };
  if (v === 'same') return { kind: 'same' };
  if (typeof v === 'number') return { kind: 'explicit', pads: [v, v, v, v] };
  const a = v as number[];
  if (a.length === 2) return { kind: 'explicit', pads: [a[0]!, a[0]!, a[1]!, a[1]!] };
  return { kind: 'explicit', pads: [a[0]!, a[1]!, a[2]!, a[3]!] };
}

/** A multiplier pair as the spec writes it: one number when weight and bias agree. */
export const multiplierText = (w: number, b: number | undefined) => (b === undefined || b === w ? String(w) : `[${w}, ${b}]`);

export type { Shape };
