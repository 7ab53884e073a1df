/**
 * `netc plot <run dir>`: pictures of a training run. Training curves from
 * metrics.jsonl as SVG by default; with --kernels, a conv layer's learned
 * filters from the checkpoint as PNG. A thin wrapper over
 * runtime/train/pictures, loaded lazily so the other commands stay fast.
 */
import { existsSync, statSync } from 'node:fs';
import { READ_LIMITS, readRegularFile } from '../../files/read.js';
import { writeFileAtomic } from '../../files/write.js';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { DiagnosticSink } from '../../compiler/diagnostics/diagnostic.js';
import { renderPlain } from '../../compiler/diagnostics/render.js';
import { readPlan } from '../../compiler/plan/read-plan.js';
import type { ConvOp, Plan } from '../../plan/types.js';
import { InputError, UsageError } from '../exit-codes.js';
import { parseCount } from './train.js';

export interface PlotFlags {
  output?: string;
  kernels?: string | boolean;
  scale?: string;
  columns?: string;
}

/** The checkpoint's file name in a run directory (runtime/train/trainer.ts CHECKPOINT_FILE). */
const CHECKPOINT_FILE = 'checkpoint.ckpt';

function runDirOf(path: string): string {
  if (!existsSync(path)) throw new UsageError(`no run directory \`${path}\``);
  return statSync(path).isDirectory() ? path : dirname(path);
}

function readRunPlan(dir: string, required: boolean): Plan | undefined {
  const file = join(dir, 'plan.json');
  let text: string;
  try {
    text = readRegularFile(file, READ_LIMITS.runFile).toString('utf8');
  } catch {
    if (required) throw new InputError(`${dir} is not a netc run directory: it has no readable plan.json`, 'NETC5103');
    return undefined;
  }
  const sink = new DiagnosticSink();
  const plan = readPlan(file, text, sink);
  if (!plan) {
    if (required) throw new InputError(sink.items.map(renderPlain).join('\n'), 'NETC5103');
    return undefined;
  }
  return plan;
}

/** Picks the conv layer to draw: the one named, else the first. */
export function pickConvLayer(plan: Plan, name: string | undefined): ConvOp {
  const convs = plan.ops.filter((op): op is ConvOp => op.op === 'conv2d');
  if (convs.length === 0) throw new UsageError(`model \`${plan.model.name}\` has no conv layer to draw kernels of`);
  if (name === undefined) return convs[0]!;
  const op = convs.find((o) => o.name === name || o.layer === name);
  if (!op) throw new UsageError(`\`${name}\` is not a conv layer of \`${plan.model.name}\`: use one of ${convs.map((o) => o.name).join(', ')}`);
  return op;
}

async function withPictureErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof Error && e.name === 'PictureError') throw new InputError(e.message);
    throw e;
  }
}

function emit(output: string, content: string | Buffer, what: string): void {
  if (output === '-') {
    if (typeof content !== 'string' && process.stdout.isTTY) throw new UsageError('not writing a PNG to a terminal: pass -o <file.png>');
    process.stdout.write(content);
    return;
  }
  writeFileAtomic(output, typeof content === 'string' ? content : new Uint8Array(content.buffer, content.byteOffset, content.byteLength), 'pass another -o');
  process.stdout.write(`wrote ${output} (${what})\n`);
}

export async function runPlot(path: string, flags: PlotFlags): Promise<void> {
  const dir = runDirOf(path);
  const scale = parseCount('scale', flags.scale);
  const columns = parseCount('columns', flags.columns);
  if (flags.kernels === undefined && (scale !== undefined || columns !== undefined)) throw new UsageError('--scale and --columns apply to --kernels');

  if (flags.kernels !== undefined) {
    const plan = readRunPlan(dir, true)!;
    const op = pickConvLayer(plan, typeof flags.kernels === 'string' ? flags.kernels : undefined);
    const param = plan.params.find((p) => p.name === op.params.weight);
    if (!param) throw new InputError(`${join(dir, 'plan.json')}: no parameter \`${op.params.weight}\` for layer \`${op.name}\``);
    const [{ readCheckpoint }, { renderKernelsPng, kernelGridLayout }] = await Promise.all([
      import('../../runtime/train/checkpoint.js'),
      import('../../runtime/train/pictures/kernels.js'),
    ]);
    const ckptPath = join(dir, CHECKPOINT_FILE);
    const ckpt = readCheckpoint(ckptPath);
    const weight = ckpt.tensors.get(param.name);
    if (!weight) throw new InputError(`${ckptPath}: no tensor \`${param.name}\` (is this checkpoint from another model?)`, 'NETC5202');
    if (weight.shape.join(',') !== param.shape.join(',')) {
      throw new InputError(`${ckptPath}: \`${param.name}\` has shape [${weight.shape.join(', ')}], the plan says [${param.shape.join(', ')}]`, 'NETC5202');
    }
    // Tower t owns slice t of the output-channel axis (the last, for HWIO).
    const towers = op.towers.connect !== 'replicated' && param.towerAxis === param.shape.length - 1 ? op.towers.count : 1;
    const options = { towers, ...(scale !== undefined ? { scale } : {}), ...(columns !== undefined ? { columns } : {}) };
    await withPictureErrors(async () => {
      const png = renderKernelsPng(weight.shape, weight.values, options);
      const L = kernelGridLayout(weight.shape, options);
      const blocks = towers > 1 ? `, ${towers} towers of ${L.perTower}, one block of rows each` : '';
      emit(flags.output ?? join(dir, `kernels-${op.name}.png`), png, `${op.name}: ${L.filters} filters ${L.kh}x${L.kw}x${L.channels}${blocks}, ${L.width}x${L.height} px`);
    });
    return;
  }

  const metricsPath = join(dir, 'metrics.jsonl');
  let text: string;
  try {
    text = readRegularFile(metricsPath, READ_LIMITS.runFile).toString('utf8');
  } catch {
    throw new InputError(`${dir} has no readable metrics.jsonl: not a netc run directory, or no epoch has finished yet`);
  }
  const plan = readRunPlan(dir, false);
  await withPictureErrors(async () => {
    const [{ parseMetricsJsonl }, { renderCurvesSvg }] = await Promise.all([
      import('../../runtime/train/pictures/metrics-file.js'),
      import('../../runtime/train/pictures/curves.js'),
    ]);
    const metrics = parseMetricsJsonl(text, metricsPath);
    if (metrics.length === 0) throw new InputError(`${metricsPath} holds no epochs yet: plot again once an epoch has finished`);
    const title = `${plan?.model.name ?? basename(dir)}: training curves`;
    emit(flags.output ?? join(dir, 'curves.svg'), renderCurvesSvg(metrics, { title }), `${metrics.length} epoch${metrics.length === 1 ? '' : 's'}`);
  });
}

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('draw a training run: loss and error curves (SVG), or with --kernels a conv layer\'s learned filters (PNG)')
    .argument('<run>', 'a run directory (holding metrics.jsonl, plan.json, checkpoint.ckpt)')
    .option('-o, --output <file>', 'file to write, `-` for stdout (default: curves.svg or kernels-<layer>.png in the run directory)')
    .option('--kernels [layer]', 'draw the learned filters of a conv layer (default: the first) from the checkpoint')
    .option('--scale <n>', 'with --kernels: pixels per weight (default: cells of about 48 px)')
    .option('--columns <n>', 'with --kernels: filters per row (default: up to 16)')
    .action(async (path: string, flags: PlotFlags) => {
      await runPlot(path, flags);
    });
}
