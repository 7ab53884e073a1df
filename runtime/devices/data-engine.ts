/**
 * A device of data placement: the whole model (a LocalExecutor, same seed, so
 * the same initial weights everywhere) and a slice of each batch. It returns
 * the gradients of the mean loss over its rows as one flat array in plan
 * order, and applies the averaged gradients it is sent: every device applies
 * the same update to the same weights, so the replicas stay identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { Plan } from '../../plan/types.js';
import type { ExecutorState } from '../exec/executor.js';
import { LocalExecutor } from '../exec/local-executor.js';
import type { SliceOf } from '../model/forward.js';
import type { StepReply } from './messages.js';

export class DataEngine {
  private readonly exec: LocalExecutor;
  private readonly offsets: number[];

  constructor(
    readonly plan: Plan,
    seed: number,
    labelSmoothing: number,
    /** Where gradients are written (shared memory for threads), plan.params' counts in order. */
    private readonly flat: Float32Array,
  ) {
    this.exec = new LocalExecutor(plan, { seed, labelSmoothing });
    let at = 0;
    this.offsets = plan.params.map((p) => ((at += p.count), at - p.count));
  }

  grads(x: Float32Array, shape: number[], y: Int32Array, step: number, rows: SliceOf): { reply: StepReply; flat: Float32Array } {
    const { grads, lossSum, top1Errors } = this.exec.computeGradients({ x, shape, y }, step, rows);
    for (const [i, p] of this.plan.params.entries()) {
      const g = grads[p.name];
      if (g) this.flat.set(g.dataSync() as Float32Array, this.offsets[i]);
      else this.flat.fill(0, this.offsets[i], this.offsets[i]! + p.count);
    }
    for (const g of Object.values(grads)) g.dispose();
    return { reply: { lossSum, top1Errors, count: y.length }, flat: this.flat };
  }

  apply(flat: Float32Array, lr: number): void {
    const grads = tf.tidy(() => Object.fromEntries(this.plan.params.map((p, i) => [p.name, tf.tensor(flat.slice(this.offsets[i], this.offsets[i]! + p.count), p.shape)])));
    this.exec.applyGradients(grads, lr);
    for (const g of Object.values(grads)) g.dispose();
  }

  evaluate(x: Float32Array, shape: number[], y: Int32Array) {
    return this.exec.evaluate({ x, shape, y });
  }

  getState(): Promise<ExecutorState> {
    return this.exec.getState();
  }

  setState(state: ExecutorState): Promise<void> {
    return this.exec.setState(state);
  }

  dispose(): Promise<void> {
    return this.exec.dispose();
  }
}
