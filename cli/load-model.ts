/**
 * Loads a model for the commands that take "a spec or a plan" (report, diff,
 * train): a .json file is read as a plan, anything else is compiled.
 */
import { DiagnosticSink, type Diagnostic } from '../compiler/diagnostics/diagnostic.js';
import { compileSource, type CompileResult } from '../compiler/compile.js';
import { READ_LIMITS, readFailureError, tryReadRegularFile } from '../files/read.js';
import { readPlan } from '../compiler/plan/read-plan.js';
import type { Plan } from '../plan/types.js';
import { staleWarning } from './default-model.js';
import { UsageError } from './exit-codes.js';

export interface LoadedModel {
  plan?: Plan;
  compiled?: CompileResult;
  diagnostics: Diagnostic[];
  /** Printed as warnings: a plan whose spec has changed since it was compiled. */
  warnings: string[];
}

/**
 * A spec's (or plan's) text. A file that is not there is a usage error
 * (exit 2, as a mistyped name); one that is there but cannot be read (a
 * folder, a FIFO, too large, no permission) is an input error (exit 1).
 */
export function readSpecText(path: string): string {
  const what = path.endsWith('.json') ? READ_LIMITS.plan : READ_LIMITS.spec;
  const read = tryReadRegularFile(path, what);
  if ('bytes' in read) return new TextDecoder('utf-8').decode(read.bytes);
  if (read.failure.kind === 'missing') throw new UsageError(`cannot read \`${path}\`: ${read.failure.reason}`);
  throw readFailureError(path, read.failure, what.what);
}

export function loadModel(path: string): LoadedModel {
  const text = readSpecText(path);
  if (path.endsWith('.json')) {
    const sink = new DiagnosticSink();
    const plan = readPlan(path, text, sink);
    const stale = plan ? staleWarning(path, plan) : undefined;
    return { plan, diagnostics: sink.items, warnings: stale ? [stale] : [] };
  }
  const compiled = compileSource(path, text);
  return { plan: compiled.plan, compiled, diagnostics: compiled.diagnostics, warnings: [] };
}
