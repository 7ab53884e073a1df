#!/usr/bin/env node
// `npm run mutate -- <target>... [--only=file.ts,...] [--tests=test.ts,...] [stryker flags]`: mutation testing of a folder (targets.mjs), one
// Stryker run per source file, so a long run can be stopped and continued file by file (each file
// keeps its incremental results). Prints each file's and each target's score. Flags such as
// `--force` (redo every mutant) go to Stryker. Reports: reports/mutation/<target>/.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { targets } from './targets.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('-'));
// --only=a.ts,b.ts: only those files of the folder (by path or file name); --tests=a,b: only those
// test files (globs) instead of the target's (a quicker run, whose score is a lower bound); the rest
// go to Stryker.
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = option('only')?.split(',');
const tests = option('tests');
const flags = args.filter((a) => a.startsWith('-') && !a.startsWith('--only=') && !a.startsWith('--tests='));
if (names.length === 0 || names.some((n) => !(n in targets))) {
  console.error(`usage: npm run mutate -- <target>... [stryker flags]; targets: ${Object.keys(targets).join(', ')}`);
  process.exit(2);
}
const stryker = join(ROOT, 'node_modules', '.bin', 'stryker');
const sources = (dir) => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []);

const reportOf = (name, file) => join(ROOT, 'reports', 'mutation', name, `${file.replace(/\.ts$/, '').replace(/\//g, '_')}.json`);
const lines = [];
for (const name of names) {
  const all = sources(targets[name].folder);
  const files = all.filter((f) => !only || only.some((o) => f === o || f.endsWith(`/${o}`)));
  for (const file of files) {
    console.log(`\n== ${name}: ${file}`);
    const r = spawnSync(process.execPath, [stryker, 'run', ...flags], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NETC_MUTATE_TARGET: name, NETC_MUTATE_FILE: file, ...(tests ? { NETC_MUTATE_TESTS: tests } : {}) } });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
  // The folder's score from every file's latest report (files run earlier included).
  const total = {};
  let missing = 0;
  for (const file of all) {
    if (!existsSync(reportOf(name, file))) { missing += 1; continue; }
    const count = tally(JSON.parse(readFileSync(reportOf(name, file), 'utf8')));
    for (const [k, v] of Object.entries(count)) total[k] = (total[k] ?? 0) + v;
    lines.push(`${file}: ${summary(count)}`);
  }
  lines.push(`${name} (${targets[name].folder}${missing ? `, ${missing} of ${all.length} files not run yet` : ''}): ${summary(total)}`);
}
console.log(`\n${lines.join('\n')}`);

function tally(report) {
  const count = {};
  for (const f of Object.values(report.files)) for (const m of f.mutants) count[m.status] = (count[m.status] ?? 0) + 1;
  return count;
}

/** Stryker's mutation score: killed (and timed-out) mutants over all that compiled and were not ignored. */
function summary(c) {
  const detected = (c.Killed ?? 0) + (c.Timeout ?? 0);
  const undetected = (c.Survived ?? 0) + (c.NoCoverage ?? 0);
  const pct = detected + undetected === 0 ? '-' : `${((100 * detected) / (detected + undetected)).toFixed(1)}%`;
  return `${pct} (${detected} killed, ${c.Survived ?? 0} survived, ${c.NoCoverage ?? 0} not covered; ${c.CompileError ?? 0} not compiling, ${c.Ignored ?? 0} static not run)`;
}
