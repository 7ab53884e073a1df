/**
 * Compiler speed: AlexNet in-process (cold and warm), generated specs of
 * 1,000 to 5,000 layers, to show time grows linearly, ResNet-50 (blocks
 * expanded) and a generated 5,000-layer graph with merges. Prints figures; never
 * fails on a slow machine. Times are the best run of each series.
 * Run: node dist/bench/compile.js
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { compileSource } from '../compiler/compile.js';
import { generateGraphSpec, generateYamlSpec } from './generate-spec.js';

/** The best single run (ms) over at least `minMs` of runs: the machine is shared, so the fastest run is the least disturbed one. */
function time(fn: () => void, minMs = 300): number {
  fn();
  let best = Infinity;
  const t0 = performance.now();
  do {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  } while (performance.now() - t0 < minMs);
  return best;
}

/** The best CPU time (ms, this process) of `runs` runs: on a machine shared with other jobs, wall time counts their turns too. */
function cpuTime(fn: () => void, runs = 3): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    fn();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

const alexnet = readFileSync(new URL('../../specs/alexnet.yaml', import.meta.url), 'utf8');
const t0 = performance.now();
const first = compileSource('alexnet.yaml', alexnet);
const cold = performance.now() - t0;
if (!first.plan) throw new Error('alexnet did not compile');
const warm = time(() => compileSource('alexnet.yaml', alexnet));

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`);
console.log(`alexnet.yaml: first compile ${cold.toFixed(1)} ms (includes schema validator set-up), then ${warm.toFixed(2)} ms per compile (best run)`);

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

// Graphs: ResNet-50 (its 16 bottleneck blocks expanded) and a generated 5,000-layer graph with merges.
const resnet50 = readFileSync(new URL('../../specs/resnet50.yaml', import.meta.url), 'utf8');
const r50 = compileSource('resnet50.yaml', resnet50);
if (!r50.plan) throw new Error(`resnet50 did not compile: ${r50.diagnostics[0]?.message}`);
const r50ms = time(() => compileSource('resnet50.yaml', resnet50), 1000);
console.log(`resnet50.yaml (${r50.spec!.layers.length} layers after expanding its blocks, ${r50.plan.ops.length} ops): ${r50ms.toFixed(1)} ms per compile, ${cpuTime(() => compileSource('resnet50.yaml', resnet50), 20).toFixed(1)} ms of CPU`);
const graph = generateGraphSpec(5000);
const g = compileSource('graph.yaml', graph);
if (!g.plan) throw new Error(`the generated graph did not compile: ${g.diagnostics[0]?.message}`);
const merges = g.plan.ops.filter((o) => o.op === 'add' || o.op === 'concat').length;
const gms = time(() => compileSource('graph.yaml', graph), 2000);
const gcpu = cpuTime(() => compileSource('graph.yaml', graph));
console.log(`generated graph, ${g.spec!.layers.length} layers (${merges} merges, ${g.plan.ops.length} ops with exchanges, 2 towers): ${gms.toFixed(0)} ms per compile, ${gcpu.toFixed(0)} ms of CPU (target: under 1 s on an idle machine)`);
