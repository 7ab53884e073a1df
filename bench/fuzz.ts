/**
 * The compiler under 10,000 fuzzed specs (bench/spec-fuzz.ts: text and value
 * mutations of YAML chain, graph and .netc seeds), each timed. Prints the
 * number of misbehaving cases (crashes, unpositioned diagnostics, inconsistent
 * plans) and the slowest cases; writes each bad or over-5-s case to
 * fuzz-failures/ for a UI fixture. Exit 1 when any case misbehaved or took over
 * 5 s. Too slow for CI (minutes on a shared 2-core machine): run it by hand,
 *   node dist/bench/fuzz.js [cases=10000] [seed=2026]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fuzzSeeds, misbehaviour, textMutations, valueMutations, type Case } from './spec-fuzz.js';

const LIMIT_MS = 5000;
const total = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 2026);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(seed)) {
  console.error('usage: node dist/bench/fuzz.js [cases] [seed]');
  process.exit(2);
}

const seeds = fuzzSeeds(new URL('../../', import.meta.url));
const half = Math.ceil(total / 2);
const cases: Case[] = [...fc.sample(textMutations(seeds), { numRuns: half, seed }), ...fc.sample(valueMutations(seeds), { numRuns: total - half, seed: seed + 1 })];

const bad: { c: Case; why: string }[] = [];
const times: { ms: number; c: Case }[] = [];
const t0 = performance.now();
for (const [i, c] of cases.entries()) {
  const start = performance.now();
  let why: string | null;
  try {
    why = misbehaviour(c);
  } catch (e) {
    why = `threw: ${(e as Error)?.stack ?? String(e)}`;
  }
  const ms = performance.now() - start;
  times.push({ ms, c });
  if (why) bad.push({ c, why });
  if ((i + 1) % 1000 === 0) process.stderr.write(`${i + 1}/${cases.length}\n`);
}
const seconds = (performance.now() - t0) / 1000;
times.sort((a, b) => b.ms - a.ms);
const slow = times.filter((t) => t.ms > LIMIT_MS);

console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}`);
console.log(`${cases.length} fuzzed specs (seed ${seed}; ${half} text, ${cases.length - half} value mutations of ${seeds.map((s) => s.path).join(', ')}) in ${seconds.toFixed(1)} s`);
console.log(`misbehaving: ${bad.length}; over ${LIMIT_MS / 1000} s: ${slow.length}`);
const median = times[Math.floor(times.length / 2)]!.ms;
console.log(`per case: median ${median.toFixed(1)} ms, slowest ${times.slice(0, 3).map((t) => `${t.ms.toFixed(0)} ms (${t.c.path}, ${t.c.text.length} chars)`).join(', ')}`);
if (bad.length > 0 || slow.length > 0) {
  const dir = 'fuzz-failures';
  mkdirSync(dir, { recursive: true });
  [...bad.map((b) => ({ ...b, kind: 'bad' })), ...slow.map((s) => ({ c: s.c, why: `${s.ms.toFixed(0)} ms`, kind: 'slow' }))].forEach(({ c, why, kind }, i) => {
    writeFileSync(join(dir, `${kind}-${i}${c.path.endsWith('.netc') ? '.netc' : '.yaml'}`), c.text);
    console.log(`  ${kind}-${i}: ${why.split('\n')[0]}`);
  });
  console.log(`cases written to ${dir}/`);
  process.exitCode = 1;
}
