/**
 * A device of tower placement (the paper's model parallelism): it owns towers
 * [first, first + L) of the plan, i.e. that part of every parameter along its
 * towerAxis, and computes only their part of every layer. Where the plan has an
 * exchange op, the towers' activations are all-gathered from the other devices
 * (and in the backward pass the gradients reduce-scattered back), through a
 * custom-gradient op around the synchronous shared-memory exchange, so a step
 * is one tf.variableGrads call, as on one device. The loss is computed on
 * every device from the gathered logits; each device updates its own
 * parameters with the same optimizer rule, which acts elementwise, so an
 * update of a part is the part of the update.
 */
import * as tf from '@tensorflow/tfjs';
import { opsNeededFor } from '../../plan/graph.js';
import type { Plan, PlanOp } from '../../plan/types.js';
import { dropoutSeedFor, uniqueVariableName } from '../exec/local-executor.js';
import { runOp, type ForwardContext } from '../model/forward.js';
import { initialValues } from '../model/init-params.js';
import { gather, whole, type Value } from '../model/lower-ops.js';
import { Optimizer, type TrainableParam } from '../train/optimizer.js';
import type { TowerExchange } from './exchange.js';
import { partOf } from './host-arrays.js';
import type { StateEntry, StepReply } from './messages.js';

/** Checks that a plan can be split into `devices` parts by towers; returns why not, or null. */
export function towersUnsupported(plan: Plan, devices: number): string | null {
  if (plan.towers < 2) return `the model has no towers (towers: ${plan.towers})`;
  if (devices > plan.towers) return `the model has ${plan.towers} towers: tower placement uses at most ${plan.towers} devices`;
  if (plan.towers % devices !== 0) return `${plan.towers} towers do not divide evenly over ${devices} devices`;
  return null;
}

/** The op as run on a device holding `devices`-th of the towers: grouped layers keep their per-tower groups. */
function localOp(op: PlanOp, devices: number): PlanOp {
  if (op.op === 'conv2d' && op.towers.connect === 'tower') return { ...op, attrs: { ...op.attrs, groups: op.attrs.groups / devices } };
  if (op.op === 'dense' && op.towers.connect === 'tower') return { ...op, attrs: { ...op.attrs, groups: op.attrs.groups / devices } };
  return op;
}

export class TowerEngine {
  /** Towers on this device, and the first one's global index. */
  readonly towersHere: number;
  readonly firstTower: number;
  private readonly ops: PlanOp[];
  private readonly params: TrainableParam[];
  private readonly paramMap: Map<string, tf.Tensor>;
  private readonly optimizer: Optimizer;
  private readonly classes: number;

  constructor(
    readonly plan: Plan,
    readonly device: number,
    readonly devices: number,
    private readonly seed: number,
    private readonly labelSmoothing: number,
    private readonly exchange: TowerExchange,
  ) {
    const why = towersUnsupported(plan, devices);
    if (why) throw new Error(why);
    this.towersHere = plan.towers / devices;
    this.firstTower = device * this.towersHere;
    this.ops = opsNeededFor(plan, plan.output.logits).map((o) => localOp(o, devices));
    // The same initial values as one device (same seed), cut to this device's towers.
    this.params = plan.params.map((p, i) => {
      const part = partOf(initialValues(p, i, seed), p.shape, p.towerAxis, devices, device);
      return { name: p.name, variable: tf.variable(tf.tensor(part.values, part.shape), true, uniqueVariableName(p.name)), lrMult: p.lrMult, decayMult: p.decayMult };
    });
    this.paramMap = new Map(this.params.map((p) => [p.name, p.variable]));
    this.optimizer = new Optimizer(plan.train.optimizer, this.params);
    this.classes = plan.output.classes ?? 0;
  }

  /**
   * All devices' parts of a tower-split tensor, joined along the last axis. Backward:
   * `sum` when each device's consumer used the whole tensor for its own outputs (the
   * gradient of my part is the sum of everyone's), `mine` when every device computed
   * the same thing from it (the loss): then my part of the gradient is already whole.
   */
  private allGather(local: tf.Tensor, backward: 'sum' | 'mine'): tf.Tensor {
    const ex = this.exchange;
    const device = this.device;
    const gatherOp = tf.customGrad(((x: tf.Tensor) => {
      const axis = x.rank - 1;
      const parts = ex.allGather(x.dataSync() as Float32Array);
      const value = tf.concat(parts.map((p) => tf.tensor(p, x.shape)), axis);
      const gradFunc = (dy: tf.Tensor) => {
        const c = x.shape[axis]!;
        if (backward === 'mine') return tf.slice(dy, x.shape.map((_, i) => (i === axis ? device * c : 0)), x.shape);
        const channels = dy.shape[axis]!;
        return tf.tensor(ex.reduceScatter(dy.dataSync() as Float32Array, dy.size / channels, channels), x.shape);
      };
      return { value, gradFunc };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return gatherOp(local);
  }

  /** My block of a whole tensor's last axis (a tower-connected layer reading a replicated input). */
  private myChannels(t: tf.Tensor): tf.Tensor {
    const axis = t.rank - 1;
    const c = t.shape[axis]! / this.devices;
    return tf.slice(t, t.shape.map((_, i) => (i === axis ? this.device * c : 0)), t.shape.map((s, i) => (i === axis ? c : s)));
  }

  /** The gathered logits, the same on every device. */
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    let h: Value = whole(x);
    let split = false;
    // Tower placement runs chains only (the plan interpreter of the graph redesign replaces this walk).
    for (const op of this.ops) {
      if (op.op === 'input') continue;
      if (op.op === 'exchange') {
        if (split) h = whole(this.allGather(gather(h), 'sum'));
        split = false;
        continue;
      }
      const weighted = op.op === 'conv2d' || op.op === 'dense';
      if (weighted && op.towers.connect === 'tower' && !split) h = whole(this.myChannels(gather(h)));
      if (weighted && op.towers.connect !== 'tower' && split) throw new Error(`\`${op.name}\` reads every tower but the plan has no exchange before it`);
      h = runOp(op, [h], this.paramMap, split ? { ...ctx, firstTower: this.firstTower } : ctx, this.towersHere);
      if (weighted) split = true;
    }
    const logits = gather(h);
    return (split ? this.allGather(logits, 'mine') : logits) as tf.Tensor2D;
  }

  private lossOf(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, this.classes), logits, undefined, this.labelSmoothing) as tf.Scalar;
  }

