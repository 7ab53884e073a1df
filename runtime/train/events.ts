/** What a training run reports as it goes: the trainer emits these, a reporter renders them. */
export interface StartEvent {
  type: 'start';
  model: string;
  backend: string;
  backendReason: string;
  devices: number;
  placement: string;
  params: number;
  /** Estimated bytes a training step needs on one device (plan/memory.ts; null where the estimate is not tfjs's), and the backend's limit where it has one. */
  memoryPerDevice: number | null;
  memoryLimit: number | null;
  data: { source: string; train: number; validation: number; test: number };
  epochs: number;
  batch: number;
  runDir: string;
  resumedFrom: { epoch: number; batch: number } | null;
}

export interface StepEvent {
  type: 'step';
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
  /** Seconds left in this epoch at the current rate. */
  etaSeconds: number;
}

export interface EpochMetrics {
  epoch: number;
  lr: number;
  train_loss: number;
  train_top1_error: number;
  val_loss: number | null;
  val_top1_error: number | null;
  val_top5_error: number | null;
  images_per_sec: number;
  seconds: number;
  lr_reduced: boolean;
}

export interface EpochEvent extends EpochMetrics {
  type: 'epoch';
  epochs: number;
}

export interface CheckpointEvent {
  type: 'checkpoint';
  path: string;
  step: number;
  /** `best`: best.ckpt, written at an epoch's end when the watched metric is the lowest so far. */
  reason: 'epoch' | 'interval' | 'signal' | 'best';
}

export interface DoneEvent {
  type: 'done';
  status: 'finished' | 'interrupted';
  test: { loss: number; top1_error: number; top5_error: number | null; crops: string } | null;
  seconds: number;
  runDir: string;
}

export interface MessageEvent {
  type: 'message';
  level: 'info' | 'warning';
  text: string;
}

export type TrainEvent = StartEvent | StepEvent | EpochEvent | CheckpointEvent | DoneEvent | MessageEvent;
export type Reporter = (event: TrainEvent) => void;
