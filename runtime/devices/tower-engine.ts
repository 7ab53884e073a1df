/**
 * A device of tower placement (the paper's model parallelism): it owns towers
 * [first, first + L) of the plan, i.e. that part of every tower-split
 * parameter along its towerAxis, and runs the plan interpreter on a site
 * whose tower parts are its own. Where a split value must become whole (the
 * plan's exchange ops), the towers' activations are all-gathered from the
 * other devices (and in the backward pass the gradients reduce-scattered
 * back), through a custom-gradient op around the synchronous exchange, so a
 * step is one tf.variableGrads call, as on one device. Every device computes
 * the loss from the whole logits and updates its own parameters with the same
 * optimizer rule, which acts elementwise, so an update of a part is the part
 * of the update.
 */
import * as tf from '@tensorflow/tfjs';
import type { Plan } from '../../plan/types.js';
import { Replica } from '../exec/replica.js';
import type { Site } from '../ops/index.js';
import { joinLast, splitN, type Value } from '../ops/value.js';
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

/**
 * Parameters cut over the towers (their op's output is split); the others
 * belong to ops every device computes whole (e.g. a batchnorm of a replicated
 * value): each device holds all of them and their gradients are summed.
 */
export function towerSplitParams(plan: Plan): Set<string> {
  const split = new Set(plan.ops.filter((o) => o.towers.output === 'split').map((o) => o.name));
  return new Set(plan.params.filter((p) => plan.towers > 1 && split.has(p.op)).map((p) => p.name));
}

/** The site of `device` of `devices`: its own towers, the others' through the exchange. */
class TowerSite implements Site {
  readonly towers: number;
  readonly local: number;
  readonly first: number;

  constructor(
    plan: Plan,
    private readonly device: number,
    private readonly devices: number,
    private readonly exchange: TowerExchange,
  ) {
    this.towers = plan.towers;
    this.local = plan.towers / devices;
    this.first = device * this.local;
  }

  gather(parts: readonly tf.Tensor[]): tf.Tensor {
    return this.allGather(joinLast(parts), 'sum');
  }

  /** My block of a whole tensor's last axis, cut into my towers. */
  mine(t: tf.Tensor): tf.Tensor[] {
    const axis = t.rank - 1;
    const c = t.shape[axis]! / this.devices;
    const block = tf.slice(t, t.shape.map((_, i) => (i === axis ? this.device * c : 0)), t.shape.map((s, i) => (i === axis ? c : s)));
    return splitN(block, this.local, axis);
  }

  /**
   * Every device computes the same loss from the whole logits. Split logits:
   * my part's gradient is already whole (`mine`). Whole logits: each device
   * passes back 1/devices of the gradient, so the sums at the exchanges (and
   * of the replicated parameters' gradients) count it once.
   */
  output(v: Value): tf.Tensor {
    if (v.kind === 'towers') return this.allGather(joinLast(v.parts), 'mine');
    if (this.devices === 1) return v.t;
    const share = 1 / this.devices;
    const scaled = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.mul(dy, share) })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return scaled(v.t);
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
}

export class TowerEngine {
  /** Towers on this device, and the first one's global index. */
  readonly towersHere: number;
  readonly firstTower: number;
  private readonly replica: Replica;
  /** Parameters every device holds whole (not cut over towers), whose gradients are summed over devices. */
  private readonly replicated: string[];

  constructor(
    readonly plan: Plan,
    readonly device: number,
    readonly devices: number,
    seed: number,
    labelSmoothing: number,
    private readonly exchange: TowerExchange,
  ) {
    const why = towersUnsupported(plan, devices);
    if (why) throw new Error(why);
    const site = new TowerSite(plan, device, devices, exchange);
    this.towersHere = site.local;
    this.firstTower = site.first;
    const split = towerSplitParams(plan);
    this.replicated = plan.params.filter((p) => p.trainable && !split.has(p.name)).map((p) => p.name);
    // The same initial values as one device (same seed), cut to this device's towers.
    this.replica = new Replica(plan, {
      seed, labelSmoothing, site,
      cut: (p, values) => (split.has(p.name) ? partOf(values, p.shape, p.towerAxis, devices, device) : { values, shape: p.shape }),
    });
  }

  /** Sums the replicated parameters' gradients over the devices (one all-gather of them all). */
  private sumReplicated(grads: Record<string, tf.Tensor>): void {
    if (this.devices === 1 || this.replicated.length === 0) return;
    const names = this.replicated.filter((n) => grads[n]);
    const flat = new Float32Array(names.reduce((s, n) => s + grads[n]!.size, 0));
    let at = 0;
    for (const n of names) {
      flat.set(grads[n]!.dataSync() as Float32Array, at);
      at += grads[n]!.size;
    }
    const all = this.exchange.allGather(flat);
    const sum = new Float32Array(flat.length);
    for (const part of all) for (let i = 0; i < sum.length; i++) sum[i]! += part[i]!;
    at = 0;
    for (const n of names) {
      const g = grads[n]!;
      grads[n] = tf.tensor(sum.subarray(at, at + g.size), g.shape);
      at += g.size;
      g.dispose();
    }
  }

  /** Forward, backward (with exchanges) and the update of this device's parameters. */
  trainStep(x: Float32Array, shape: number[], y: Int32Array, step: number, lr: number): StepReply {
    // Every device saw the same loss, so they all skip (or all take) the update.
    const r = this.replica.trainStep({ x, shape, y }, lr, step, (grads) => this.sumReplicated(grads));
    return { ...r, count: y.length };
  }

  evaluate(x: Float32Array, shape: number[], y: Int32Array): { lossSum: number; probabilities: Float32Array } {
    return this.replica.evaluate({ x, shape, y });
  }

  /** This device's part of every parameter, buffer and optimizer slot. */
  getState(): { entries: StateEntry[]; values: Float32Array[]; optimizerStep: number } {
    const s = this.replica.getState();
    const names = this.replica.params;
    const entries: StateEntry[] = [
      ...s.params.map((p) => ({ name: p.name, param: p.name, slot: false, shape: p.shape })),
      ...s.slots.map((p) => ({ name: p.name, param: paramOfSlot(p.name, names), slot: true, shape: p.shape })),
    ];
    return { entries, values: [...s.params, ...s.slots].map((a) => a.values), optimizerStep: s.optimizerStep };
  }

  setState(entries: readonly StateEntry[], values: readonly Float32Array[], optimizerStep: number): void {
    const arrays = entries.map((e, i) => ({ name: e.name, shape: e.shape, values: values[i]! }));
    this.replica.setState(arrays.filter((_, i) => !entries[i]!.slot), arrays.filter((_, i) => entries[i]!.slot), optimizerStep);
  }

  dispose(): void {
    this.replica.dispose();
  }
}

/** `conv1.weight.velocity` -> `conv1.weight` (the longest parameter name that prefixes it). */
export function paramOfSlot(slot: string, params: readonly { name: string }[]): string {
  let best = '';
  for (const p of params) if (slot.startsWith(`${p.name}.`) && p.name.length > best.length) best = p.name;
  if (!best) throw new Error(`optimizer state \`${slot}\` belongs to no parameter`);
  return best;
}
