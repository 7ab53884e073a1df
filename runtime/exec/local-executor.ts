/**
 * One device in this process: a Replica of the whole model (parameters as
 * tf.Variables, the plan interpreter, gradients by tf.variableGrads, the
 * update rules of runtime/train/optimizer) behind the Executor seam.
 */
import type { Plan } from '../../plan/types.js';
import type { EvalResult, Executor, ExecutorState, HostBatch, StepResult } from './executor.js';
import { Replica, type ParamVariable } from './replica.js';

export { dropoutSeedFor, uniqueVariableName } from './replica.js';

export interface LocalExecutorOptions {
  seed: number;
  /** Labels are smoothed by this amount in the loss. */
  labelSmoothing?: number;
}

export class LocalExecutor implements Executor {
  readonly devices = 1;
  private readonly replica: Replica;

  constructor(
    readonly plan: Plan,
    readonly options: LocalExecutorOptions,
  ) {
    this.replica = new Replica(plan, options);
  }

  /** Every parameter and buffer, as tf.Variables (tools read them, e.g. exporters' agreement tests). */
  get params(): readonly ParamVariable[] {
    return this.replica.params;
  }

  async trainStep(batch: HostBatch, lr: number, step: number): Promise<StepResult> {
    return { ...this.replica.trainStep(batch, lr, step), count: batch.y.length };
  }

  async evaluate(batch: HostBatch): Promise<EvalResult> {
    return { ...this.replica.evaluate(batch), count: batch.y.length };
  }

  async getState(): Promise<ExecutorState> {
    return this.replica.getState();
  }

  async setState(state: ExecutorState): Promise<void> {
    this.replica.setState(state.params, state.slots, state.optimizerStep);
  }

  async dispose(): Promise<void> {
    this.replica.dispose();
  }
}
