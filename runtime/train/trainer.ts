/**
 * The training loop: epochs of batches through an Executor, the schedule,
 * validation, metrics, checkpoints, resume and interruption. The plan is the
 * contract: everything here comes from it or from the run's config.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NetcError, type NetcErrorOptions } from '../../compiler/diagnostics/netc-error.js';
import type { Plan } from '../../plan/types.js';
import { appendText, writeFileAtomic } from '../../files/write.js';
import { batchesPerEpoch } from '../data/batches.js';
import type { ImageSet } from '../data/loader.js';
import type { Executor, HostBatch } from '../exec/executor.js';
import { CheckpointError, readCheckpoint, writeCheckpoint, type CheckpointHeader } from './checkpoint.js';
import { checkCheckpointAgainstPlan } from './checkpoint-check.js';
import { stateFromCheckpoint } from './checkpoint-state.js';
import { metricsLine } from './pictures/metrics-file.js';
import { RECIPE, type PreparedData } from './data-setup.js';
import type { EpochMetrics, Reporter } from './events.js';
import { MetricSums } from './metrics.js';
import { Schedule } from './schedule.js';
import { BEST_CHECKPOINT_FILE, earlyStop, isBest, metricValue, watchedMetric, type MetricRecord } from './watched-metric.js';

/** The loss became NaN or infinite (NETC5401). */
export class DivergenceError extends NetcError {
  constructor(message: string, options: NetcErrorOptions = {}) {
    super('NETC5401', message, options);
  }
}

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
  describe: { backend: string; backendReason: string; placement: string; memoryPerDevice: number; memoryLimit: number | null };
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
  const bestPath = join(o.runDir, BEST_CHECKPOINT_FILE);
  const watched = watchedMetric(plan.train);
  const stopRule = plan.train.earlyStopping ?? null;

  let schedule = new Schedule(plan.train.schedule, plan.train.optimizer.lr, epochs);
  let position = { epoch: 0, batch: 0 };
  let history: EpochMetrics[] = [];
  let sums = { loss: 0, top1: 0, count: 0 };
  let step = 0;
  let resumedFrom: { epoch: number; batch: number } | null = null;

  if (o.resume && existsSync(ckptPath)) {
    const ckpt = readCheckpoint(ckptPath);
    const h = ckpt.header;
    checkCheckpointAgainstPlan(ckpt, plan, ckptPath, { optimizerState: true });
    if (h.position.batch >= perEpoch) {
      throw new CheckpointError(`${ckptPath}: it stopped at batch ${h.position.batch + 1} of an epoch, but an epoch here has ${perEpoch} batches`, 'NETC5202', { hint: 'the run\'s data or batch size changed since: start a new run' });
    }
    await executor.setState(stateFromCheckpoint(plan, ckpt, ckptPath));
    schedule = new Schedule(plan.train.schedule, plan.train.optimizer.lr, epochs, h.schedule);
    position = h.position;
    history = h.history as unknown as EpochMetrics[];
    sums = h.epochSums;
    step = h.step;
    resumedFrom = position;
  }
  // The metrics file says what the checkpoint says: lines written after it (a
  // run killed between an epoch's line and its checkpoint) are dropped, so a
  // resumed run never repeats an epoch in it.
  if (o.resume) writeFileAtomic(metricsPath, history.map(metricsLine).join(''), 'choose another --run-dir');

  reporter({
    type: 'start', model: plan.model.name, backend: o.describe.backend, backendReason: o.describe.backendReason,
    devices: executor.devices, placement: o.describe.placement, params: plan.totals.params,
    memoryPerDevice: o.describe.memoryPerDevice, memoryLimit: o.describe.memoryLimit,
    data: { source: data.source, train: data.train.count, validation: data.validation.count, test: data.test.count },
    epochs, batch, runDir: o.runDir, resumedFrom,
  });

  /** The run's checkpoint, and best.ckpt too when this epoch is the best so far (written first: a crash between the two redoes the epoch). */
  const saveCheckpoint = async (reason: 'epoch' | 'interval' | 'signal', best = false) => {
    const state = await executor.getState();
    const header: Omit<CheckpointHeader, 'tensors' | 'payloadSha256'> = {
      model: plan.model.name, specHash: plan.model.specHash, step, position,
      optimizer: { type: plan.train.optimizer.type, step: state.optimizerStep }, schedule: schedule.state,
      history: history as unknown as Record<string, unknown>[], epochSums: sums, savedAt: new Date().toISOString(),
    };
    const tensors = [...state.params, ...state.slots];
    if (best) {
      writeCheckpoint(bestPath, header, tensors);
      reporter({ type: 'checkpoint', path: bestPath, step, reason: 'best' });
    }
    writeCheckpoint(ckptPath, header, tensors);
    reporter({ type: 'checkpoint', path: ckptPath, step, reason });
  };

  let status: TrainSummary['status'] = 'finished';
  outer: while (position.epoch < epochs) {
    const stop = stopRule && position.batch === 0 ? earlyStop(stopRule, history) : null;
    if (stop) {
      reporter({
        type: 'message', level: 'info',
        text: `early stopping: ${stopRule!.metric} has not improved${stopRule!.minDelta > 0 ? ` by more than ${stopRule!.minDelta}` : ''} for ${stop.epochsWithout} epoch${stop.epochsWithout === 1 ? '' : 's'} since epoch ${stop.bestEpoch + 1} (${stop.best.toPrecision(4)}); the best epoch is kept in ${bestPath}`,
      });
      break;
    }
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
    const record: MetricRecord = {
      train_loss: sums.loss / Math.max(1, sums.count), train_top1_error: sums.top1 / Math.max(1, sums.count),
      val_loss: val?.loss ?? null, val_top1_error: val?.top1_error ?? null, val_top5_error: val?.top5_error ?? null,
    };
    const reduced = plan.train.schedule.type === 'plateau' && schedule.onEpochEnd(metricValue(plan.train.schedule.metric, record));
    const best = isBest(watched, history, metricValue(watched, record));
    const m: EpochMetrics = {
      epoch, lr: lrUsed, ...record, val_top5_error: wantTop5 ? record.val_top5_error : null,
      images_per_sec: epochImages / Math.max(seconds, 1e-3), seconds, lr_reduced: reduced,
    };
    history.push(m);
    appendText(metricsPath, metricsLine(m), 'choose another --run-dir');
    reporter({ type: 'epoch', epochs, ...m });
    sums = { loss: 0, top1: 0, count: 0 };
    await saveCheckpoint('epoch', best);
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
