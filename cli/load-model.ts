/**
 * Loads a model for the commands that take "a spec or a plan" (report, diff,
 * train): a .json file is read as a plan, anything else is compiled.
 */
import { DiagnosticSink, type Diagnostic } from '../compiler/diagnostics/diagnostic.js';
import { compileFile, type CompileResult } from '../compiler/compile.js';
import { readTextFile } from '../compiler/host.js';
import { readPlan } from '../compiler/plan/read-plan.js';
import type { Plan } from '../plan/types.js';
import { UsageError } from './exit-codes.js';

export interface LoadedModel {
  plan?: Plan;
  compiled?: CompileResult;
  diagnostics: Diagnostic[];
}

export function loadModel(path: string): LoadedModel {
  const read = readTextFile(path);
  if ('error' in read) throw new UsageError(`cannot read \`${path}\`: ${read.error}`);
  if (path.endsWith('.json')) {
    const sink = new DiagnosticSink();
    const plan = readPlan(path, read.text, sink);
    return { plan, diagnostics: sink.items };
  }
  const compiled = compileFile(path);
  return { plan: compiled.plan, compiled, diagnostics: compiled.diagnostics };
}
