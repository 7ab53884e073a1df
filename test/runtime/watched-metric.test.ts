/** The watched metric: which one, best.ckpt's rule and early stopping's, checked on hand-made histories. */
import { describe, expect, it } from 'vitest';
import { earlyStop, isBest, metricValue, watchedMetric, type MetricRecord } from '../../runtime/train/watched-metric.js';
import { planOf } from './helpers.js';

const rec = (val_loss: number | null, val_top1_error: number | null = null): MetricRecord => ({ train_loss: 9, train_top1_error: 0.9, val_loss, val_top1_error, val_top5_error: null });
const history = (...losses: (number | null)[]) => losses.map((l) => rec(l));

describe('the watched metric', () => {
  const spec = (train: string) => planOf(`
netc: 1
name: w
input: { shape: [4] }
layers: [{ type: dense, units: 3 }, { type: softmax }]
train:
${train}
`).train;

  it("is early stopping's, else the plateau schedule's, else the validation top-1 error", () => {
    expect(watchedMetric(spec('  schedule: { type: plateau, metric: val_loss }\n  early_stopping: { patience: 2, metric: train_loss }'))).toBe('train_loss');
    expect(watchedMetric(spec('  schedule: { type: plateau, metric: val_loss }\n  early_stopping: { patience: 2 }'))).toBe('val_loss');
    expect(watchedMetric(spec('  schedule: { type: plateau, metric: val_loss }'))).toBe('val_loss');
    expect(watchedMetric(spec('  schedule: { type: cosine }'))).toBe('val_top1_error');
    expect(spec('  early_stopping: { patience: 2 }').earlyStopping).toEqual({ metric: 'val_top1_error', patience: 2, minDelta: 0 });
    expect(spec('  schedule: { type: cosine }').earlyStopping).toBeNull();
  });

  it('reads accuracy as lower-is-better and has no value without a validation set', () => {
    expect(metricValue('val_accuracy', rec(1, 0.25))).toBe(-0.75);
    expect(metricValue('val_loss', rec(null))).toBeNull();
    expect(metricValue('val_loss', rec(Number.NaN))).toBeNull();
  });

  it('best.ckpt: only a value below every earlier one (a tie keeps the earlier epoch)', () => {
    expect(isBest('val_loss', [], 5)).toBe(true);
    expect(isBest('val_loss', history(3, 2, 4), 1.9)).toBe(true);
    expect(isBest('val_loss', history(3, 2, 4), 2)).toBe(false);
    expect(isBest('val_loss', history(null, 2), 2.5)).toBe(false);
    expect(isBest('val_loss', history(1), null)).toBe(false);
  });

  it('early stopping: patience epochs in a row without an improvement by more than min_delta', () => {
    const rule = { metric: 'val_loss', patience: 2, minDelta: 0 };
    expect(earlyStop(rule, history(3, 2, 2.5))).toBeNull();
    expect(earlyStop(rule, history(3, 2, 2.5, 2))).toEqual({ bestEpoch: 1, best: 2, epochsWithout: 2 });
    expect(earlyStop(rule, history(3, 2, 2.5, 1.5, 1.6))).toBeNull();
    // 1.95 improves on 2 but not by more than 0.1: the reference best stays 2 (epoch 2)
    expect(earlyStop({ ...rule, minDelta: 0.1 }, history(3, 2, 1.95, 1.92))).toEqual({ bestEpoch: 1, best: 2, epochsWithout: 2 });
    expect(earlyStop({ ...rule, minDelta: 0.1 }, history(3, 2, 1.85, 1.92))).toBeNull();
    // no validation set: nothing to watch, never stops
    expect(earlyStop(rule, history(null, null, null))).toBeNull();
  });
});
