/**
 * A device of data placement: a Replica of the whole model (same seed, so the
 * same initial weights everywhere) and a slice of each batch. It returns the
 * gradients of the mean loss over its rows as one flat array in plan order,
 * and applies the averaged gradients it is sent: every device applies the
 * same update to the same weights, so the replicas stay identical.
 *
 * Batchnorm normalizes with this device's own rows (as PyTorch's DDP does).
 * The flat array's slots of the running statistics, which have no gradient,
 * carry the batch mean and biased variance of this device's rows instead; the
 * coordinator combines them into the whole batch's (batch-stats.ts) and sends
 * them back in the same slots, so every device moves its running statistics
 * by the same, exact whole-batch statistics.
 */
import * as tf from '@tensorflow/tfjs';
import type { Plan } from '../../plan/types.js';
import type { ExecutorState } from '../exec/executor.js';
import { Replica, type RunningUpdate } from '../exec/replica.js';
import type { SliceOf } from '../ops/index.js';
import { flatOffsets } from './batch-stats.js';
import type { StepReply } from './messages.js';

export class DataEngine {
  private readonly replica: Replica;
  private readonly offsets: Map<string, number>;

  constructor(
    readonly plan: Plan,
    seed: number,
    labelSmoothing: number,
    /** Where gradients are written (shared memory for threads), plan.params' counts in order. */
    private readonly flat: Float32Array,
  ) {
    this.replica = new Replica(plan, { seed, labelSmoothing });
    this.offsets = flatOffsets(plan);
  }

  grads(x: Float32Array, shape: number[], y: Int32Array, step: number, rows: SliceOf): { reply: StepReply; flat: Float32Array } {
    const { grads, lossSum, top1Errors, stats } = this.replica.gradients({ x, shape, y }, step, rows);
    this.flat.fill(0);
    for (const [name, g] of Object.entries(grads)) this.flat.set(g.dataSync() as Float32Array, this.offsets.get(name));
    for (const s of stats) {
      this.flat.set(s.mean.dataSync() as Float32Array, this.offsets.get(s.op.params.mean));
      this.flat.set(s.variance.dataSync() as Float32Array, this.offsets.get(s.op.params.variance));
    }
    Replica.disposeStats(stats);
    for (const g of Object.values(grads)) g.dispose();
    return { reply: { lossSum, top1Errors, count: y.length }, flat: this.flat };
  }

  /** Applies averaged gradients, and moves the running statistics by the whole batch's mean and unbiased variance (same flat layout). */
  apply(flat: Float32Array, lr: number): void {
    const at = (name: string, shape: number[]) => {
      const start = this.offsets.get(name)!;
      return tf.tensor(flat.slice(start, start + shape.reduce((a, b) => a * b, 1)), shape);
    };
    const grads: Record<string, tf.Tensor> = {};
    for (const p of this.plan.params) if (p.trainable) grads[p.name] = at(p.name, p.shape);
    this.replica.applyGradients(grads, lr);
    for (const g of Object.values(grads)) g.dispose();
    const updates: RunningUpdate[] = [];
    for (const op of this.replica.program.ops) {
      if (op.op !== 'batchnorm') continue;
      const c = [op.outputShape[op.outputShape.length - 1]!];
      updates.push({ op, mean: at(op.params.mean, c), variance: at(op.params.variance, c) });
    }
    this.replica.moveRunningStats(updates);
  }

  evaluate(x: Float32Array, shape: number[], y: Int32Array) {
    return this.replica.evaluate({ x, shape, y });
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
