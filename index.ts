/**
 * netc's typed API: everything the CLI does, as functions that return data.
 * The compiler part never loads tfjs; the training API is a separate entry
 * (`netc/runtime`, runtime/index.ts) so embedding the compiler stays light.
 *
 *   import { compileFile, buildReport, renderPretty } from 'netc';
 *   const { plan, diagnostics } = compileFile('specs/alexnet.yaml');
 */
export { compileSource, compileFile, type CompileResult, type CompileOptions } from './compiler/compile.js';
export { nodeHost, memoryHost, type CompilerHost } from './compiler/host.js';
export type { Diagnostic, RelatedSpan } from './compiler/diagnostics/diagnostic.js';
export { hasErrors, sortDiagnostics } from './compiler/diagnostics/diagnostic.js';
export { messages, type DiagnosticCode, type Severity } from './compiler/diagnostics/messages.js';
export { renderPlain, renderPretty, toJsonDiagnostic, renderSummary, type JsonDiagnostic } from './compiler/diagnostics/render.js';
export type { SpecDocument, JsonValue } from './compiler/frontend/document.js';
export type { ModelSpec, LayerSpec } from './compiler/spec/types.js';
export { PLAN_FORMAT, PLAN_VERSION, type Plan, type PlanOp, type PlanParam, type PlanTotals } from './plan/types.js';
export { serializePlan } from './compiler/plan/build-plan.js';
export { readPlan } from './compiler/plan/read-plan.js';
export { specSchema, SPEC_VERSION } from './compiler/schema/spec-schema.js';
export { planSchema } from './compiler/plan/plan-schema.js';
export { buildReport, type Report, type ReportLayer, type ReportTotals } from './compiler/report/report-data.js';
export { renderReportText, renderReportMarkdown } from './compiler/report/render-report.js';
export { renderArchitectureSvg } from './compiler/report/svg/architecture.js';
export { diffModels, type ModelDiff } from './compiler/diff/model-diff.js';
export { renderDiffText, renderDiffMarkdown } from './compiler/diff/render-diff.js';
export { toNetc, toYaml, formatNetc, convertSpec } from './compiler/convert/index.js';
