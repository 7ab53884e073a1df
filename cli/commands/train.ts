/** `netc train [plan|spec]` and `netc eval <run dir>`: thin wrappers over runtime/train. */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { locateInSpec } from '../../compiler/diagnostics/netc-error.js';
import { defaultModelPath } from '../default-model.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { loadModel, type LoadedModel } from '../load-model.js';
import { printDiagnostics, printWarnings } from '../output.js';

interface TrainFlags {
  epochs?: string;
  batch?: string;
  lr?: string;
  seed?: string;
  backend: string;
  data?: string;
  runDir?: string;
  resume?: string;
  overwrite?: boolean;
  devices?: string;
  placement?: string;
  checkpointEvery?: string;
  trainLimit?: string;
  testLimit?: string;
  workers?: string;
  json?: boolean;
  quiet?: boolean;
  engine: string;
  python?: string;
}

const ENGINES = ['tfjs', 'pytorch'];
export const BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

export function parseCount(flag: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer >= ${min}, got \`${v}\``);
  return n;
}

function parsePositive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a positive number, got \`${v}\``);
  return n;
}

/** The model to train, its diagnostics and warnings printed; undefined when it has errors (they say why: exit 1). */
function loadTrainable(path: string, json: boolean | undefined): LoadedModel | undefined {
  const model = loadModel(path);
  printDiagnostics(model.diagnostics, { json });
  printWarnings(model.warnings, { json });
  return !model.plan || hasErrors(model.diagnostics) ? undefined : model;
}