  /** Forward, backward (with exchanges) and the update of this device's parameters. */
  trainStep(x: Float32Array, shape: number[], y: Int32Array, step: number, lr: number): StepReply {
    let kept: tf.Tensor2D | null = null;
    const { value, grads } = tf.tidy(() => {
      const xt = tf.tensor(x, shape);
      const yt = tf.tensor1d(y, 'int32');
      return tf.variableGrads(() => {
        const logits = this.forward(xt, { training: true, dropoutSeed: dropoutSeedFor(this.seed, step) });
        kept = tf.keep(logits);
        return this.lossOf(logits, yt);
      });
    });
    const lossSum = value.dataSync()[0]! * y.length;
    value.dispose();
    let top1Errors = 0;
    const logits = kept as tf.Tensor2D | null;
    if (logits) {
      const predicted = tf.tidy(() => tf.argMax(logits, 1));
      const p = predicted.dataSync();
      for (let i = 0; i < y.length; i++) if (p[i] !== y[i]) top1Errors++;
      predicted.dispose();
      logits.dispose();
    }
    // Every device saw the same loss, so they all skip (or all take) the update.
    // The optimizer takes gradients by parameter name, not by (possibly suffixed) variable name.
    const byName: Record<string, tf.Tensor> = {};
    for (const p of this.optimizer.params) if (grads[p.variable.name]) byName[p.name] = grads[p.variable.name]!;
    if (Number.isFinite(lossSum)) this.optimizer.apply(byName, lr);
    for (const g of Object.values(grads)) g.dispose();
    return { lossSum, top1Errors, count: y.length };
  }

  evaluate(x: Float32Array, shape: number[], y: Int32Array): { lossSum: number; probabilities: Float32Array } {
    const [lossT, probsT] = tf.tidy(() => {
      const logits = this.forward(tf.tensor(x, shape), { training: false, dropoutSeed: 0 });
      const yt = tf.tensor1d(y, 'int32');
      const losses = tf.losses.softmaxCrossEntropy(tf.oneHot(yt, this.classes), logits, undefined, 0, tf.Reduction.NONE);
      return [tf.sum(losses), tf.softmax(logits)];
    });
    const lossSum = lossT.dataSync()[0]!;
    const probabilities = probsT.dataSync() as Float32Array;
    lossT.dispose();
    probsT.dispose();
    return { lossSum, probabilities };
  }

  /** This device's part of every parameter and optimizer slot. */
  getState(): { entries: StateEntry[]; values: Float32Array[]; optimizerStep: number } {
    const entries: StateEntry[] = [];
    const values: Float32Array[] = [];
    for (const p of this.params) {
      entries.push({ name: p.name, param: p.name, slot: false, shape: p.variable.shape });
      values.push(p.variable.dataSync() as Float32Array);
    }
    for (const [name, v] of this.optimizer.slots) {
      entries.push({ name, param: paramOfSlot(name, this.params), slot: true, shape: v.shape });
      values.push(v.dataSync() as Float32Array);
    }
    return { entries, values, optimizerStep: this.optimizer.step };
  }

  setState(entries: readonly StateEntry[], values: readonly Float32Array[], optimizerStep: number): void {
    for (const [i, e] of entries.entries()) {
      const target = e.slot ? this.optimizer.slots.get(e.name) : (this.paramMap.get(e.name) as tf.Variable | undefined);
      if (!target) throw new Error(`the checkpoint has ${e.slot ? 'optimizer state' : 'a parameter'} \`${e.name}\` that this device does not`);
      if (target.size !== values[i]!.length) throw new Error(`\`${e.name}\` has ${values[i]!.length} values, this device's part needs ${target.size}`);
      target.assign(tf.tensor(values[i]!, target.shape));
    }
    this.optimizer.step = optimizerStep;
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    this.optimizer.dispose();
  }
}

/** `conv1.weight.velocity` -> `conv1.weight` (the longest parameter name that prefixes it). */
export function paramOfSlot(slot: string, params: readonly { name: string }[]): string {
  let best = '';
  for (const p of params) if (slot.startsWith(`${p.name}.`) && p.name.length > best.length) best = p.name;
  if (!best) throw new Error(`optimizer state \`${slot}\` belongs to no parameter`);
  return best;
}
