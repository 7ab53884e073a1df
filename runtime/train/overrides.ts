/** Command-line overrides of a plan's training settings; no tfjs here, so every engine's launcher can use it. */
import type { Plan } from '../../plan/types.js';

export interface PlanOverrides {
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
}

/** Applies command-line overrides to a copy of the plan, so the run's plan.json says what really ran. */
export function applyOverrides(plan: Plan, o: PlanOverrides): Plan {
  const p: Plan = JSON.parse(JSON.stringify(plan)) as Plan;
  if (o.epochs !== undefined) p.train.epochs = o.epochs;
  if (o.batch !== undefined) p.train.batch = o.batch;
  if (o.lr !== undefined) p.train.optimizer.lr = o.lr;
  if (o.seed !== undefined) p.seed = o.seed;
  return p;
}