async function loadRuntime() {
  // The runtime (tfjs) loads only for the commands that need it: compile and report stay fast.
  const [run, progress, devices] = await Promise.all([import('../../runtime/train/run.js'), import('../../runtime/train/progress.js'), import('../../runtime/devices/index.js')]);
  return { ...run, ...progress, ...devices };
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a plan (or spec) on TensorFlow.js, with checkpoints and resume')
    .argument('[model]', 'a spec or a plan (.json); default: the spec here (else the one plan in build/), recompiled if it changed')
    .option('--epochs <n>', 'override the number of epochs')
    .option('--batch <n>', 'override the batch size')
    .option('--lr <rate>', 'override the initial learning rate')
    .option('--seed <n>', 'override the seed')
    .option('--backend <name>', `backend: ${BACKENDS.join(', ')}`, 'auto')
    .option('--data <path>', 'folder holding the dataset files')
    .option('--run-dir <dir>', 'run directory, empty or new (default: a new runs/<model>-<time>)')
    .option('--overwrite', 'start over in a --run-dir that holds a run, deleting its files')
    .option('--resume <dir>', 'continue the run in this directory from its checkpoint; it may change only --epochs, --devices, --backend, --checkpoint-every')
    .option('--devices <n>', 'devices (worker threads on CPU backends); default 1')
    .option('--placement <kind>', 'towers or data (default: the plan\'s)')
    .option('--checkpoint-every <steps>', 'also checkpoint every n steps (default: each epoch)')
    .option('--train-limit <n>', 'train on the first n images only (quick runs)')
    .option('--test-limit <n>', 'evaluate on the first n test images only')
    .option('--engine <name>', `${ENGINES.join(' or ')}: netc's own engine, or a generated PyTorch trainer run with your Python`, 'tfjs')
    .option('--python <path>', 'the Python (with PyTorch) for --engine pytorch; default $NETC_PYTHON, python3, /usr/bin/python3')
    .option('--workers <n>', 'data threads that decode and augment (default: the cores but one; 0: on the training thread)')
    .option('--json', 'JSON lines on stdout')
    .option('-q, --quiet', 'no progress output')
    .action(async (modelArg: string | undefined, f: TrainFlags) => {
      if (!ENGINES.includes(f.engine)) throw new UsageError(`unknown engine \`${f.engine}\`: use ${ENGINES.join(' or ')}`);
      if (f.engine === 'pytorch' && f.backend !== 'auto') throw new UsageError('--backend chooses a tfjs backend; --engine pytorch uses a GPU when PyTorch sees one, else the CPU');
      if (f.engine === 'pytorch' && f.placement === 'towers') throw new UsageError('--engine pytorch trains data parallel (DistributedDataParallel); tower placement is tfjs only');
      if (f.python !== undefined && f.engine !== 'pytorch') throw new UsageError('--python is for --engine pytorch');
      if (!BACKENDS.includes(f.backend)) throw new UsageError(`unknown backend \`${f.backend}\`: use ${BACKENDS.join(', ')}`);
      if (f.placement !== undefined && f.placement !== 'towers' && f.placement !== 'data') throw new UsageError('--placement must be towers or data');
      if (f.resume && modelArg) throw new UsageError('--resume continues a run directory: do not pass a model as well');
      if (f.overwrite && !f.runDir) throw new UsageError('--overwrite applies to a --run-dir that holds a run (default run directories are always new)');
      const numbers = {
        epochs: parseCount('epochs', f.epochs),
        batch: parseCount('batch', f.batch),
        lr: parsePositive('lr', f.lr),
        seed: parseCount('seed', f.seed, 0),
        devices: parseCount('devices', f.devices),
        checkpointEvery: parseCount('checkpoint-every', f.checkpointEvery),
        trainLimit: parseCount('train-limit', f.trainLimit),
        testLimit: parseCount('test-limit', f.testLimit),
        workers: parseCount('workers', f.workers, 0),
      };
      if (f.resume && !existsSync(f.resume)) throw new UsageError(`no run directory \`${f.resume}\``);
      const path = f.resume ? undefined : (modelArg ?? defaultModelPath('train'));
      const model = path ? loadTrainable(path, f.json) : undefined;
      if (path && !model) {
        process.exitCode = ExitCode.InputErrors;
        return;
      }
      const plan = model?.plan;
      if (f.engine === 'pytorch') {
        const [{ trainWithPytorch }, { chooseReporter }] = await Promise.all([import('../../export/pytorch/train-run.js'), import('../../runtime/train/progress.js')]);
        const defined = Object.fromEntries(Object.entries(numbers).filter(([, v]) => v !== undefined));
        const r = await trainWithPytorch({
          ...(plan ? { plan, baseDir: path!.endsWith('.json') ? '.' : dirname(path!) } : {}),
          ...(f.resume ? { resumeDir: f.resume } : {}),
          ...(f.runDir ? { runDir: f.runDir } : {}),
          ...(f.overwrite ? { overwrite: true } : {}),
          ...(f.data ? { dataPath: f.data } : {}),
          ...(f.python ? { python: f.python } : {}),
          ...defined,
          reporter: chooseReporter({ json: f.json, quiet: f.quiet }),
        });
        process.exitCode = r.status === 'interrupted' ? ExitCode.Interrupted : ExitCode.Ok;
        return;
      }
      const rt = await loadRuntime();
      const reporter = rt.chooseReporter({ json: f.json, quiet: f.quiet });
      const defined = Object.fromEntries(Object.entries(numbers).filter(([, v]) => v !== undefined));
      let summary: Awaited<ReturnType<typeof rt.startRun>>;
      try {
        summary = await rt.startRun({
          ...(plan ? { plan, baseDir: path!.endsWith('.json') ? '.' : dirname(path!) } : {}),
          ...(f.resume ? { resumeDir: f.resume } : {}),
          ...(f.runDir ? { runDir: f.runDir } : {}),
          ...(f.overwrite ? { overwrite: true } : {}),
          ...(f.data ? { dataPath: f.data } : {}),
          ...(f.placement ? { placement: f.placement as 'towers' | 'data' } : {}),
          backend: f.backend as 'auto',
          ...defined,
          reporter,
          createMultiDevice: rt.createMultiDeviceExecutor,
        });
      } catch (e) {
        // A runtime error about a spec value (the dataset, the classes) points at the spec's line.
        throw locateInSpec(e, model?.compiled?.document);
      }
      process.exitCode = summary.status === 'interrupted' ? ExitCode.Interrupted : ExitCode.Ok;
    });

  program
    .command('eval')
    .description('evaluate a trained run on its test data: loss, top-1 and top-5 error')
    .argument('<run>', 'a run directory (holding plan.json and checkpoint.ckpt)')
    .option('--data <path>', 'an image folder (its val/ or test/ split, or itself a folder of class folders), its prepared shards, or the dataset folder')
    .option('--crops <n>', '1 (centre) or 10 (the paper\'s four corners + centre, mirrored)')
    .option('--backend <name>', `backend: ${BACKENDS.join(', ')}`, 'auto')
    .option('--test-limit <n>', 'evaluate on the first n test images only')
    .option('--workers <n>', 'data threads (default: the cores but one)')
    .option('--best', "evaluate best.ckpt (the epoch with the best validation metric) instead of the run's last checkpoint")
    .option('--json', 'print one JSON object')
    .action(async (runDir: string, f: { data?: string; crops?: string; backend: string; testLimit?: string; workers?: string; best?: boolean; json?: boolean }) => {
      if (f.crops !== undefined && f.crops !== '1' && f.crops !== '10') throw new UsageError('--crops must be 1 or 10');
      if (!BACKENDS.includes(f.backend)) throw new UsageError(`unknown backend \`${f.backend}\``);
      if (!existsSync(runDir)) throw new UsageError(`no run directory \`${runDir}\``);
      const { evaluateRun } = await import('../../runtime/train/evaluate-run.js');
      const r = await evaluateRun({
        runDir,
        ...(f.data ? { dataPath: f.data } : {}),
        ...(f.crops ? { crops: Number(f.crops) as 1 | 10 } : {}),
        backend: f.backend as 'auto',
        ...(f.testLimit ? { testLimit: parseCount('test-limit', f.testLimit)! } : {}),
        ...(f.workers !== undefined ? { workers: parseCount('workers', f.workers, 0)! } : {}),
        best: f.best === true,
      });
      if (f.json) process.stdout.write(JSON.stringify(r) + '\n');
      else {
        const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);
        process.stdout.write(`${r.model} on ${r.images} images of ${r.source} (${r.crops}, backend ${r.backend}): loss ${r.loss.toFixed(4)}, top-1 error ${pct(r.top1_error)}, top-5 error ${pct(r.top5_error)}, accuracy ${pct(1 - r.top1_error)}\n`);
      }
    });
}
