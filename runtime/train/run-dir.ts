/**
 * The run directory: plan, resolved config, metrics, checkpoints, summary.
 * A run owns its directory while it runs (run-lock.ts); a new run starts only
 * in an empty directory (or one whose old run it was told to replace), and
 * default names never collide, even for two runs started in one second.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSink } from '../../compiler/diagnostics/diagnostic.js';
import { renderPlain } from '../../compiler/diagnostics/render.js';
import { readPlan } from '../../compiler/plan/read-plan.js';
import type { Plan } from '../../plan/types.js';
import { errnoOf } from '../../files/errors.js';
import { READ_LIMITS, tryReadRegularFile } from '../../files/read.js';
import { makeDirectory, writeError, writeFileAtomic } from '../../files/write.js';
import { RunDirError } from './run-dir-error.js';
import { LOCK_FILE, lockRunDir, type RunLock } from './run-lock.js';
import { readLabelsFile } from '../data/image-folder.js';
import type { RunDataStats } from './data-setup.js';

export { RunDirError } from './run-dir-error.js';

/** What a run was started with, beyond the plan; stored so --resume continues the same run. */
export interface RunConfig {
  /** Which engine trains the run: netc's own (tfjs, the default when absent) or a generated PyTorch trainer. */
  engine?: 'tfjs' | 'pytorch';
  backend: string;
  devices: number;
  placement: 'towers' | 'data';
  seed: number;
  /** Folder against which the plan's relative data path is resolved. */
  baseDir: string;
  dataPath: string | null;
  trainLimit: number | null;
  testLimit: number | null;
  checkpointEvery: number;
}

/** The files a run writes: what --overwrite removes, and all a run directory may hold. */
const RUN_FILES = ['plan.json', 'config.json', 'metrics.jsonl', 'checkpoint.ckpt', 'best.ckpt', 'summary.json', 'data-stats.json', 'classes.txt', 'curves.svg'];
const isRunFile = (name: string) => RUN_FILES.includes(name) || RUN_FOLDERS.includes(name) || /^kernels-.*\.png$/.test(name) || /\.tmp-\d+$/.test(name) || name.startsWith(`${LOCK_FILE}.`);
/** Folders a run writes: the generated package of a run trained by the PyTorch engine. */
const RUN_FOLDERS = ['pytorch'];

const HINT_WRITE = 'choose another --run-dir';

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Creates and locks a fresh `runs/<model>-<time>` folder. The folder is
 * claimed by creating it (mkdir fails if it exists), so a second run in the
 * same second gets `-2`, a third `-3`.
 */
export function claimDefaultRunDir(model: string, parent = 'runs'): { dir: string; lock: RunLock } {
  makeDirectory(parent, HINT_WRITE);
  const base = join(parent, `${model}-${stamp()}`);
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      mkdirSync(dir);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST') continue;
      throw writeError(dir, e, HINT_WRITE);
    }
    return { dir, lock: lockRunDir(dir) };
  }
}

/** What a folder holds, for deciding whether a new run may start there. */
function describeContents(dir: string): { run: 'none' | 'finished' | 'unfinished'; foreign: string[] } {
  const names = readdirSync(dir).filter((n) => n !== LOCK_FILE);
  const foreign = names.filter((n) => !isRunFile(n));
  if (!names.includes('plan.json') && !names.includes('config.json') && !names.includes('checkpoint.ckpt')) return { run: 'none', foreign: names.filter((n) => !/\.tmp-\d+$/.test(n)) };
  const summary = tryReadRegularFile(join(dir, 'summary.json'), READ_LIMITS.runFile);
  const finished = 'bytes' in summary && /"status":\s*"finished"/.test(summary.bytes.toString('utf8'));
  return { run: finished ? 'finished' : 'unfinished', foreign };
}

/**
 * Creates (if needed) and locks the run directory a new run was given with
 * --run-dir. It must be empty; with `overwrite`, a run's own files are
 * deleted first. Files netc did not write are never deleted.
 */
