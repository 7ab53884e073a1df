/**
 * The metric a run watches, epoch by epoch: the plateau schedule reduces the
 * rate on it, best.ckpt keeps the epoch where it was lowest, and early
 * stopping ends the run when it stops improving. Best and stop are pure
 * functions of the run's history, so a resumed run picks them up from its
 * checkpoint's history without any state of their own (as Keras's
 * ModelCheckpoint(save_best_only) and EarlyStopping behave).
 */
import type { EarlyStoppingSpec, TrainSpec } from '../../plan/types.js';
import type { EpochMetrics } from './events.js';

export const BEST_CHECKPOINT_FILE = 'best.ckpt';

/** What a metric is read from: an epoch's metrics (val_top5_error also where top-5 is not reported). */
export type MetricRecord = Pick<EpochMetrics, 'train_loss' | 'train_top1_error' | 'val_loss' | 'val_top1_error' | 'val_top5_error'>;

/** Early stopping's metric, else the plateau schedule's, else the validation top-1 error. */
export function watchedMetric(train: TrainSpec): string {
  return train.earlyStopping?.metric ?? (train.schedule.type === 'plateau' ? train.schedule.metric : 'val_top1_error');
}

/** The value of `name` in an epoch's record, lower is better; null where the run does not have it (no validation set). */
export function metricValue(name: string, r: MetricRecord): number | null {
  const v = (() => {
    switch (name) {
      case 'val_loss':
        return r.val_loss;
      case 'val_top1_error':
        return r.val_top1_error;
      case 'val_top5_error':
        return r.val_top5_error;
      case 'val_accuracy':
        return r.val_top1_error === null ? null : -(1 - r.val_top1_error);
      case 'train_loss':
        return r.train_loss;
      case 'train_top1_error':
        return r.train_top1_error;
      default:
        return null;
    }
  })();
  return v !== null && Number.isFinite(v) ? v : null;
}

/** Whether `value` beats every earlier epoch's (strictly: a tie keeps the earlier best.ckpt). */
export function isBest(name: string, earlier: readonly MetricRecord[], value: number | null): boolean {
  if (value === null) return false;
  return earlier.every((m) => {
    const v = metricValue(name, m);
    return v === null || value < v;
  });
}

export interface EarlyStop {
  /** 0-based epoch of the best value, the value, and the epochs since without improvement. */
  bestEpoch: number;
  best: number;
  epochsWithout: number;
}

/**
 * Whether the history calls for a stop: the reference best moves only on an
 * improvement by more than minDelta, and `patience` epochs in a row without
 * one stop the run. Null: keep training.
 */
export function earlyStop(rule: EarlyStoppingSpec, history: readonly MetricRecord[]): EarlyStop | null {
  let best: number | null = null;
  let bestEpoch = -1;
  let without = 0;
  for (const [epoch, m] of history.entries()) {
    const v = metricValue(rule.metric, m);
    if (v !== null && (best === null || v < best - rule.minDelta)) {
      best = v;
      bestEpoch = epoch;
      without = 0;
    } else {
      without++;
    }
  }
  return best !== null && without >= rule.patience ? { bestEpoch, best, epochsWithout: without } : null;
}
