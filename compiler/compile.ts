/**
 * The compiler driver: runs the passes in their one declared order (PASSES)
 * and returns the plan (when there are no errors) with every diagnostic.
 *
 *   parse (yaml | netc) -> extends -> validate-form -> expand-blocks
 *   -> validate-instances -> normalize -> check-names -> check-hyperparameters
 *   -> check-graph -> infer-shapes -> check-data -> emit-ops -> build-plan
 *
 * Between passes an IR check can run (tinygrad's type_verify): the tests turn
 * it on (NETC_VERIFY_IR=1, vitest.config.ts), and a failed check is netc's
 * bug (NETC9001), never the user's.
 */
import { DiagnosticSink, mergeInstanceDuplicates, sortDiagnostics, type Diagnostic } from './diagnostics/diagnostic.js';
import { isInstanceLayer, type SpecDocument } from './frontend/document.js';
import { parseSpecSource } from './frontend/parse-source.js';
import './dsl/index.js'; // registers the .netc frontend
import { nodeHost, type CompilerHost } from './host.js';
import { LAYER_TYPES } from './ops/index.js';
import { checkData } from './passes/check-data.js';
import { checkGraph, verifyGraph, type LayerGraph } from './passes/check-graph.js';
import { checkHyperparameters } from './passes/check-hyperparameters.js';
import { checkNames } from './passes/check-names.js';
import { expandBlocks } from './passes/expand-blocks.js';
import { inferShapes, verifyShapes, type ShapeIR } from './passes/infer-shapes.js';
import { normalizeSpec } from './passes/normalize.js';
import { validateExpandedLayers, validateForm } from './passes/validate-form.js';
import { buildPlan } from './plan/build-plan.js';
import { emitOps, type EmittedGraph } from './plan/emit-ops.js';
import { checkPlanConsistency } from '../plan/check.js';
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
  /** Check the IR after each pass (default: the NETC_VERIFY_IR environment variable is 1). */
  verifyIR?: boolean;
}

/** What the passes build, stage by stage. */
interface CompileState {
  readonly path: string;
  readonly text: string;
  readonly host: CompilerHost;
  readonly sink: DiagnosticSink;
  document?: SpecDocument;
  spec?: ModelSpec;
  graph?: LayerGraph;
  shapes?: ShapeIR;
  emitted?: EmittedGraph;
  plan?: Plan;
}

export interface Pass {
  readonly name: string;
  /** Runs the pass; false stops the compilation (the passes after it need what it could not give). */
  run(s: CompileState): boolean;
  /** The IR check after it: the problems found (none for a sound IR). */
  verify?(s: CompileState): string[];
}

/** The passes, in their one order. */
export const PASSES: readonly Pass[] = [
  { name: 'parse', run: (s) => (s.document = parseSpecSource(s.path, s.text, s.sink).document) !== undefined },
  { name: 'extends', run: (s) => (s.document = resolveExtends(s.document!, s.host, s.sink)) !== undefined },
  { name: 'validate-form', run: (s) => validateForm(s.document!, s.sink) },
  // Blocks are expanded once the form is known good; their layers' form is checked after.
  {
    name: 'expand-blocks',
    run(s) {
      s.document = expandBlocks(s.document!, s.sink);
      return !s.sink.hasErrors;
    },
    verify: (s) => verifyExpanded(s.document!),
  },
  { name: 'validate-instances', run: (s) => validateExpandedLayers(s.document!, s.sink) },
  { name: 'normalize', run: (s) => (s.spec = normalizeSpec(s.document!, s.sink)) !== undefined },
  { name: 'check-names', run: (s) => (checkNames(s.spec!, s.document!, s.sink), true) },
  { name: 'check-hyperparameters', run: (s) => (checkHyperparameters(s.spec!, s.document!, s.sink), true) },
  { name: 'check-graph', run: (s) => (s.graph = checkGraph(s.spec!, s.document!, s.sink)) !== undefined, verify: (s) => verifyGraph(s.spec!, s.graph!) },
  { name: 'infer-shapes', run: (s) => (s.shapes = inferShapes(s.spec!, s.graph!, s.document!, s.sink)) !== undefined, verify: (s) => verifyShapes(s.spec!, s.graph!, s.shapes!) },
  {
    name: 'check-data',
    run(s) {
      const output = s.graph!.output === null ? null : (s.shapes!.values[s.graph!.output]?.shape ?? null);
      dropTop5WhenMeaningless(s.spec!, s.document!, output);
      checkData(s.spec!, output, s.document!, s.sink);
      // A plan is built only from a spec without errors.
      return !s.sink.hasErrors;
    },
  },
  { name: 'emit-ops', run: (s) => (s.emitted = emitOps(s.spec!, s.graph!, s.shapes!)) !== undefined },
  { name: 'build-plan', run: (s) => (s.plan = buildPlan(s.spec!, s.emitted!)) !== undefined, verify: (s) => checkPlanConsistency(s.plan!) },
];

/** Compiles spec text (YAML or .netc by the path's extension). */
export function compileSource(path: string, text: string, options: CompileOptions = {}): CompileResult {
  const sink = new DiagnosticSink();
  const state: CompileState = { path, text, host: options.host ?? nodeHost, sink };
  const verify = options.verifyIR ?? process.env.NETC_VERIFY_IR === '1';
  try {
    for (const pass of PASSES) {
      const go = pass.run(state);
      const problems = verify && go ? (pass.verify?.(state) ?? []) : [];
      if (problems.length) throw new Error(`the IR after ${pass.name} is unsound: ${problems.slice(0, 5).join('; ')}`);
      if (!go) break;
    }
    const { plan, spec, document } = state;
    return { ...(plan ? { plan } : {}), ...(spec ? { spec } : {}), ...(document ? { document } : {}), diagnostics: sortDiagnostics(mergeInstanceDuplicates(sink.items)) };
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

/** After expansion: every layer is of a layer kind and named (block instances' layers are). */
function verifyExpanded(doc: SpecDocument): string[] {
  const layers = (doc.value as { layers?: unknown[] }).layers ?? [];
  return layers.flatMap((l, k) => {
    const layer = l as { type?: unknown; name?: unknown };
    if (!LAYER_TYPES.includes(String(layer.type))) return [`layer ${k} has type \`${String(layer.type)}\`, no layer kind`];
    if (isInstanceLayer(doc, `/layers/${k}`) && typeof layer.name !== 'string') return [`instance layer ${k} has no name`];
    return [];
  });
}

/** Top-5 error is 0 by definition with 5 classes or fewer; drop it from the default metrics. */
function dropTop5WhenMeaningless(spec: ModelSpec, doc: SpecDocument, output: number[] | null): void {
  if (output && output.length === 1 && output[0]! <= 5 && !doc.spans.has('/train/metrics')) {
    spec.train.metrics = spec.train.metrics.filter((m) => m !== 'top5_error');
  }
}
