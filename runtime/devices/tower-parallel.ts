/**
 * Tower placement, coordinator side: every device gets the whole batch and
 * runs its towers (tower-engine.ts); threads exchange activations and
 * gradients among themselves in shared memory (exchange.ts), processes
 * through the coordinator (relay.ts). Here the batches are handed out, the
 * exchange memory sized, and the parameters cut or joined along their
 * towerAxis for checkpoints (which hold whole tensors, whatever the device
 * count).
 */
import type { Plan } from '../../plan/types.js';
import type { EvalResult, Executor, ExecutorState, HostBatch, NamedArray, StepResult } from '../exec/executor.js';
import { abortExchange, controlWords, waitingDevices } from './exchange.js';
import type { DeviceGroup } from './group.js';
import { concatAxis, partOf } from './host-arrays.js';
import type { Buf, ExchangeMemory, StateEntry, StepReply } from './messages.js';
import { toShared } from './shared.js';
import { paramOfSlot, towerSplitParams } from './tower-engine.js';

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/**
 * Values per image of the largest exchange: a whole gathered tensor, the
 * logits, or (once per step, whatever the batch) the gradients of the
 * parameters every device holds whole.
 */
export function exchangePerImage(plan: Plan): number {
  const split = towerSplitParams(plan);
  const replicated = plan.params.filter((p) => p.trainable && !split.has(p.name)).reduce((n, p) => n + p.count, 0);
  return Math.max(plan.output.classes ?? 0, replicated, ...plan.ops.filter((o) => o.op === 'exchange').map((o) => product(o.inputShapes[0]!)));
}

export function newExchangeMemory(devices: number, rows: number, perImage: number, timeoutMs: number, control?: SharedArrayBuffer): ExchangeMemory {
  const slotElems = rows * perImage;
  return {
    control: control ?? new SharedArrayBuffer(controlWords(devices) * 4),
    data: new SharedArrayBuffer(2 * devices * slotElems * 4),
    slotElems,
    timeoutMs,
  };
}

/** Where a device's training time went, summed over steps (for the bench). */
export interface TowerTimes {
  steps: number;
  stepMs: number;
  exchanges: number;
  waitMs: number;
  copyMs: number;
}

export class TowerParallelExecutor implements Executor {
  /** Per device. */
  readonly times: TowerTimes[];
  private rows: number;
  private readonly perImage: number;
  /** The towerAxis of each parameter cut over the towers (the others every device holds whole). */
  private readonly axisOf: Map<string, number>;
  private readonly names: Set<string>;

  constructor(
    private readonly group: DeviceGroup,
    readonly plan: Plan,
    /** Shared exchange memory (threads); null for processes, which exchange through the coordinator. */
    private memory: ExchangeMemory | null,
    rows: number,
  ) {
    this.rows = rows;
    this.perImage = exchangePerImage(plan);
    const split = towerSplitParams(plan);
    this.axisOf = new Map(plan.params.filter((p) => split.has(p.name)).map((p) => [p.name, p.towerAxis]));
    this.names = new Set(plan.params.map((p) => p.name));
    if (memory) {
      const control = memory.control;
      group.exchange = { waiting: () => waitingDevices(control, group.devices), abort: () => abortExchange(control) };
    }
    this.times = group.links.map(() => ({ steps: 0, stepMs: 0, exchanges: 0, waitMs: 0, copyMs: 0 }));
  }

  get devices(): number {
    return this.group.devices;
  }

  /** New, larger exchange memory when a batch has more rows than the current one fits. */
  private grow(rows: number): ExchangeMemory | undefined {
    if (!this.memory || rows <= this.rows) return undefined;
    this.rows = rows;
    this.memory = newExchangeMemory(this.devices, rows, this.perImage, this.memory.timeoutMs, this.memory.control);
    return this.memory;
  }

  /** Threads: the batch goes into shared memory once, for every device. */
  private share<T extends Buf>(b: T): T {
    return (this.memory ? toShared(b) : b) as T;
  }

  async trainStep(batch: HostBatch, lr: number, step: number): Promise<StepResult> {
    const exchange = this.grow(batch.y.length);
    const bufs = [this.share(batch.x), this.share(batch.y)];
    const replies = await this.group.all(() => ({ kind: 'train', step, lr, shape: batch.shape, ...(exchange ? { exchange } : {}) }), () => bufs);
    for (const [d, r] of replies.entries()) {
      const h = r.h as unknown as StepReply & { stepMs: number };
      const t = this.times[d]!;
      t.steps++;
      t.stepMs += h.stepMs;
      t.exchanges += h.exchange?.exchanges ?? 0;
      t.waitMs += h.exchange?.waitMs ?? 0;
      t.copyMs += h.exchange?.copyMs ?? 0;
    }
    // Every device computed the loss from the same gathered logits: device 0 speaks for all.
    const h = replies[0]!.h as unknown as StepReply;
    return { lossSum: h.lossSum, top1Errors: h.top1Errors, count: h.count };
  }

  async evaluate(batch: HostBatch): Promise<EvalResult> {
    const exchange = this.grow(batch.y.length);
    const bufs = [this.share(batch.x), this.share(batch.y)];
    const replies = await this.group.all(() => ({ kind: 'evaluate', shape: batch.shape, ...(exchange ? { exchange } : {}) }), () => bufs);
    const r = replies[0]!;
    return { lossSum: (r.h as { lossSum: number }).lossSum, probabilities: r.bufs[0] as Float32Array, count: batch.y.length };
  }

  /** Whole tensors: each device's parts joined along the parameter's towerAxis (a replicated one: device 0's). */
  async getState(): Promise<ExecutorState> {
    const replies = await this.group.all(() => ({ kind: 'getState' }));
    const first = replies[0]!.h as { entries: StateEntry[]; optimizerStep: number };
    const params: NamedArray[] = [];
    const slots: NamedArray[] = [];
    for (const [i, e] of first.entries.entries()) {
      const axis = this.axisOf.get(e.param);
      const parts = replies.map((r) => ({ values: r.bufs[i] as Float32Array, shape: e.shape }));
      const whole = axis === undefined ? parts[0]! : concatAxis(parts, axis);
      (e.slot ? slots : params).push({ name: e.name, shape: whole.shape, values: whole.values });
    }
    return { params, slots, optimizerStep: first.optimizerStep };
  }

  /** Cuts each whole tensor into the devices' parts (a replicated one goes whole to each). */
  async setState(state: ExecutorState): Promise<void> {
    const names = this.plan.params.map((p) => ({ name: p.name }));
    const all = [...state.params.map((a) => ({ a, slot: false })), ...state.slots.map((a) => ({ a, slot: true }))];
    const entriesFor = (d: number) => all.map(({ a, slot }) => {
      const param = slot ? paramOfSlot(a.name, names) : a.name;
      if (!this.names.has(param)) throw new Error(`the checkpoint has a parameter \`${a.name}\` that the plan does not`);
      const axis = this.axisOf.get(param);
      const part = axis === undefined ? { values: a.values, shape: [...a.shape] } : partOf(a.values, a.shape, axis, this.devices, d);
      return { entry: { name: a.name, param, slot, shape: [] as number[] }, part };
    });
    const perDevice = this.group.links.map((_, d) => entriesFor(d));
    await this.group.all(
      (d) => ({ kind: 'setState', entries: perDevice[d]!.map((x) => ({ ...x.entry, shape: x.part.shape })), optimizerStep: state.optimizerStep }),
      (d) => perDevice[d]!.map((x) => x.part.values),
    );
  }

  dispose(): Promise<void> {
    return this.group.close();
  }
}
