/**
 * `netc train --engine pytorch`: the run directory netc's own engine would make (plan.json,
 * config.json), the generated package in its pytorch/ folder, then the trainer run with the
 * user's Python, its events shown by netc's own progress display. The trainer writes
 * metrics.jsonl, checkpoint.ckpt (netc's format), data-stats.json and summary.json, so the
 * run directory looks the same whichever engine trained it, and either engine can resume it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plan } from '../../plan/types.js';
import type { CheckpointEvent, EpochMetrics, Reporter, TrainEvent } from '../../runtime/train/events.js';
import { applyOverrides, type PlanOverrides } from '../../runtime/train/overrides.js';
import { claimDefaultRunDir, claimRunDir, claimRunDirForResume, createRunDir, readRunDir, updateConfig, type RunConfig } from '../../runtime/train/run-dir.js';
import type { RunLock } from '../../runtime/train/run-lock.js';
import { EngineError, findPython, launch } from './launch.js';
import { writePytorchPackage } from './package.js';

export interface PytorchRunOptions extends PlanOverrides {
  plan?: Plan;
  baseDir?: string;
  resumeDir?: string;
  runDir?: string;
  /** Start over in a --run-dir that already holds a run (its own files are deleted first). */
  overwrite?: boolean;
  /** Processes on this machine (gloo on CPUs, NCCL on GPUs). */
  devices?: number;
  dataPath?: string;
  trainLimit?: number;
  testLimit?: number;
  checkpointEvery?: number;
  python?: string;
  reporter: Reporter;
}

/** The folder the trainer should read, when netc can tell: --data, the spec's path, or the spec folder's data/. */
function dataFolder(plan: Plan, config: RunConfig): string | null {
  if (config.dataPath) return resolve(config.dataPath);
  const path = plan.data?.dataset.path;
  if (path) return resolve(config.baseDir, path);
  const local = resolve(config.baseDir, 'data');
  return existsSync(local) ? local : null;
}

type PyEvent = Record<string, unknown>;

/** The trainer's JSON events as netc's own training events. */
function toTrainEvent(e: PyEvent, torch: string): TrainEvent | null {
  switch (e.event) {
    case 'start':
      return {
        type: 'start', model: e.model as string, backend: `pytorch ${torch} (${e.device as string})`, backendReason: '--engine pytorch',
        devices: e.world_size as number, placement: 'data', params: e.params as number,
        data: e.data as { source: string; train: number; validation: number; test: number },
        epochs: e.epochs as number, batch: e.batch as number, runDir: e.run_dir as string,
        resumedFrom: e.resumed_from as { epoch: number; batch: number } | null,
        memoryPerDevice: null, // plan/memory.ts measures tfjs, not PyTorch
        memoryLimit: null,
      };
    case 'step':
      return {
        type: 'step', epoch: e.epoch as number, batch: e.batch as number, batches: e.batches as number, loss: e.loss as number,
        lr: e.lr as number, imagesPerSec: e.images_per_sec as number, etaSeconds: e.eta_seconds as number,
      };
    case 'epoch':
      return { type: 'epoch', epochs: e.epochs as number, ...(e.metrics as EpochMetrics) };
    case 'checkpoint':
      return { type: 'checkpoint', path: e.path as string, step: e.step as number, reason: e.reason as CheckpointEvent['reason'] };
    case 'done':
      return { type: 'done', status: e.status as 'finished' | 'interrupted', test: e.test as never, seconds: e.seconds as number, runDir: e.run_dir as string };
    case 'message':
      return { type: 'message', level: e.level === 'warning' ? 'warning' : 'info', text: e.text as string };
    default:
      return null;
  }
}

export async function trainWithPytorch(o: PytorchRunOptions): Promise<{ status: 'finished' | 'interrupted'; runDir: string }> {
  const py = findPython(o.python ?? process.env.NETC_PYTHON);
  let plan: Plan;
  let config: RunConfig;
  let runDir: string;
  // A run directory is owned by one run at a time, whichever engine trains it (run-dir.ts).
  let lock: RunLock;
  if (o.resumeDir !== undefined) {
    runDir = o.resumeDir;
    ({ plan, config } = readRunDir(runDir));
    lock = claimRunDirForResume(runDir);
    if (o.epochs !== undefined) plan.train.epochs = o.epochs;
    if (o.devices !== undefined) config.devices = o.devices;
    config.engine = 'pytorch';
    updateConfig(runDir, config);
  } else {
    if (!o.plan) throw new Error('trainWithPytorch needs a plan or a run directory to resume');
    plan = applyOverrides(o.plan, o);
    if (o.runDir !== undefined) {
      runDir = o.runDir;
      lock = claimRunDir(runDir, o.overwrite ?? false);
    } else ({ dir: runDir, lock } = claimDefaultRunDir(plan.model.name));
    config = {
      engine: 'pytorch', backend: 'pytorch', devices: o.devices ?? 1, placement: 'data', seed: plan.seed, baseDir: o.baseDir ?? '.',
      dataPath: o.dataPath ?? null, trainLimit: o.trainLimit ?? null, testLimit: o.testLimit ?? null, checkpointEvery: o.checkpointEvery ?? 0,
    };
    createRunDir(runDir, plan, config);
  }
  try {
    const pkg = join(runDir, 'pytorch');
    writePytorchPackage(plan, pkg);
    const data = dataFolder(plan, config);
    const args = ['--run-dir', runDir, '--events', '--seed', String(config.seed), '--epochs', String(plan.train.epochs)];
    if (o.resumeDir !== undefined) args.push('--resume');
    if (data) args.push('--data', data);
    if (config.trainLimit) args.push('--train-limit', String(config.trainLimit));
    if (config.testLimit) args.push('--test-limit', String(config.testLimit));
    if (config.checkpointEvery) args.push('--checkpoint-every', String(config.checkpointEvery));

    let failure: string | null = null;
    let status: 'finished' | 'interrupted' = 'finished';
    const result = await launch({
      python: py.python, script: join(pkg, 'train.py'), args, processes: config.devices,
      onEvent(e) {
        if (e.event === 'error') {
          failure = e.text as string;
          return;
        }
        const event = toTrainEvent(e, py.torch);
        if (event?.type === 'done') status = event.status;
        if (event) o.reporter(event);
      },
      onLine: (line) => o.reporter({ type: 'message', level: 'info', text: line }),
    });
    if (failure) throw new EngineError(failure);
    if (result.code === 130) status = 'interrupted';
    else if (result.code !== 0) throw new EngineError(`the PyTorch trainer (${join(pkg, 'train.py')}) exited with status ${result.code}:\n${result.stderr}`);
    return { status, runDir };
  } finally {
    lock.release();
  }
}
