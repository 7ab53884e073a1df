/**
 * `netc eval`: a run's checkpoint on its test data (or on another image
 * folder, --data), with centre or ten crops. Needs only the test split: the
 * mean, colour basis and classes come from the run directory.
 */
import { join } from 'node:path';
import { initBackend, type BackendName } from '../backend/select.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { readCheckpoint } from './checkpoint.js';
import { stateFromCheckpoint } from './checkpoint-state.js';
import { prepareData } from './data-setup.js';
import { checkCheckpointAgainstPlan } from './checkpoint-check.js';
import { readRunDir, readStats } from './run-dir.js';
import { CHECKPOINT_FILE, evaluateDataset } from './trainer.js';
import { BEST_CHECKPOINT_FILE } from './watched-metric.js';

export interface EvalOptions {
  runDir: string;
  /** An image folder (with val/ or test/, or itself a folder of class folders), its prepared shards, or the dataset folder of the run's kind. */
  dataPath?: string;
  crops?: 1 | 10;
  backend?: 'auto' | BackendName;
  testLimit?: number;
  workers?: number;
  /** Evaluate best.ckpt (the best epoch by the watched metric) instead of the last checkpoint. */
  best?: boolean;
}

/** The run's plan, config, statistics and trained executor (shared with predict). */
export async function loadTrainedRun(runDir: string, backendName: 'auto' | BackendName = 'auto', checkpoint = CHECKPOINT_FILE) {
  const { plan, config } = readRunDir(runDir);
  const ckptPath = join(runDir, checkpoint);
  const ckpt = readCheckpoint(ckptPath);
  // Every parameter must be there: a missing one would be evaluated freshly initialised.
  checkCheckpointAgainstPlan(ckpt, plan, ckptPath, { optimizerState: false });
  const stats = readStats(runDir);
  const backend = await initBackend(backendName);
  const executor = new LocalExecutor(plan, { seed: config.seed });
  // Evaluation never updates: the optimizer's slots stay out.
  const { params, optimizerStep } = stateFromCheckpoint(plan, ckpt, ckptPath);
  await executor.setState({ params, slots: [], optimizerStep });
  return { plan, config, stats, backend, executor };
}

export async function evaluateRun(o: EvalOptions) {
  const { plan, config, stats, backend, executor } = await loadTrainedRun(o.runDir, o.backend, o.best ? BEST_CHECKPOINT_FILE : CHECKPOINT_FILE);
  try {
    const data = await prepareData(plan, {
      baseDir: config.baseDir,
      ...((o.dataPath ?? config.dataPath) ? { dataPath: (o.dataPath ?? config.dataPath)! } : {}),
      ...(o.testLimit ? { testLimit: o.testLimit } : {}),
      ...(o.workers !== undefined ? { workers: o.workers } : {}),
      seed: config.seed,
      stats,
      // Without stored statistics (a run from before they were kept), they come from the training split as before.
      testOnly: stats !== null,
    });
    try {
      const ten = o.crops === 10 || (o.crops === undefined && data.tenCrop !== null);
      if (ten && !data.tenCrop) data.tenCrop = { height: plan.input.shape[0]!, width: plan.input.shape[1]! };
      const r = await evaluateDataset(executor, data.test, data, plan.train.batch, plan.output.classes ?? 0, ten);
      return { model: plan.model.name, images: data.test.count, source: data.test.origin, crops: ten ? 'ten crops' : 'centre crop', backend: backend.name, ...r };
    } finally {
      await data.close();
    }
  } finally {
    await executor.dispose();
  }
}
