/** `netc compile [spec ...]`: check specs and write their execution plans. */
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { compileSource } from '../../compiler/compile.js';
import { hasErrors, type Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';
import { formatShort } from '../../compiler/report/format.js';
import { writeFileAtomic } from '../../files/write.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { expandSpecArgs } from '../find-specs.js';
import { readSpecText } from '../load-model.js';
import { printDiagnostics } from '../output.js';

interface CompileFlags {
  output?: string;
  outDir: string;
  json?: boolean;
  check?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('check specs and compile them into execution plans (no argument: the specs in this folder)')
    .argument('[specs...]', 'spec files (.yaml, .yml, .netc) or folders')
    .option('-o, --output <file>', 'plan file to write (one spec only)')
    .option('--out-dir <dir>', 'folder for plans', 'build')
    .option('--check', 'check only: write no plan')
    .option('--json', 'machine-readable output: one JSON object per line')
    .action((specs: string[], flags: CompileFlags) => {
      process.exitCode = runCompile(specs, flags);
    });
}

function runCompile(args: string[], flags: CompileFlags): number {
  const files = expandSpecArgs(args);
  if (files.length === 0) throw new UsageError('no spec files here: pass a .yaml or .netc file, or run in a folder that holds one');
  if (flags.output && files.length > 1) throw new UsageError('-o/--output takes one spec; use --out-dir for several');
  let status: number = ExitCode.Ok;
  for (const file of files) {
    const t0 = performance.now();
    const result = compileSource(file, readSpecText(file));
    const ms = performance.now() - t0;
    printDiagnostics(result.diagnostics, { json: flags.json });
    if (!result.plan || hasErrors(result.diagnostics)) {
      status = result.diagnostics.some((d: Diagnostic) => d.code === 'NETC9001') ? ExitCode.Internal : ExitCode.InputErrors;
      if (flags.json) process.stdout.write(JSON.stringify({ spec: file, ok: false, ms: round(ms) }) + '\n');
      continue;
    }
    const plan = result.plan;
    const out = flags.output ?? join(flags.outDir, `${basename(file, extname(file))}.plan.json`);
    if (!flags.check) writeFileAtomic(out, serializePlan(plan), `choose another plan path with ${flags.output ? '-o' : '--out-dir'}`);
    const t = plan.totals;
    if (flags.json) {
      process.stdout.write(JSON.stringify({ spec: file, ok: true, name: plan.model.name, params: t.params, macs: t.macs, towers: plan.towers, plan: flags.check ? null : out, ms: round(ms) }) + '\n');
    } else {
      const dest = flags.check ? 'checked' : `-> ${out}`;
      process.stdout.write(`${plan.model.name}: ${t.params.toLocaleString('en-US')} params, ${formatShort(t.macs)} mult-adds, ${plan.towers} tower${plan.towers === 1 ? '' : 's'} ${dest} (${round(ms)} ms)\n`);
    }
  }
  return status;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
