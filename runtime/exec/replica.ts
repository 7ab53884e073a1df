/**
 * One device's copy of the model (or of its towers' part): the plan's
 * parameters and state buffers as tf.Variables, the program (the plan
 * interpreter on this device's Site), the optimizer, and one training step:
 * forward, loss, backward, update, running statistics. The one-device
 * executor is a Replica; each device of data or tower placement runs one.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchNormOp, Plan, PlanParam } from '../../plan/types.js';
import { buildProgram, oneDevice, type Program } from '../model/interpreter.js';
import { initialValues } from '../model/init-params.js';
import { lossAndProbabilities, meanLoss, top1Errors } from '../model/loss.js';
import type { BatchStats, Site, SliceOf } from '../ops/index.js';
import { Optimizer, type TrainableParam } from '../train/optimizer.js';
import type { HostBatch, NamedArray } from './executor.js';

/**
 * tfjs keeps one global registry of variable names: two replicas of one plan
 * in a process (a benchmark, a test, an embedding tool) need distinct names.
 * The parameter's plan name stays on ParamVariable.name.
 */
let replicaCount = 0;
export function uniqueVariableName(name: string): string {
  return replicaCount === 0 ? name : `${name}#${replicaCount}`;
}

/** Dropout seeds: one per step, derived from the run's seed. */
export function dropoutSeedFor(seed: number, step: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(step + 1, 0xc2b2ae35)) >>> 0;
}

export interface ParamVariable extends TrainableParam {
  /** false for state the optimizer never touches (batchnorm's running statistics). */
  trainable: boolean;
}

export interface ReplicaOptions {
  seed: number;
  /** Labels are smoothed by this amount in the training loss. */
  labelSmoothing?: number;
  /** Where the program runs (default: one device holding every tower). */
  site?: Site;
  /** The part of a parameter held here (tower placement); default: all of it. */
  cut?: (param: PlanParam, values: Float32Array) => { values: Float32Array; shape: number[] };
}

export interface Gradients {
  /** Gradients of the batch's mean loss, by plan parameter name (trainable parameters only). */
  grads: Record<string, tf.Tensor>;
  lossSum: number;
  top1Errors: number;
  /** Every batchnorm's statistics over this batch, in program order; moveRunningStats or disposeStats releases them. */
  stats: BatchStats[];
}

/** A running-statistics update: the batch's mean and unbiased variance for one batchnorm. */
export interface RunningUpdate {
  op: BatchNormOp;
  mean: tf.Tensor;
  variance: tf.Tensor;
}

export class Replica {
  /** Every plan parameter and buffer held here, in plan order. */
  readonly params: ParamVariable[];
  readonly optimizer: Optimizer;
  readonly program: Program;
  private readonly byName: Map<string, tf.Variable>;
  private readonly trainable: tf.Variable[];
  private readonly classes: number;

  constructor(
    readonly plan: Plan,
    readonly options: ReplicaOptions,
  ) {
    this.params = plan.params.map((p, i) => {
      const init = initialValues(p, i, options.seed);
      const part = options.cut ? options.cut(p, init) : { values: init, shape: p.shape };
      return {
        name: p.name,
        variable: tf.variable(tf.tensor(part.values, part.shape), p.trainable, uniqueVariableName(p.name)),
        lrMult: p.lrMult,
        decayMult: p.decayMult,
        trainable: p.trainable,
      };
    });
    this.byName = new Map(this.params.map((p) => [p.name, p.variable]));
    this.trainable = this.params.filter((p) => p.trainable).map((p) => p.variable);
    this.optimizer = new Optimizer(plan.train.optimizer, this.params.filter((p) => p.trainable));
    const site = options.site ?? oneDevice(plan.towers);
    this.program = buildProgram(plan, { site, param: (name) => (name === null ? null : (this.byName.get(name) ?? null)) });
    this.classes = plan.output.classes ?? 0;
    replicaCount++;
  }

  /** Forward and backward in training mode. `rows`: which rows of a larger batch this is (data placement). */
  gradients(batch: HostBatch, step: number, rows?: SliceOf): Gradients {
    let logitsKept: tf.Tensor | null = null;
    const stats: BatchStats[] = [];
    const { value, grads: byVariable } = tf.tidy(() => {
      const x = tf.tensor(batch.x, batch.shape);
      const y = tf.tensor1d(batch.y, 'int32');
      return tf.variableGrads(() => {
        const logits = this.program.run(x, { training: true, dropoutSeed: dropoutSeedFor(this.options.seed, step), stats, ...(rows ? { rows } : {}) });
        logitsKept = tf.keep(logits);
        for (const s of stats) tf.keep(s.mean), tf.keep(s.variance);
        return meanLoss(logits, y, this.classes, this.options.labelSmoothing ?? 0);
      }, this.trainable);
    });
    const loss = value.dataSync()[0]!;
    value.dispose();
    const logits = logitsKept as tf.Tensor | null;
    const errors = logits ? top1Errors(logits, batch.y) : 0;
    logits?.dispose();
    // By the plan's parameter names (variable names may carry a suffix, see uniqueVariableName).
    const grads: Record<string, tf.Tensor> = {};
    for (const p of this.params) {
      const g = byVariable[p.variable.name];
      if (g) grads[p.name] = g;
    }
    return { grads, lossSum: loss * batch.y.length, top1Errors: errors, stats };
  }

