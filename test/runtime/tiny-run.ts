/**
 * The tiny training run that the run, resume and kill tests share: a
 * two-tower network on the 64-image Fashion-MNIST fixture, with helpers to
 * record a run's events and read its run directory.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import type { EpochMetrics, StartEvent, StepEvent, TrainEvent } from '../../runtime/train/events.js';

const dataDir = resolve('test/fixtures/data/fashion-mnist');
/**
 * Three epochs of 4 batches. The plateau schedule's huge min_delta makes every
 * epoch after the first a non-improvement: the rate drops from 0.05 to 0.005
 * after epoch 2 (patience 0), so resuming must restore the schedule too.
 */
export const specText = (lr = 0.05) => `
netc: 1
name: tiny-fmnist
seed: 3
input: { shape: [28, 28, 1] }
towers: 2
defaults: { init: he_normal, round: ceil }
layers:
  - { name: conv1, type: conv, filters: 8, kernel: 5, stride: 2, pad: 2, act: relu }
  - { name: norm1, type: lrn, size: 5, alpha: 1e-4, beta: 0.75, k: 2 }
  - { name: pool1, type: maxpool, window: 3, stride: 2 }
  - { name: conv2, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower, act: relu }
  - { name: flatten, type: flatten }
  - { name: fc, type: dense, units: 16, act: relu }
  - { name: drop, type: dropout, p: 0.5 }
  - { name: out, type: dense, units: 10 }
  - { name: prob, type: softmax }
train:
  batch: 16
  epochs: 3
  optimizer: { type: sgd, lr: ${lr}, momentum: 0.9, weight_decay: 0.0005 }
  schedule: { type: plateau, metric: val_loss, factor: 0.1, patience: 0, min_delta: 100 }
data:
  dataset: { kind: fashion-mnist, path: ${JSON.stringify(dataDir)} }
  validation: test
  augment: { random_crop: 28, pad: 2, flip: true }
`;
export const STEPS_PER_EPOCH = 4; // 64 images / 16
export const EPOCHS = 3;
export const STEPS = STEPS_PER_EPOCH * EPOCHS;

export const CKPT = 'checkpoint.ckpt';

/** A reporter that records every event; `onEvent` may act on them (e.g. request a stop). */
export function recorder(onEvent: (e: TrainEvent, steps: number) => void = () => {}) {
  const events: TrainEvent[] = [];
  let steps = 0;
  const reporter = (e: TrainEvent) => {
    events.push(e);
    if (e.type === 'step') steps++;
    onEvent(e, steps);
  };
  const of = <T extends TrainEvent['type']>(type: T) => events.filter((e): e is Extract<TrainEvent, { type: T }> => e.type === type);
  return { events, reporter, of, steps: () => of('step') as StepEvent[], start: () => of('start')[0] as StartEvent };
}
/** Asks the run to stop, as Ctrl-C does (the trainer stops before its next step and saves). */
export const requestStop = () => process.emit('SIGINT', 'SIGINT');
export const tensors = (dir: string) => Object.fromEntries([...readCheckpoint(join(dir, CKPT)).tensors].map(([n, t]) => [n, Array.from(t.values)]));
export const header = (dir: string) => readCheckpoint(join(dir, CKPT)).header;
/** metrics.jsonl counts epochs from 1 (as the progress text); EpochMetrics, as the trainer holds them, from 0. */
export const metricsOf = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as EpochMetrics).map((m) => ({ ...m, epoch: m.epoch - 1 }));
export const stepIndex = (e: StepEvent) => e.epoch * STEPS_PER_EPOCH + e.batch;
