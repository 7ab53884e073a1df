/** `netc diff <a> <b>`: what changes between two models (specs or plans, any spelling). */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { diffModels, type DiffInput, type ModelDiff } from '../../compiler/diff/model-diff.js';
import type { Plan } from '../../plan/types.js';
import { renderDiffMarkdown, renderDiffText } from '../../compiler/diff/render-diff.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { loadModel } from '../load-model.js';
import { printDiagnostics, printWarnings, useColor } from '../output.js';

const FORMATS = ['text', 'md', 'json'] as const;

export interface DiffFlags {
  format: string;
  exitCode?: boolean;
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compare two models layer by layer: attributes, shapes, params, mult-adds, towers, training')
    .argument('<a>', 'the model before: a spec (.yaml, .netc) or a plan (.json)')
    .argument('<b>', 'the model after')
    .option('-f, --format <format>', `output format: ${FORMATS.join(', ')}`, 'text')
    .option('--json', 'the same as --format json')
    .option('--exit-code', 'exit with 1 when the models differ, as `git diff --exit-code`')
    .action((a: string, b: string, flags: DiffFlags & { json?: boolean }) => {
      if (flags.json && flags.format !== 'text' && flags.format !== 'json') throw new UsageError(`--json and --format ${flags.format} ask for two formats: pass one`);
      if (flags.json) flags.format = 'json';
      process.exitCode = runDiff(a, b, flags);
    });
}

/** Prints the diff; returns the exit status. A missing file throws UsageError (exit 2). */
export function runDiff(pathA: string, pathB: string, flags: DiffFlags): number {
  if (!(FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`unknown format \`${flags.format}\`: use ${FORMATS.join(', ')}`);
  // Both are loaded before either is reported, so a missing second file is not hidden by the first's errors.
  const models = [loadModel(pathA), loadModel(pathB)];
  const json = flags.format === 'json';
  printDiagnostics(models.flatMap((m) => m.diagnostics), { json });
  printWarnings(models.flatMap((m) => m.warnings), { json });
  const [a, b] = models;
  if (!a!.plan || !b!.plan || models.some((m) => hasErrors(m.diagnostics))) return ExitCode.InputErrors;
  const diff = diffModels(diffInput(pathA, a!.plan), diffInput(pathB, b!.plan));
  process.stdout.write(renderDiff(diff, flags.format));
  return flags.exitCode && !diff.identical ? ExitCode.InputErrors : ExitCode.Ok;
}

/** A spec's data path is relative to its folder; a plan's cannot be placed. */
function diffInput(path: string, plan: Plan): DiffInput {
  return path.endsWith('.json') ? { plan, source: path } : { plan, source: path, specDir: dirname(path) };
}

function renderDiff(diff: ModelDiff, format: string): string {
  if (format === 'json') return JSON.stringify(diff, null, 2) + '\n';
  if (format === 'md') return renderDiffMarkdown(diff);
  return renderDiffText(diff, { color: useColor(process.stdout) });
}
