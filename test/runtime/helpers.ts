/** Shared helpers for runtime tests: compile a spec from text, make batches. */
import { compileSource } from '../../compiler/compile.js';
import type { Plan } from '../../plan/types.js';

export function planOf(yaml: string): Plan {
  const r = compileSource('test.yaml', yaml);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.plan || errors.length) throw new Error(`spec does not compile: ${errors.map((d) => d.message).join('; ')}`);
  return r.plan;
}

/** A deterministic pseudo-random array (not netc's generator: tests stay independent of it). */
export function pseudoRandom(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}
