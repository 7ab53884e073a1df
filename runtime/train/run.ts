/**
 * Starting and resuming a training run: backend, run directory, data,
 * executor, signal handling, summary. The CLI's `netc train` is a thin
 * wrapper over startRun.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, rmdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plan } from '../../plan/types.js';
import { NetcError } from '../../compiler/diagnostics/netc-error.js';
import { formatBytes } from '../../files/read.js';
import { BACKEND_MEMORY_LIMITS, estimateTrainingMemory, largestBatchThatFits, type MemoryEstimate } from '../../plan/memory.js';
import { initBackend, type BackendName } from '../backend/select.js';
import type { Executor } from '../exec/executor.js';
import { LocalExecutor } from '../exec/local-executor.js';
import { prepareData } from './data-setup.js';
import { applyOverrides } from './overrides.js';
import type { Reporter } from './events.js';
import { claimDefaultRunDir, claimRunDir, claimRunDirForResume, createRunDir, readRunDir, readStats, RunDirError, updateConfig, writeStats, writeSummary, type RunConfig } from './run-dir.js';
import type { RunLock } from './run-lock.js';
import { CHECKPOINT_FILE, trainLoop, type TrainSummary } from './trainer.js';

export interface RunOptions {
  /** A fresh run: the compiled plan and where it came from. */
  plan?: Plan;
  baseDir?: string;
  /** Or continue the run in this directory. */
  resumeDir?: string;
  runDir?: string;
  /** Start over in a --run-dir that holds a run, deleting its files. */
  overwrite?: boolean;
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

/**
 * What --resume cannot change: the run continues exactly as it started, so
 * a different value would either be ignored (training something other than
 * asked) or make the run a mix of two. NETC5104 names them; a value equal to
 * the run's own is no conflict.
 */
function refuseResumeConflicts(o: RunOptions, plan: Plan, config: RunConfig): void {
  const differs: [string, boolean][] = [
    ['a model', o.plan !== undefined],
    ['--batch', o.batch !== undefined && o.batch !== plan.train.batch],
    ['--lr', o.lr !== undefined && o.lr !== plan.train.optimizer.lr],
    ['--seed', o.seed !== undefined && o.seed !== config.seed],
    ['--data', o.dataPath !== undefined && resolve(o.dataPath) !== (config.dataPath === null ? null : resolve(config.dataPath))],
    ['--train-limit', o.trainLimit !== undefined && o.trainLimit !== config.trainLimit],
    ['--test-limit', o.testLimit !== undefined && o.testLimit !== config.testLimit],
    ['--placement', o.placement !== undefined && o.placement !== config.placement],
    ['--run-dir', o.runDir !== undefined && resolve(o.runDir) !== resolve(o.resumeDir!)],
    ['--overwrite', o.overwrite === true],
  ];
  const given = differs.filter(([, d]) => d).map(([flag]) => flag);
  if (given.length === 0) return;
  const flags = given.join(', ');
  throw new RunDirError(`--resume continues ${o.resumeDir} as it was started: it cannot take ${flags}`, 'NETC5104', {
    usage: true,
    hint: 'drop them (a resumed run may change only --epochs, --devices, --backend and --checkpoint-every), or start a new run with --run-dir',
  });
}

export async function startRun(o: RunOptions): Promise<TrainSummary & { runDir: string }> {
  let plan: Plan;
  let config: RunConfig;
  let runDir: string;
  let lock: RunLock;
  /** A folder this run created: removed again if the run fails before writing anything into it. */
  let created = false;
  const resume = o.resumeDir !== undefined;
  if (resume) {
    runDir = o.resumeDir!;
    ({ plan, config } = readRunDir(runDir));
    refuseResumeConflicts(o, plan, config);
    lock = claimRunDirForResume(runDir);
    if (!existsSync(join(runDir, CHECKPOINT_FILE))) o.reporter({ type: 'message', level: 'warning', text: `${runDir} has no checkpoint yet: starting from the beginning` });
    // A resumed run may train longer, or on another number of devices.
    if (o.epochs !== undefined) plan.train.epochs = o.epochs;
    if (o.devices !== undefined) config.devices = o.devices;
    if (o.backend !== undefined && o.backend !== 'auto') config.backend = o.backend;
    if (o.checkpointEvery !== undefined) config.checkpointEvery = o.checkpointEvery;
  } else {
    if (!o.plan) throw new Error('startRun needs a plan or a run directory to resume');
    plan = applyOverrides(o.plan, o);
    if (o.runDir !== undefined) {
      runDir = o.runDir;
      created = !existsSync(runDir);
      lock = claimRunDir(runDir, o.overwrite ?? false);
    } else {
      ({ dir: runDir, lock } = claimDefaultRunDir(plan.model.name));
      created = true;
    }
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

  try {
    return await runLocked(o, plan, config, runDir, resume);
  } catch (e) {
    lock.release();
    // A run that failed before it wrote anything (missing data, no backend) leaves no empty folder behind.
    if (created) removeIfEmpty(runDir);
    throw e;
  } finally {
    lock.release();
  }
}

/**
 * The memory a step needs on one device (plan/memory.ts), refused up front
 * when it exceeds what the backend can address: on wasm, AlexNet at batch
 * 512 would otherwise die with "memory access out of bounds" after minutes.
 */
function checkMemory(plan: Plan, config: RunConfig, backend: string): MemoryEstimate {
  const options = { batch: plan.train.batch, devices: config.devices, placement: config.placement };
  const m = estimateTrainingMemory(plan, options);
  const limit = BACKEND_MEMORY_LIMITS[backend];
  if (limit === undefined || m.total <= limit) return m;
  const largest = largestBatchThatFits(plan, limit, options);
  const fb = formatBytes;
  throw new NetcError(
    'NETC5402',
    `training \`${plan.model.name}\` at batch ${plan.train.batch} needs about ${fb(m.total)} per device (parameters ${fb(m.params)}, gradients ${fb(m.gradients)}, optimizer ${fb(m.optimizer)}, activations and their gradients ${fb(m.activations)}), more than the ${backend} backend's ${fb(limit)}`,
    {
      specPointer: '/train/batch',
      hint: largest > 0
        ? `the largest batch that fits is about ${largest}: pass --batch ${largest} or less, spread the run over more devices (--devices), or use a backend without this limit (--backend tensorflow)`
        : `even one image does not fit: the parameters alone need ${fb(m.params + m.gradients + m.optimizer)}; use a backend without this limit (--backend tensorflow)`,
    },
  );
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty, or gone: either way nothing to do
  }
}

async function runLocked(o: RunOptions, plan: Plan, config: RunConfig, runDir: string, resume: boolean): Promise<TrainSummary & { runDir: string }> {
  const backend = await initBackend((config.backend as 'auto' | BackendName) ?? 'auto');
  const memory = checkMemory(plan, config, backend.name);
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
      describe: { backend: backend.name, backendReason: backend.reason, placement: config.placement, memoryPerDevice: memory.total, memoryLimit: BACKEND_MEMORY_LIMITS[backend.name] ?? null },
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
