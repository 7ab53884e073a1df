/**
 * Weights to put into an exported model: netc's own initial values (the same draws `netc
 * train` starts from) or a run's checkpoint, by netc parameter name in netc's layouts.
 */
import { join } from 'node:path';
import type { Plan, PlanParam } from '../plan/types.js';
import { initialValues } from '../runtime/model/init-params.js';
import { readCheckpoint, writeCheckpoint } from '../runtime/train/checkpoint.js';
import { ExportError } from './errors.js';

export type WeightSet = Map<string, { shape: number[]; values: Float32Array }>;

export const CHECKPOINT_FILE = 'checkpoint.ckpt';

/** The initial values `netc train` draws for this plan and seed. */
export function initialWeights(plan: Plan, seed = plan.seed): WeightSet {
  const out: WeightSet = new Map();
  plan.params.forEach((p: PlanParam, i) => out.set(p.name, { shape: p.shape, values: initialValues(p, i, seed) }));
  return out;
}

/** The weights of a run directory's checkpoint; refuses a checkpoint of another model or one that lacks a parameter. */
export function checkpointWeights(plan: Plan, runDir: string): WeightSet {
  const ckpt = readCheckpoint(join(runDir, CHECKPOINT_FILE));
  if (ckpt.header.specHash !== plan.model.specHash) throw new ExportError(`${runDir}: the checkpoint belongs to model \`${ckpt.header.model}\`, not to this run's plan`);
  const out: WeightSet = new Map();
  for (const p of plan.params) {
    const t = ckpt.tensors.get(p.name);
    if (!t) throw new ExportError(`${join(runDir, CHECKPOINT_FILE)} has no \`${p.name}\``);
    if (t.values.length !== p.count) throw new ExportError(`${join(runDir, CHECKPOINT_FILE)}: \`${p.name}\` has ${t.values.length} values, the plan needs ${p.count}`);
    out.set(p.name, { shape: p.shape, values: t.values });
  }
  return out;
}

/** Weights alone in netc's checkpoint format (what the generated trainer loads with --init-from). */
export function writeWeightsFile(path: string, plan: Plan, weights: WeightSet): void {
  writeCheckpoint(
    path,
    {
      model: plan.model.name, specHash: plan.model.specHash, step: 0, position: { epoch: 0, batch: 0 },
      optimizer: { type: plan.train.optimizer.type, step: 0 },
      schedule: { lr: plan.train.optimizer.lr, reductions: 0, best: null, badEpochs: 0, cooldownLeft: 0 },
      history: [], epochSums: { loss: 0, top1: 0, count: 0 }, savedAt: new Date().toISOString(),
    },
    plan.params.map((p) => ({ name: p.name, shape: p.shape, values: weights.get(p.name)!.values })),
  );
}
