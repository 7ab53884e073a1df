/** Reads a plan back from JSON text: the runtime's entry point and `netc report plan.json`. */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { createSourceFile } from '../source/source-file.js';
import { validatePlan } from '../schema/generated/validators.js';
import { PLAN_FORMAT, PLAN_VERSION, type Plan } from '../../plan/types.js';
import { checkPlanConsistency } from '../../plan/check.js';
import { upgradePlanV1 } from '../../plan/upgrade.js';

/** Compiled ahead of time from plan-schema.ts (compiler/schema/generate-validators.ts). */
const validator = validatePlan as { (data: unknown): boolean; errors?: ErrorObject[] | null };

export function readPlan(path: string, text: string, sink: DiagnosticSink): Plan | undefined {
  const file = createSourceFile(path, text);
  const whole = { file, start: 0, end: 0 };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    sink.report('NETC4001', whole, { detail: `invalid JSON (${(e as Error).message})` }, { hint: 'recompile the spec with `netc compile`' });
    return undefined;
  }
  const v = value as { format?: unknown; version?: unknown } | null;
  if (!v || typeof v !== 'object' || v.format !== PLAN_FORMAT) {
    sink.report('NETC4001', whole, { detail: `\`format\` is not "${PLAN_FORMAT}"` }, { hint: 'pass a spec (.yaml, .netc) or a plan written by `netc compile`' });
    return undefined;
  }
  if (v.version === 1) {
    // A v1 plan is upgraded, then checked as any v2 plan; one too damaged to upgrade is refused.
    try {
      value = upgradePlanV1(value as Parameters<typeof upgradePlanV1>[0]);
    } catch {
      sink.report('NETC4001', whole, { detail: 'a version 1 plan that cannot be upgraded to version 2' }, { hint: 'recompile the spec with `netc compile`' });
      return undefined;
    }
  } else if (v.version !== PLAN_VERSION) {
    sink.report('NETC4002', whole, { found: String(v.version), supported: PLAN_VERSION }, { hint: 'recompile the spec with this netc' });
    return undefined;
  }
  if (!validator(value)) {
    const e = validator.errors?.[0];
    sink.report('NETC4001', whole, { detail: `${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}` }, { hint: 'the plan was edited or truncated: recompile the spec' });
    return undefined;
  }
  // The schema checks the form; a plan edited by hand can still contradict itself (a kernel that no
  // longer gives the listed shape), and an engine would silently run something else.
  const problems = checkPlanConsistency(value as Plan);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    sink.report('NETC4003', whole, { detail: `${problems[0]}${more}` }, { hint: 'the plan was edited or written by another tool: recompile the spec with `netc compile`' });
    return undefined;
  }
  return value as Plan;
}
