/**
 * Which model a command reads when none is named (`netc train`, `netc report`
 * in a folder), and whether a plan is stale: written from a spec that has
 * changed since. A spec compiles in milliseconds, so the spec itself is
 * always preferred to a plan compiled from it, as cargo rebuilds what
 * changed; a plan named explicitly is used, with a warning if its spec moved on.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { compileSource } from '../compiler/compile.js';
import { SPEC_EXTENSIONS } from '../compiler/frontend/parse-source.js';
import { readTextFile } from '../compiler/host.js';
import type { Plan } from '../plan/types.js';
import { UsageError } from './exit-codes.js';
import { findSpecFiles } from './find-specs.js';

const PLAN_SUFFIX = '.plan.json';

/** The plans `netc compile` wrote into build/ here. */
function buildPlans(): string[] {
  if (!existsSync('build')) return [];
  return readdirSync('build')
    .filter((f) => f.endsWith(PLAN_SUFFIX) && !f.startsWith('.'))
    .map((f) => join('build', f))
    .sort();
}

/**
 * The model of this folder: its one spec (or, of several specs, the one
 * whose plan is the one in build/), else the one plan in build/.
 */
export function defaultModelPath(command: string): string {
  const specs = findSpecFiles('.');
  const plans = buildPlans();
  if (specs.length === 1) return specs[0]!;
  if (specs.length > 1) {
    const compiled = plans.length === 1 ? specs.filter((s) => `${basename(s).replace(/\.[^.]+$/, '')}${PLAN_SUFFIX}` === basename(plans[0]!)) : [];
    if (compiled.length === 1) return compiled[0]!;
    throw new UsageError(`several specs here: pass one of ${specs.join(', ')}`);
  }
  if (plans.length === 1) return plans[0]!;
  if (plans.length > 1) throw new UsageError(`several plans in build/: pass one of ${plans.join(', ')}`);
  throw new UsageError(`nothing to ${command}: pass a spec or a plan, or run in a folder that holds a spec`);
}

/**
 * The spec a plan was compiled from by `netc compile`, by the layout it
 * writes (`<dir>/build/<name>.plan.json` from `<dir>/<name>.yaml`), if it is there.
 */
export function specOfPlan(planPath: string): string | undefined {
  if (!planPath.endsWith(PLAN_SUFFIX)) return undefined;
  const name = basename(planPath).slice(0, -PLAN_SUFFIX.length);
  const folder = dirname(dirname(planPath));
  return SPEC_EXTENSIONS.map((e) => join(folder, name + e)).find((p) => existsSync(p));
}

/** A warning when `plan` was compiled from a spec that says something else now; undefined when it is current or has no spec here. */
export function staleWarning(planPath: string, plan: Plan): string | undefined {
  const spec = specOfPlan(planPath);
  if (!spec) return undefined;
  const read = readTextFile(spec);
  if (!('text' in read)) return undefined;
  const fresh = compileSource(spec, read.text).plan;
  // A spec that no longer compiles is stale too: its errors show when it is compiled.
  if (fresh && fresh.model.specHash === plan.model.specHash) return undefined;
  return `\`${planPath}\` is stale: \`${spec}\` has changed since it was compiled; run \`netc compile ${spec}\`, or pass the spec`;
}