  applyGradients(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    this.optimizer.apply(grads, lr);
  }

  /**
   * PyTorch's rule: running = (1 - momentum) running + momentum batch, with
   * the batch's unbiased variance. Consumes the update tensors.
   */
  moveRunningStats(updates: readonly RunningUpdate[]): void {
    tf.tidy(() => {
      for (const { op, mean, variance } of updates) {
        const m = op.attrs.momentum;
        for (const [name, batch] of [[op.params.mean, mean], [op.params.variance, variance]] as const) {
          const running = this.byName.get(name)!;
          running.assign(tf.add(tf.mul(batch, m), tf.mul(running, 1 - m)));
        }
      }
    });
    for (const u of updates) u.mean.dispose(), u.variance.dispose();
  }

  /** This batch's own statistics as running-statistics updates (the biased variance made unbiased). */
  static localUpdates(stats: readonly BatchStats[]): RunningUpdate[] {
    return stats.map((s) => {
      const variance = s.count > 1 ? tf.tidy(() => tf.mul(s.variance, s.count / (s.count - 1))) : s.variance.clone();
      s.variance.dispose();
      return { op: s.op, mean: s.mean, variance };
    });
  }

  static disposeStats(stats: readonly BatchStats[]): void {
    for (const s of stats) s.mean.dispose(), s.variance.dispose();
  }

  /**
   * One training step on this batch. `reduce` may combine gradients with other
   * devices before the update. A non-finite loss updates nothing (the trainer
   * stops the run and keeps the last good checkpoint).
   */
  trainStep(batch: HostBatch, lr: number, step: number, reduce?: (grads: Record<string, tf.Tensor>) => void): { lossSum: number; top1Errors: number } {
    const { grads, lossSum, top1Errors: errors, stats } = this.gradients(batch, step);
    if (Number.isFinite(lossSum)) {
      reduce?.(grads);
      this.applyGradients(grads, lr);
      this.moveRunningStats(Replica.localUpdates(stats));
    } else Replica.disposeStats(stats);
    for (const g of Object.values(grads)) g.dispose();
    return { lossSum, top1Errors: errors };
  }

  /** Inference (dropout off, batchnorm on running statistics): the summed loss and the class probabilities. */
  evaluate(batch: HostBatch): { lossSum: number; probabilities: Float32Array } {
    const logits = tf.tidy(() => this.program.run(tf.tensor(batch.x, batch.shape), { training: false, dropoutSeed: 0 }));
    const r = lossAndProbabilities(logits, batch.y, this.classes);
    logits.dispose();
    return r;
  }

  /** Every parameter and buffer held here, and every optimizer slot. */
  getState(): { params: NamedArray[]; slots: NamedArray[]; optimizerStep: number } {
    const read = (name: string, t: tf.Tensor): NamedArray => ({ name, shape: t.shape, values: t.dataSync() as Float32Array });
    return {
      params: this.params.map((p) => read(p.name, p.variable)),
      slots: [...this.optimizer.slots].map(([name, v]) => read(name, v)),
      optimizerStep: this.optimizer.step,
    };
  }

  /** Parameter, buffer or slot `name`, as held here. */
  stateTensor(name: string, slot: boolean): tf.Variable | undefined {
    return slot ? this.optimizer.slots.get(name) : this.byName.get(name);
  }

  setState(params: readonly NamedArray[], slots: readonly NamedArray[], optimizerStep: number): void {
    const assign = (target: tf.Variable | undefined, src: NamedArray, what: string) => {
      if (!target) throw new Error(`the checkpoint has ${what} \`${src.name}\` that ${this.options.cut ? 'this device' : 'the plan'} does not`);
      if (target.size !== src.values.length) throw new Error(`\`${src.name}\` has ${src.values.length} values, ${this.options.cut ? "this device's part" : 'the plan'} needs ${target.size}`);
      target.assign(tf.tensor(src.values, target.shape));
    };
    for (const p of params) assign(this.byName.get(p.name), p, 'a parameter');
    for (const s of slots) assign(this.optimizer.slots.get(s.name), s, 'optimizer state');
    this.optimizer.step = optimizerStep;
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    this.optimizer.dispose();
  }
}
