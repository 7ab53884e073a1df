/**
 * The seam between the training loop and where the arithmetic runs. The
 * trainer only talks to an Executor: one in-process device (LocalExecutor),
 * or a coordinator that drives several worker devices (runtime/devices).
 * Batches cross this seam as host arrays, so a worker can be another thread
 * or process.
 */
export interface HostBatch {
  /** NHWC (or N x features) float32 values */
  x: Float32Array;
  shape: number[];
  y: Int32Array;
}

export interface StepResult {
  /** Sum of per-sample losses over the batch. */
  lossSum: number;
  /** Samples whose top-1 prediction was wrong. */
  top1Errors: number;
  count: number;
}

export interface EvalResult {
  lossSum: number;
  /** Class probabilities, count x classes. */
  probabilities: Float32Array;
  count: number;
}

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface ExecutorState {
  params: NamedArray[];
  slots: NamedArray[];
  optimizerStep: number;
}

export interface Executor {
  readonly devices: number;
  /** One training step: forward, backward, update with this learning rate. `step` seeds dropout. */
  trainStep(batch: HostBatch, lr: number, step: number): Promise<StepResult>;
  /** Inference on a batch (dropout off). */
  evaluate(batch: HostBatch): Promise<EvalResult>;
  getState(): Promise<ExecutorState>;
  setState(state: ExecutorState): Promise<void>;
  dispose(): Promise<void>;
}
