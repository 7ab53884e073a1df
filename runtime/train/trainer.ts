/**
 * The training loop: epochs of batches through an Executor, the schedule,
 * validation, metrics, checkpoints, resume and interruption. The plan is the
 * contract: everything here comes from it or from the run's config.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../plan/types.js';
import { batchesPerEpoch } from '../data/batches.js';
import type { ImageSet } from '../data/loader.js';
import type { Executor, HostBatch } from '../exec/executor.js';
import { CheckpointError, readCheckpoint, writeCheckpoint, type CheckpointHeader } from './checkpoint.js';
import { stateFromCheckpoint } from './checkpoint-state.js';
import { RECIPE, type PreparedData } from './data-setup.js';
import type { EpochMetrics, Reporter } from './events.js';
import { MetricSums } from './metrics.js';
import { Schedule } from './schedule.js';

export class DivergenceError extends Error {}

export interface TrainLoopOptions {
  plan: Plan;
  data: PreparedData;
  executor: Executor;
  runDir: string;
  seed: number;
  reporter: Reporter;
  /** Also checkpoint every this many steps (0: only at epoch ends and on signals). */
  checkpointEvery: number;
  /** Resume from the run directory's checkpoint. */
  resume: boolean;
  /** Set to true (e.g. by a signal handler) to stop at the next step boundary with a checkpoint. */
  stopRequested: () => boolean;
  /** Header of the start event (backend, devices...). */
  describe: { backend: string; backendReason: string; placement: string };
}

export interface TrainSummary {
  status: 'finished' | 'interrupted';
  history: EpochMetrics[];
  test: { loss: number; top1_error: number; top5_error: number | null; crops: string } | null;
  seconds: number;
  step: number;
}

export const CHECKPOINT_FILE = 'checkpoint.ckpt';

/** Loss and errors of a set, with centre crops or the paper's ten crops (softmax averaged). Batches come from the data workers. */
export async function evaluateDataset(executor: Executor, set: ImageSet, data: PreparedData, batchSize: number, classes: number, tenCrop: boolean): Promise<{ loss: number; top1_error: number; top5_error: number | null }> {
  const sums = new MetricSums();
  const ten = tenCrop && data.tenCrop !== null;
  for await (const b of data.loader.batches(set, ten ? RECIPE.tenCrop : RECIPE.eval, { batchSize, seed: 0, shuffle: false })) {
    if (!ten) {
      const r = await executor.evaluate({ x: b.x, shape: b.shape, y: b.y });
      sums.add(r.lossSum, r.probabilities, b.y, classes);
      continue;
    }
    const avg = new Float32Array(b.size * classes);
    for (const x of b.xs) {
      const r = await executor.evaluate({ x, shape: b.shape, y: b.y });
      for (let i = 0; i < avg.length; i++) avg[i]! += r.probabilities[i]! / b.xs.length;
    }
    let lossSum = 0;
    for (let i = 0; i < b.size; i++) lossSum -= Math.log(Math.max(avg[i * classes + b.y[i]!]!, 1e-30));
    sums.add(lossSum, avg, b.y, classes);
  }
  return sums.result(classes);
}

