/**
 * `netc diff` speed on long, mostly equal models: two generated 5,000-layer
 * specs that differ by a widened conv, a removed block, an inserted layer and
 * a renamed one. Times the diff alone (both plans compiled beforehand).
 * Prints figures; never fails on a slow machine. Run: node dist/bench/diff.js
 */
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { compileSource } from '../compiler/compile.js';
import { diffModels } from '../compiler/diff/model-diff.js';
import type { Plan } from '../plan/types.js';
import { generateYamlSpec } from './generate-spec.js';

/** A generated spec and a copy with a few edits spread along it. */
export function longSpecPair(layers: number): { a: string; b: string } {
  const a = generateYamlSpec(layers, 'deep');
  const lines = a.split('\n');
  const first = lines.findIndex((l) => l.startsWith('  - '));
  // Body lines come in blocks of four (conv, lrn, maxpool, dropout); pick block starts.
  const at = (fraction: number) => first + 4 * Math.floor(((lines.length - first - 4) * fraction) / 4);
  const widened = at(0.25);
  lines[widened] = lines[widened]!.replace('filters: 16', 'filters: 32');
  const renamed = at(0.6) + 1;
  lines[renamed] = lines[renamed]!.replace(/name: norm(\d+)/, 'name: lrn$1');
  lines.splice(at(0.75), 0, `  - { name: extra_relu, type: relu }`);
  lines.splice(at(0.5), 4); // a whole conv, lrn, pool, dropout block
  return { a, b: lines.join('\n').replace('name: deep', 'name: deep-b') };
}

export function compileOrThrow(path: string, text: string): Plan {
  const r = compileSource(path, text);
  if (!r.plan) throw new Error(`${path} did not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.plan;
}

function main(): void {
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`);
  for (const layers of [1000, 5000, 20000]) {
    const pair = longSpecPair(layers);
    const a = { plan: compileOrThrow('a.yaml', pair.a), source: 'a.yaml' };
    const b = { plan: compileOrThrow('b.yaml', pair.b), source: 'b.yaml' };
    const first = performance.now();
    const diff = diffModels(a, b);
    const cold = performance.now() - first;
    let runs = 0;
    const t0 = performance.now();
    do {
      diffModels(a, b);
      runs++;
    } while (performance.now() - t0 < 500);
    const warm = (performance.now() - t0) / runs;
    const s = diff.summary;
    console.log(
      `${layers} layers: diff ${cold.toFixed(1)} ms first, ${warm.toFixed(1)} ms warm ` +
        `(${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.same} unchanged)`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
