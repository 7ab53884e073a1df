/**
 * Compiler speed: AlexNet in-process (cold and warm) and generated specs of
 * 1,000 to 5,000 layers, to show time grows linearly. Prints figures; never
 * fails on a slow machine. Run: node dist/bench/compile.js
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { compileSource } from '../compiler/compile.js';
import { generateYamlSpec } from './generate-spec.js';

function time(fn: () => void, minMs = 300): number {
  fn();
  let runs = 0;
  const t0 = performance.now();
  do {
    fn();
    runs++;
  } while (performance.now() - t0 < minMs);
  return (performance.now() - t0) / runs;
}

const alexnet = readFileSync(new URL('../../specs/alexnet.yaml', import.meta.url), 'utf8');
const t0 = performance.now();
const first = compileSource('alexnet.yaml', alexnet);
const cold = performance.now() - t0;
if (!first.plan) throw new Error('alexnet did not compile');
const warm = time(() => compileSource('alexnet.yaml', alexnet));

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`);
console.log(`alexnet.yaml: first compile ${cold.toFixed(1)} ms (includes schema validator set-up), then ${warm.toFixed(2)} ms per compile`);

const sizes = [1000, 2000, 5000];
const results: { layers: number; ms: number }[] = [];
for (const n of sizes) {
  const text = generateYamlSpec(n);
  const r = compileSource('deep.yaml', text);
  if (!r.plan) throw new Error(`generated ${n}-layer spec did not compile: ${r.diagnostics[0]?.message}`);
  results.push({ layers: n, ms: time(() => compileSource('deep.yaml', text), 1000) });
}
for (const { layers, ms } of results) console.log(`${layers} layers (yaml): ${ms.toFixed(1)} ms, ${((ms / layers) * 1000).toFixed(1)} us/layer`);
const perLayer = results.map((r) => r.ms / r.layers);
console.log(`growth: per-layer cost at 5,000 / at 1,000 = ${(perLayer[2]! / perLayer[0]!).toFixed(2)} (1.0 = linear)`);
