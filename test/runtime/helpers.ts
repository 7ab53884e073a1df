/** Shared helpers for runtime tests: compile a spec from text, make batches. */
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { compileSource } from '../../compiler/compile.js';
import type { Executor, HostBatch } from '../../runtime/exec/executor.js';
import type { Plan } from '../../plan/types.js';

export function planOf(yaml: string): Plan {
  const r = compileSource('test.yaml', yaml);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (!r.plan || errors.length) throw new Error(`spec does not compile: ${errors.map((d) => d.message).join('; ')}`);
  return r.plan;
}

/** The 64-image Fashion-MNIST fixture. */
export const FMNIST_FIXTURE = resolve('test/fixtures/data/fashion-mnist');

/** A one-epoch conv net on the Fashion-MNIST fixture: the smallest whole training run. */
export const tinyFmnistSpec = (name: string) => `
netc: 1
name: ${name}
seed: 3
input: { shape: [28, 28, 1] }
layers:
  - { name: conv1, type: conv, filters: 4, kernel: 4, stride: 2, pad: 1, act: relu }
  - { name: flatten, type: flatten }
  - { name: out, type: dense, units: 10 }
  - { name: prob, type: softmax }
train:
  batch: 16
  epochs: 1
  optimizer: { type: sgd, lr: 0.01 }
data:
  dataset: { kind: fashion-mnist, path: ${JSON.stringify(FMNIST_FIXTURE)} }
  validation: test
`;

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
/** The train section of a one-layer model compiled with these `train:` lines (indented by two spaces). */
export function trainOf(trainLines: string) {
  return planOf(`
netc: 1
name: t
input: { shape: [3] }
layers:
  - { name: fc, type: dense, units: 2 }
  - { name: prob, type: softmax }
train:
${trainLines}
`).train;
}

/** Whether tfjs-node (which `--backend auto` would take first) is installed here. */
export const hasTfjsNode = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].some((pkg) => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
});
