/**
 * Starting and resuming a training run: backend, run directory, data,
 * executor, signal handling, summary. The CLI's `netc train` is a thin
 * wrapper over startRun.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../plan/types.js';
import { initBackend, type BackendName } from '../backend/select.js';
import type { Executor } from '../exec/executor.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { prepareData } from './data-setup.js';
import { applyOverrides } from './overrides.js';
import type { Reporter } from './events.js';
import { createRunDir, defaultRunDir, readRunDir, readStats, updateConfig, writeStats, writeSummary, type RunConfig } from './run-dir.js';
import { CHECKPOINT_FILE, trainLoop, type TrainSummary } from './trainer.js';

export interface RunOptions {
  /** A fresh run: the compiled plan and where it came from. */
  plan?: Plan;
  baseDir?: string;
  /** Or continue the run in this directory. */
  resumeDir?: string;
  runDir?: string;
  backend?: 'auto' | BackendName;
  devices?: number;
  placement?: 'towers' | 'data';
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  dataPath?: string;
  trainLimit?: number;
  testLimit?: number;
  checkpointEvery?: number;
  /** Data worker threads (default: the cores but one; 0: decode and augment on the training thread). */
  workers?: number;
  reporter: Reporter;
  /** Builds a multi-device executor; absent means one device only. */
  createMultiDevice?: (plan: Plan, config: RunConfig, backend: string) => Promise<Executor>;
}

export { applyOverrides } from './overrides.js';

export async function startRun(o: RunOptions): Promise<TrainSummary & { runDir: string }> {
  let plan: Plan;
  let config: RunConfig;
  let runDir: string;
  const resume = o.resumeDir !== undefined;
  if (resume) {
    runDir = o.resumeDir!;
    ({ plan, config } = readRunDir(runDir));
    if (!existsSync(join(runDir, CHECKPOINT_FILE))) o.reporter({ type: 'message', level: 'warning', text: `${runDir} has no checkpoint yet: starting from the beginning` });
    // A resumed run may train longer, or on another number of devices.
    if (o.epochs !== undefined) plan.train.epochs = o.epochs;
    if (o.devices !== undefined) config.devices = o.devices;
    if (o.backend !== undefined && o.backend !== 'auto') config.backend = o.backend;
  } else {
    if (!o.plan) throw new Error('startRun needs a plan or a run directory to resume');
    plan = applyOverrides(o.plan, o);
    runDir = o.runDir ?? defaultRunDir(plan.model.name);
    config = {
      backend: o.backend ?? 'auto',
      devices: o.devices ?? 1,
      placement: o.placement ?? plan.placement.kind,
      seed: plan.seed,
      baseDir: o.baseDir ?? '.',
      dataPath: o.dataPath ?? null,
      trainLimit: o.trainLimit ?? null,
      testLimit: o.testLimit ?? null,
      checkpointEvery: o.checkpointEvery ?? 0,
    };
  }

  const backend = await initBackend((config.backend as 'auto' | BackendName) ?? 'auto');
  const data = await prepareData(plan, {
    baseDir: config.baseDir,
    ...(config.dataPath ? { dataPath: config.dataPath } : {}),
    ...(config.trainLimit ? { trainLimit: config.trainLimit } : {}),
    ...(config.testLimit ? { testLimit: config.testLimit } : {}),
    seed: config.seed,
    // A resumed run keeps the statistics it started with (a raw image folder would otherwise be decoded again for them).
    stats: resume ? readStats(runDir) : null,
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    onMessage: (level, text) => o.reporter({ type: 'message', level, text }),
  });
  if (resume) updateConfig(runDir, config);
  else createRunDir(runDir, plan, config);
  writeStats(runDir, data.stats);

  const executor = config.devices > 1 && o.createMultiDevice ? await o.createMultiDevice(plan, config, backend.name) : new LocalExecutor(plan, { seed: config.seed, labelSmoothing: plan.train.labelSmoothing });

  // SIGINT/SIGTERM: finish the step in progress, write a checkpoint, stop. A second signal exits at once.
  let stop = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stop) process.exit(130);
    stop = true;
    o.reporter({ type: 'message', level: 'info', text: `${sig}: stopping after this step and saving a checkpoint (send again to quit now)` });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await trainLoop({
      plan, data, executor, runDir, seed: config.seed, reporter: o.reporter, checkpointEvery: config.checkpointEvery,
      resume, stopRequested: () => stop,
      describe: { backend: backend.name, backendReason: backend.reason, placement: config.placement },
    });
    writeSummary(runDir, {
      model: plan.model.name, status: summary.status, backend: backend.name, devices: executor.devices, placement: config.placement,
      epochs: summary.history.length, steps: summary.step, seconds: summary.seconds, test: summary.test, final: summary.history[summary.history.length - 1] ?? null,
      tensors: tf.memory().numTensors,
    });
    return { ...summary, runDir };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await executor.dispose();
    await data.close();
  }
}
