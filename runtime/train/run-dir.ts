/** The run directory: plan, resolved config, metrics, checkpoint, summary. */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSink } from '../../compiler/diagnostics/diagnostic.js';
import { renderPlain } from '../../compiler/diagnostics/render.js';
import { readPlan } from '../../compiler/plan/read-plan.js';
import type { Plan } from '../../plan/types.js';
import { readLabelsFile } from '../data/image-folder.js';
import type { RunDataStats } from './data-setup.js';

export class RunDirError extends Error {}

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

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function defaultRunDir(model: string): string {
  return join('runs', `${model}-${stamp()}`);
}

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export function createRunDir(dir: string, plan: Plan, config: RunConfig): void {
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, 'plan.json'), plan);
  writeJsonAtomic(join(dir, 'config.json'), config);
}

export function writeSummary(dir: string, summary: unknown): void {
  writeJsonAtomic(join(dir, 'summary.json'), summary);
}

export const STATS_FILE = 'data-stats.json';
/** The run's classes, one per line in label order: folder name, a tab, readable name (a labels file `data.dataset.labels` reads too). */
export const CLASSES_FILE = 'classes.txt';

/** Keep the data's statistics and classes with the run, so resume, eval and predict need not recompute them. */
export function writeStats(dir: string, stats: RunDataStats): void {
  const { classes, ...rest } = stats;
  const tmp = join(dir, `${STATS_FILE}.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(rest) + '\n'); // one line: a 256x256x3 mean image is 196,608 numbers
  renameSync(tmp, join(dir, STATS_FILE));
  if (classes) {
    const tmp = join(dir, `${CLASSES_FILE}.tmp-${process.pid}`);
    writeFileSync(tmp, classes.folders.map((f, i) => `${f}\t${classes.names[i]}\n`).join(''));
    renameSync(tmp, join(dir, CLASSES_FILE));
  }
}

/** What writeStats kept, or null for a run directory without it (a run started before it existed). */
export function readStats(dir: string): RunDataStats | null {
  let stats: RunDataStats;
  try {
    stats = JSON.parse(readFileSync(join(dir, STATS_FILE), 'utf8')) as RunDataStats;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RunDirError(`${join(dir, STATS_FILE)} is not valid JSON`);
  }
  if (existsSync(join(dir, CLASSES_FILE))) stats.classes = readLabelsFile(join(dir, CLASSES_FILE));
  return stats;
}

export function updateConfig(dir: string, config: RunConfig): void {
  writeJsonAtomic(join(dir, 'config.json'), config);
}

export function readRunDir(dir: string): { plan: Plan; config: RunConfig } {
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      throw new RunDirError(`${dir} is not a netc run directory: it has no readable ${name}`);
    }
  };
  const sink = new DiagnosticSink();
  const plan = readPlan(join(dir, 'plan.json'), read('plan.json'), sink);
  if (!plan) throw new RunDirError(sink.items.map(renderPlain).join('\n'));
  let config: RunConfig;
  try {
    config = JSON.parse(read('config.json')) as RunConfig;
  } catch {
    throw new RunDirError(`${join(dir, 'config.json')} is not valid JSON`);
  }
  return { plan, config };
}
