/** Shared helpers for runtime tests: compile a spec from text, make batches. */
import * as tf from '@tensorflow/tfjs';
import { compileSource } from '../../compiler/compile.js';
import type { Executor, HostBatch } from '../../runtime/exec/executor.js';
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

/** Trains and evaluates 10 steps; returns the live tensor counts after step 2 and after step 10 (equal when nothing leaks). */
export async function tensorCountsOverSteps(ex: Executor, batch: HostBatch): Promise<[number, number]> {
  let after2 = 0;
  for (let s = 1; s <= 10; s++) {
    await ex.trainStep(batch, 0.05, s);
    await ex.evaluate(batch);
    if (s === 2) after2 = tf.memory().numTensors;
  }
  return [after2, tf.memory().numTensors];
}