export function claimRunDir(dir: string, overwrite: boolean): RunLock {
  makeDirectory(dir, HINT_WRITE);
  const lock = lockRunDir(dir);
  try {
    const { run, foreign } = describeContents(dir);
    if (foreign.length > 0) {
      const list = foreign.slice(0, 3).map((n) => `\`${n}\``).join(', ') + (foreign.length > 3 ? `, and ${foreign.length - 3} more` : '');
      throw new RunDirError(`${dir} is not empty and not a netc run directory: it holds ${list}`, 'NETC5102', { hint: 'pass an empty or new folder as --run-dir' });
    }
    if (run !== 'none') {
      if (!overwrite) {
        throw new RunDirError(`${dir} already holds a${run === 'finished' ? ' finished' : 'n unfinished'} run`, 'NETC5102', {
          hint: `continue it with \`netc train --resume ${dir}\`, start it over with --overwrite, or pass another --run-dir`,
        });
      }
      for (const name of readdirSync(dir)) if (name !== LOCK_FILE && isRunFile(name)) rmSync(join(dir, name), { force: true, recursive: RUN_FOLDERS.includes(name) });
    }
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Locks an existing run directory to continue its run. */
export function claimRunDirForResume(dir: string): RunLock {
  return lockRunDir(dir);
}

function writeJson(dir: string, name: string, value: unknown): void {
  writeFileAtomic(join(dir, name), JSON.stringify(value, null, 2) + '\n', HINT_WRITE);
}

export function createRunDir(dir: string, plan: Plan, config: RunConfig): void {
  writeJson(dir, 'plan.json', plan);
  writeJson(dir, 'config.json', config);
}

export function writeSummary(dir: string, summary: unknown): void {
  writeJson(dir, 'summary.json', summary);
}

export const STATS_FILE = 'data-stats.json';
/** The run's classes, one per line in label order: folder name, a tab, readable name (a labels file `data.dataset.labels` reads too). */
export const CLASSES_FILE = 'classes.txt';

/** Keep the data's statistics and classes with the run, so resume, eval and predict need not recompute them. */
export function writeStats(dir: string, stats: RunDataStats): void {
  const { classes, ...rest } = stats;
  writeFileAtomic(join(dir, STATS_FILE), JSON.stringify(rest) + '\n', HINT_WRITE); // one line: a 256x256x3 mean image is 196,608 numbers
  if (classes) writeFileAtomic(join(dir, CLASSES_FILE), classes.folders.map((f, i) => `${f}\t${classes.names[i]}\n`).join(''), HINT_WRITE);
}

/** What writeStats kept, or null for a run directory without it (a run started before it existed). */
export function readStats(dir: string): RunDataStats | null {
  const path = join(dir, STATS_FILE);
  const read = tryReadRegularFile(path, READ_LIMITS.runFile);
  if ('failure' in read) {
    if (read.failure.kind === 'missing') return null;
    throw new RunDirError(`${path}: cannot read it (${read.failure.kind === 'too-large' ? 'too large' : read.failure.reason})`);
  }
  let stats: RunDataStats;
  try {
    stats = JSON.parse(read.bytes.toString('utf8')) as RunDataStats;
  } catch {
    throw new RunDirError(`${path} is not valid JSON`);
  }
  if (existsSync(join(dir, CLASSES_FILE))) stats.classes = readLabelsFile(join(dir, CLASSES_FILE));
  return stats;
}

export function updateConfig(dir: string, config: RunConfig): void {
  writeJson(dir, 'config.json', config);
}

export function readRunDir(dir: string): { plan: Plan; config: RunConfig } {
  const read = (name: string): string => {
    const r = tryReadRegularFile(join(dir, name), READ_LIMITS.runFile);
    if ('failure' in r) {
      const why = r.failure.kind === 'missing' ? `it has no ${name}` : `its ${name} cannot be read (${r.failure.kind === 'too-large' ? 'too large' : r.failure.reason})`;
      throw new RunDirError(`${dir} is not a netc run directory: ${why}`, 'NETC5103', { hint: 'pass the directory `netc train` printed as its run directory' });
    }
    return r.bytes.toString('utf8');
  };
  const sink = new DiagnosticSink();
  const plan = readPlan(join(dir, 'plan.json'), read('plan.json'), sink);
  if (!plan) throw new RunDirError(sink.items.map(renderPlain).join('\n'), 'NETC5103');
  let config: RunConfig;
  try {
    config = JSON.parse(read('config.json')) as RunConfig;
  } catch {
    throw new RunDirError(`${join(dir, 'config.json')} is not valid JSON`, 'NETC5103');
  }
  checkConfig(config, join(dir, 'config.json'));
  return { plan, config };
}

/** A config.json edited into another shape is refused here, not deep inside the run. */
function checkConfig(c: RunConfig, file: string): void {
  const bad = (key: string, want: string): never => {
    throw new RunDirError(`${file}: \`${key}\` must be ${want}`, 'NETC5103', { hint: 'restore the file netc wrote, or start a new run' });
  };
  if (c === null || typeof c !== 'object' || Array.isArray(c)) bad('(the file)', 'a JSON object');
  if (typeof c.backend !== 'string') bad('backend', 'a string');
  if (!Number.isInteger(c.devices) || c.devices < 1) bad('devices', 'an integer >= 1');
  if (c.placement !== 'towers' && c.placement !== 'data') bad('placement', '"towers" or "data"');
  if (!Number.isInteger(c.seed) || c.seed < 0) bad('seed', 'an integer >= 0');
  if (typeof c.baseDir !== 'string') bad('baseDir', 'a string');
  if (c.dataPath !== null && typeof c.dataPath !== 'string') bad('dataPath', 'a string or null');
  for (const k of ['trainLimit', 'testLimit'] as const) if (c[k] !== null && (!Number.isInteger(c[k]) || c[k]! < 1)) bad(k, 'an integer >= 1 or null');
  if (!Number.isInteger(c.checkpointEvery) || c.checkpointEvery < 0) bad('checkpointEvery', 'an integer >= 0');
}