export async function trainLoop(o: TrainLoopOptions): Promise<TrainSummary> {
  const { plan, data, executor, reporter } = o;
  const t0 = Date.now();
  const batch = plan.train.batch;
  const epochs = plan.train.epochs;
  const classes = plan.output.classes ?? 0;
  const perEpoch = batchesPerEpoch(data.train.count, batch);
  // Top-5 is reported only when the plan tracks it (and it means something: more than 5 classes).
  const wantTop5 = plan.train.metrics.includes('top5_error') && classes > 5;
  const ckptPath = join(o.runDir, CHECKPOINT_FILE);
  const metricsPath = join(o.runDir, 'metrics.jsonl');

  let schedule = new Schedule(plan.train.schedule, plan.train.optimizer.lr, epochs);
  let position = { epoch: 0, batch: 0 };
  let history: EpochMetrics[] = [];
  let sums = { loss: 0, top1: 0, count: 0 };
  let step = 0;
  let resumedFrom: { epoch: number; batch: number } | null = null;

  if (o.resume && existsSync(ckptPath)) {
    const ckpt = readCheckpoint(ckptPath);
    const h = ckpt.header;
    if (h.specHash !== plan.model.specHash) {
      throw new CheckpointError(`${ckptPath}: this checkpoint belongs to model \`${h.model}\` (spec ${h.specHash.slice(0, 12)}), not to \`${plan.model.name}\` (spec ${plan.model.specHash.slice(0, 12)})`);
    }
    await executor.setState(stateFromCheckpoint(plan, ckpt, ckptPath));
    schedule = new Schedule(plan.train.schedule, plan.train.optimizer.lr, epochs, h.schedule);
    position = h.position;
    history = h.history as unknown as EpochMetrics[];
    sums = h.epochSums;
    step = h.step;
    resumedFrom = position;
  }

  reporter({
    type: 'start', model: plan.model.name, backend: o.describe.backend, backendReason: o.describe.backendReason,
    devices: executor.devices, placement: o.describe.placement, params: plan.totals.params,
    data: { source: data.source, train: data.train.count, validation: data.validation.count, test: data.test.count },
    epochs, batch, runDir: o.runDir, resumedFrom,
  });

  const saveCheckpoint = async (reason: 'epoch' | 'interval' | 'signal') => {
    const state = await executor.getState();
    const header: Omit<CheckpointHeader, 'tensors' | 'payloadSha256'> = {
      model: plan.model.name, specHash: plan.model.specHash, step, position,
      optimizer: { type: plan.train.optimizer.type, step: state.optimizerStep }, schedule: schedule.state,
      history: history as unknown as Record<string, unknown>[], epochSums: sums, savedAt: new Date().toISOString(),
    };
    writeCheckpoint(ckptPath, header, [...state.params, ...state.slots]);
    reporter({ type: 'checkpoint', path: ckptPath, step, reason });
  };

  let status: TrainSummary['status'] = 'finished';
  outer: while (position.epoch < epochs) {
    const epoch = position.epoch;
    const epochStart = Date.now();
    let epochImages = 0;
    const batches = data.loader.batches(data.train, RECIPE.train, { batchSize: batch, seed: o.seed, start: position });
    for await (const b of batches) {
      if (o.stopRequested()) {
        status = 'interrupted';
        await saveCheckpoint('signal');
        break outer;
      }
      const lr = schedule.lrAt(epoch + b.index / perEpoch);
      const hostBatch: HostBatch = { x: b.x, shape: b.shape, y: b.y };
      const r = await executor.trainStep(hostBatch, lr, step);
      if (!Number.isFinite(r.lossSum)) {
        throw new DivergenceError(
          `the loss became ${r.lossSum} at epoch ${epoch + 1}, batch ${b.index + 1} (lr ${lr.toPrecision(3)}); training stopped` +
            (existsSync(ckptPath) ? `; the last good checkpoint is kept in ${ckptPath}` : '') + '. Try a lower learning rate',
        );
      }
      step++;
      sums.loss += r.lossSum;
      sums.top1 += r.top1Errors;
      sums.count += r.count;
      epochImages += r.count;
      position = b.next;
      const elapsed = (Date.now() - epochStart) / 1000;
      const rate = epochImages / Math.max(elapsed, 1e-3);
      reporter({ type: 'step', epoch, batch: b.index, batches: perEpoch, loss: r.lossSum / r.count, lr, imagesPerSec: rate, etaSeconds: ((perEpoch - b.index - 1) * batch) / Math.max(rate, 1e-9) });
      if (o.checkpointEvery > 0 && step % o.checkpointEvery === 0 && !b.last) await saveCheckpoint('interval');
    }
    const seconds = (Date.now() - epochStart) / 1000;
    const val = data.validation.count > 0 ? await evaluateDataset(executor, data.validation, data, batch, classes, false) : null;
    const lrUsed = schedule.lrAt(epoch);
    const watched = plan.train.schedule.type === 'plateau' ? pickMetric(plan.train.schedule.metric, val, sums) : null;
    const reduced = schedule.onEpochEnd(watched);
    const m: EpochMetrics = {
      epoch, lr: lrUsed, train_loss: sums.loss / Math.max(1, sums.count), train_top1_error: sums.top1 / Math.max(1, sums.count),
      val_loss: val?.loss ?? null, val_top1_error: val?.top1_error ?? null, val_top5_error: wantTop5 ? (val?.top5_error ?? null) : null,
      images_per_sec: epochImages / Math.max(seconds, 1e-3), seconds, lr_reduced: reduced,
    };
    history.push(m);
    appendFileSync(metricsPath, JSON.stringify(m) + '\n');
    reporter({ type: 'epoch', epochs, ...m });
    sums = { loss: 0, top1: 0, count: 0 };
    await saveCheckpoint('epoch');
  }

  let test: TrainSummary['test'] = null;
  if (status === 'finished' && data.test.count > 0) {
    const ten = data.tenCrop !== null;
    const r = await evaluateDataset(executor, data.test, data, batch, classes, ten);
    test = { ...r, top5_error: wantTop5 ? r.top5_error : null, crops: ten ? 'ten crops' : 'centre' };
  }
  const seconds = (Date.now() - t0) / 1000;
  reporter({ type: 'done', status, test, seconds, runDir: o.runDir });
  return { status, history, test, seconds, step };
}

function pickMetric(name: string, val: { loss: number; top1_error: number; top5_error: number | null } | null, sums: { loss: number; top1: number; count: number }): number | null {
  switch (name) {
    case 'val_loss':
      return val?.loss ?? null;
    case 'val_top1_error':
      return val?.top1_error ?? null;
    case 'val_top5_error':
      return val?.top5_error ?? null;
    case 'val_accuracy':
      return val ? -(1 - val.top1_error) : null; // lower is better for the schedule
    case 'train_loss':
      return sums.loss / Math.max(1, sums.count);
    case 'train_top1_error':
      return sums.top1 / Math.max(1, sums.count);
    default:
      return null;
  }
}
