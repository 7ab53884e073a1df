/**
 * The .netc frontend against the YAML one on the same 5,000-layer spec:
 * parse alone, and parse + every check (compileSource). Prints wall and CPU
 * milliseconds (CPU time is steadier on a shared machine) and the ratio (both
 * run in this process, so a busy machine slows both alike); never fails on a
 * slow machine. Run: node dist/bench/dsl.js [layers]
 */
import { cpus } from 'node:os';
import { compileSource } from '../compiler/compile.js';
import { toNetc } from '../compiler/convert/index.js';
import { DiagnosticSink } from '../compiler/diagnostics/diagnostic.js';
import { parseNetcSpec } from '../compiler/dsl/index.js';
import { parseYamlSpec } from '../compiler/frontend/yaml.js';
import { generateYamlSpec } from './generate-spec.js';

interface Timing {
  /** Wall-clock milliseconds (median of the runs). */
  wall: number;
  /** CPU milliseconds of this process (median): steadier than wall time on a shared machine. */
  cpu: number;
}

/** Medians of several timed runs after one warm-up. */
function time(fn: () => void, runs = 7): Timing {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[runs >> 1]!;
  return { wall: median(wall), cpu: median(cpu) };
}

const layers = Number(process.argv[2] ?? 5000);
const yaml = generateYamlSpec(layers);
const parsed = parseYamlSpec('deep.yaml', yaml, new DiagnosticSink());
if (!parsed.document) throw new Error('the generated YAML spec does not parse');
const netc = toNetc(parsed.document.value);

for (const [path, text] of [['deep.yaml', yaml], ['deep.netc', netc]] as const) {
  const r = compileSource(path, text);
  if (!r.plan) throw new Error(`${path} does not compile: ${r.diagnostics[0]?.message}`);
}

const rows = [
  { what: 'parse', yaml: time(() => parseYamlSpec('deep.yaml', yaml, new DiagnosticSink())), netc: time(() => parseNetcSpec('deep.netc', netc, new DiagnosticSink())) },
  { what: 'parse + check (compileSource)', yaml: time(() => compileSource('deep.yaml', yaml)), netc: time(() => compileSource('deep.netc', netc)) },
];

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`);
console.log(`spec: ${layers} layers; yaml ${(yaml.length / 1024).toFixed(0)} KiB, netc ${(netc.length / 1024).toFixed(0)} KiB`);
const ms = (t: Timing) => `${t.wall.toFixed(1).padStart(7)} ms (cpu ${t.cpu.toFixed(1).padStart(7)})`;
for (const r of rows) {
  console.log(`${r.what.padEnd(30)} yaml ${ms(r.yaml)}   netc ${ms(r.netc)}   netc/yaml ${(r.netc.wall / r.yaml.wall).toFixed(2)}`);
}
