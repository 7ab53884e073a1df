/**
 * One device in this process: the plan's parameters as tf.Variables, the
 * forward pass from runtime/model, gradients by tf.variableGrads, and the
 * update rules of runtime/train/optimizer. Also the engine inside each
 * worker of the multi-device executors (computeGradients / applyGradients).
 */
import * as tf from '@tensorflow/tfjs';
import type { Plan } from '../../plan/types.js';
import { createForward, type Forward, type SliceOf } from '../model/forward.js';
import { initialValues } from '../model/init-params.js';
import { Optimizer, type TrainableParam } from '../train/optimizer.js';
import type { EvalResult, Executor, ExecutorState, HostBatch, NamedArray, StepResult } from './executor.js';

/**
 * tfjs keeps one global registry of variable names: two executors of one plan
 * in a process (a benchmark, an embedding tool) need distinct names. The
 * parameter's plan name stays on TrainableParam.name.
 */
let executorCount = 0;
export function uniqueVariableName(name: string): string {
  return executorCount === 0 ? name : `${name}#${executorCount}`;
}

/** Dropout seeds: one per step, derived from the run's seed. */
export function dropoutSeedFor(seed: number, step: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(step + 1, 0xc2b2ae35)) >>> 0;
}

export interface LocalExecutorOptions {
  seed: number;
  /** Labels are smoothed by this amount in the loss. */
  labelSmoothing?: number;
}

export class LocalExecutor implements Executor {
  readonly devices = 1;
  readonly params: TrainableParam[];
  readonly optimizer: Optimizer;
  private readonly forward: Forward;
  private readonly paramMap: Map<string, tf.Tensor>;
  private readonly classes: number;

  constructor(
    readonly plan: Plan,
    readonly options: LocalExecutorOptions,
  ) {
    this.forward = createForward(plan);
    this.params = plan.params.map((p, i) => ({
      name: p.name,
      variable: tf.variable(tf.tensor(initialValues(p, i, options.seed), p.shape), true, uniqueVariableName(p.name)),
      lrMult: p.lrMult,
      decayMult: p.decayMult,
    }));
    this.paramMap = new Map(this.params.map((p) => [p.name, p.variable]));
    this.optimizer = new Optimizer(plan.train.optimizer, this.params);
    this.classes = plan.output.classes ?? 0;
    executorCount++;
  }

  private input(batch: HostBatch): tf.Tensor {
    return tf.tensor(batch.x, batch.shape);
  }

  /** Mean softmax cross-entropy of the batch and its logits. */
  private lossOf(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    const onehot = tf.oneHot(labels, this.classes);
    return tf.losses.softmaxCrossEntropy(onehot, logits, undefined, this.options.labelSmoothing ?? 0) as tf.Scalar;
  }

  /**
   * Gradients of the mean loss over `batch`, by parameter name. `slice` says
   * which rows of a larger batch this is, so dropout masks match a single
   * device running the whole batch (data parallelism stays exact).
   */
  computeGradients(batch: HostBatch, step: number, rows?: SliceOf): { grads: Record<string, tf.Tensor>; lossSum: number; top1Errors: number } {
    let logitsKept: tf.Tensor2D | null = null;
    const { value, grads: byVariable } = tf.tidy(() => {
      const x = this.input(batch);
      const y = tf.tensor1d(batch.y, 'int32');
      return tf.variableGrads(() => {
        const logits = this.forward(this.paramMap, x, { training: true, dropoutSeed: dropoutSeedFor(this.options.seed, step), ...(rows ? { rows } : {}) });
        logitsKept = tf.keep(logits);
        return this.lossOf(logits, y);
      });
    });
    const loss = value.dataSync()[0]!;
    value.dispose();
    const logits = logitsKept as tf.Tensor2D | null;
    let top1Errors = 0;
    if (logits) {
      const predicted = tf.tidy(() => tf.argMax(logits, 1));
      const p = predicted.dataSync();
      for (let i = 0; i < batch.y.length; i++) if (p[i] !== batch.y[i]) top1Errors++;
      predicted.dispose();
      logits.dispose();
    }
    // Gradients by the plan's parameter names (variable names may carry a suffix, see uniqueVariableName).
    const grads: Record<string, tf.Tensor> = {};
    for (const p of this.params) if (byVariable[p.variable.name]) grads[p.name] = byVariable[p.variable.name]!;
    return { grads, lossSum: loss * batch.y.length, top1Errors };
  }

  applyGradients(grads: Record<string, tf.Tensor>, lr: number): void {
    this.optimizer.apply(grads, lr);
  }

  async trainStep(batch: HostBatch, lr: number, step: number): Promise<StepResult> {
    const { grads, lossSum, top1Errors } = this.computeGradients(batch, step);
    if (Number.isFinite(lossSum)) this.applyGradients(grads, lr);
    for (const g of Object.values(grads)) g.dispose();
    return { lossSum, top1Errors, count: batch.y.length };
  }

  async evaluate(batch: HostBatch): Promise<EvalResult> {
    const [lossT, probsT] = tf.tidy(() => {
      const logits = this.forward(this.paramMap, this.input(batch), { training: false, dropoutSeed: 0 });
      const y = tf.tensor1d(batch.y, 'int32');
      const losses = tf.losses.softmaxCrossEntropy(tf.oneHot(y, this.classes), logits, undefined, 0, tf.Reduction.NONE);
      return [tf.sum(losses), tf.softmax(logits)];
    });
    const lossSum = (await lossT.data())[0]!;
    const probabilities = (await probsT.data()) as Float32Array;
    lossT.dispose();
    probsT.dispose();
    return { lossSum, probabilities, count: batch.y.length };
  }

  async getState(): Promise<ExecutorState> {
    const read = async (name: string, t: tf.Tensor): Promise<NamedArray> => ({ name, shape: t.shape, values: (await t.data()) as Float32Array });
    const params = await Promise.all(this.params.map((p) => read(p.name, p.variable)));
    const slots = await Promise.all([...this.optimizer.slots].map(([name, v]) => read(name, v)));
    return { params, slots, optimizerStep: this.optimizer.step };
  }

  async setState(state: ExecutorState): Promise<void> {
    const assign = (target: tf.Variable, src: NamedArray) => {
      if (target.size !== src.values.length) throw new Error(`\`${src.name}\` has ${src.values.length} values, the plan needs ${target.size}`);
      target.assign(tf.tensor(src.values, target.shape));
    };
    const byName = new Map(this.params.map((p) => [p.name, p.variable]));
    for (const p of state.params) {
      const v = byName.get(p.name);
      if (!v) throw new Error(`the checkpoint has a parameter \`${p.name}\` that the plan does not`);
      assign(v, p);
    }
    for (const s of state.slots) {
      const v = this.optimizer.slots.get(s.name);
      if (!v) throw new Error(`the checkpoint has optimizer state \`${s.name}\` that this optimizer does not`);
      assign(v, s);
    }
    this.optimizer.step = state.optimizerStep;
  }

  async dispose(): Promise<void> {
    for (const p of this.params) p.variable.dispose();
    this.optimizer.dispose();
  }
}
