/** `netc eval`: a run's checkpoint on its test data, with centre or ten crops. */
import { join } from 'node:path';
import { initBackend, type BackendName } from '../backend/select.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { readCheckpoint } from './checkpoint.js';
import { stateFromCheckpoint } from './checkpoint-state.js';
import { prepareData } from './data-setup.js';
import { readRunDir, RunDirError } from './run-dir.js';
import { CHECKPOINT_FILE, evaluateDataset } from './trainer.js';

export interface EvalOptions {
  runDir: string;
  dataPath?: string;
  crops?: 1 | 10;
  backend?: 'auto' | BackendName;
  testLimit?: number;
}

export async function evaluateRun(o: EvalOptions) {
  const { plan, config } = readRunDir(o.runDir);
  const ckpt = readCheckpoint(join(o.runDir, CHECKPOINT_FILE));
  if (ckpt.header.specHash !== plan.model.specHash) throw new RunDirError(`${o.runDir}: the checkpoint does not belong to this run's plan`);
  const backend = await initBackend(o.backend ?? 'auto');
  const data = await prepareData(plan, {
    baseDir: config.baseDir,
    ...((o.dataPath ?? config.dataPath) ? { dataPath: (o.dataPath ?? config.dataPath)! } : {}),
    ...(config.trainLimit ? { trainLimit: config.trainLimit } : {}),
    ...(o.testLimit ? { testLimit: o.testLimit } : {}),
    seed: config.seed,
  });
  const executor = new LocalExecutor(plan, { seed: config.seed });
  const { params, optimizerStep } = stateFromCheckpoint(plan, ckpt, join(o.runDir, CHECKPOINT_FILE));
  await executor.setState({ params, slots: [], optimizerStep });
  const ten = o.crops === 10 || (o.crops === undefined && data.tenCrop !== null);
  if (ten && !data.tenCrop) data.tenCrop = { height: plan.input.shape[0]!, width: plan.input.shape[1]! };
  const r = await evaluateDataset(executor, data.test, data, plan.train.batch, plan.output.classes ?? 0, config.seed, ten);
  await executor.dispose();
  return { model: plan.model.name, images: data.test.count, crops: ten ? 'ten crops' : 'centre crop', backend: backend.name, ...r };
}
