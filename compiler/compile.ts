/**
 * The compiler driver: runs the passes in their one declared order and
 * returns the plan (when there are no errors) with every diagnostic.
 *
 *   parse (yaml | netc) -> extends -> validate-form -> expand-blocks (+ the form of
 *   the instances' layers) -> normalize -> check-names
 *   -> check-hyperparameters -> check-graph -> infer-shapes -> check-data -> build-plan
 */
import { DiagnosticSink, mergeInstanceDuplicates, sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.js';
import type { SpecDocument } from './frontend/document.js';
import { parseSpecSource } from './frontend/parse-source.js';
import './dsl/index.js'; // registers the .netc frontend
import { nodeHost, type CompilerHost } from './host.js';
import { checkData } from './passes/check-data.js';
import { checkGraph } from './passes/check-graph.js';
import { checkHyperparameters } from './passes/check-hyperparameters.js';
import { checkNames } from './passes/check-names.js';
import { inferShapes } from './passes/infer-shapes.js';
import { normalizeSpec } from './passes/normalize.js';
import { validateExpandedLayers, validateForm } from './passes/validate-form.js';
import { expandBlocks } from './passes/expand-blocks.js';
import { buildPlan } from './plan/build-plan.js';
import type { Plan } from '../plan/types.js';
import type { ModelSpec } from './spec/types.js';
import { resolveExtends } from './variants/resolve-extends.js';

export interface CompileResult {
  plan?: Plan;
  spec?: ModelSpec;
  document?: SpecDocument;
  diagnostics: Diagnostic[];
}

export interface CompileOptions {
  host?: CompilerHost;
}

/** Compiles spec text (YAML or .netc by the path's extension). */
export function compileSource(path: string, text: string, options: CompileOptions = {}): CompileResult {
  const sink = new DiagnosticSink();
  const host = options.host ?? nodeHost;
  try {
    const result = runPasses(path, text, host, sink);
    return { ...result, diagnostics: sortDiagnostics(mergeInstanceDuplicates(sink.items)) };
  } catch (e) {
    // A thrown exception is netc's bug, never the user's: say so, with what we know.
    sink.report('NETC9001', undefined, { detail: (e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e) }, { hint: 'please report this with the spec that caused it' });
    return { diagnostics: sortDiagnostics(sink.items) };
  }
}

/** Compiles a spec file read through the host (the disk by default). */
export function compileFile(path: string, options: CompileOptions = {}): CompileResult {
  const host = options.host ?? nodeHost;
  const read = host.readFile(path);
  if ('error' in read) {
    const sink = new DiagnosticSink();
    sink.report('NETC1010', undefined, { path, detail: read.error });
    return { diagnostics: sink.items };
  }
  return compileSource(path, read.text, options);
}

function runPasses(path: string, text: string, host: CompilerHost, sink: DiagnosticSink): Omit<CompileResult, 'diagnostics'> {
  const parsed = parseSpecSource(path, text, sink);
  if (!parsed.document) return {};
  const document = resolveExtends(parsed.document, host, sink);
  if (!document) return {};
  if (!validateForm(document, sink)) return { document };
  // Blocks are expanded once the form is known good; their layers' form is checked after.
  const expanded = expandBlocks(document, sink);
  if (sink.hasErrors || !validateExpandedLayers(expanded, sink)) return { document: expanded };
  return runSemanticPasses(expanded, sink);
}

function runSemanticPasses(document: SpecDocument, sink: DiagnosticSink): Omit<CompileResult, 'diagnostics'> {
  const spec = normalizeSpec(document, sink);
  checkNames(spec, document, sink);
  checkHyperparameters(spec, document, sink);
  const graph = checkGraph(spec, document, sink);
  const shapes = inferShapes(spec, graph, document, sink);
  dropTop5WhenMeaningless(spec, document, shapes.outputShape);
  checkData(spec, shapes.outputShape, document, sink);
  if (sink.hasErrors) return { spec, document };
  const plan = buildPlan(spec, shapes);
  return { plan, spec, document };
}

/** Top-5 error is 0 by definition with 5 classes or fewer; drop it from the default metrics. */
function dropTop5WhenMeaningless(spec: ModelSpec, doc: SpecDocument, output: number[] | null): void {
  if (output && output.length === 1 && output[0]! <= 5 && !doc.spans.has('/train/metrics')) {
    spec.train.metrics = spec.train.metrics.filter((m) => m !== 'top5_error');
  }
}
