/**
 * Data placement, coordinator side: every device holds the whole model; a
 * batch is cut into contiguous row slices, one per device; each returns the
 * gradients of its slice, the coordinator averages them (all-reduce.ts) and
 * every device applies the same update (and moves its batchnorm running
 * statistics by the whole batch's, batch-stats.ts). The state of any device is the
 * state of the model, so checkpoints read device 0 and load into all.
 */
import type { Plan } from '../../plan/types.js';
import type { EvalResult, Executor, ExecutorState, HostBatch, NamedArray, StepResult } from '../exec/executor.js';
import { splitRows, weightedSum } from './all-reduce.js';
import { combineBatchStats } from './batch-stats.js';
import type { DeviceGroup } from './group.js';
import type { Buf, StateEntry, StepReply } from './messages.js';
import { sharedFloat32, toShared } from './shared.js';

export class DataParallelExecutor implements Executor {
  /** For the bench: per device, steps and time computing gradients; and the coordinator's wall time of those steps. */
  readonly times: { steps: number; computeMs: number; updates: number; updateMs: number }[];
  readonly wall = { steps: 0, ms: 0 };
  private readonly reduced: Float32Array;
  private readonly batchNorm: boolean;

  constructor(
    private readonly group: DeviceGroup,
    readonly plan: Plan,
    /** Threads: batches go into shared memory once and every device reads its rows there. */
    private readonly shareMemory: boolean,
  ) {
    const count = plan.params.reduce((s, p) => s + p.count, 0);
    this.reduced = shareMemory ? sharedFloat32(count) : new Float32Array(count);
    this.batchNorm = plan.ops.some((o) => o.op === 'batchnorm');
    this.times = group.links.map(() => ({ steps: 0, computeMs: 0, updates: 0, updateMs: 0 }));
  }

  get devices(): number {
    return this.group.devices;
  }

  private share<T extends Buf>(b: T): T {
    return (this.shareMemory ? toShared(b) : b) as T;
  }

  /** The batch cut into row slices, with the request each device gets. */
  private slices(batch: HostBatch) {
    const total = batch.y.length;
    const row = total > 0 ? batch.x.length / total : 0;
    const x = this.share(batch.x);
    const y = this.share(batch.y);
    return splitRows(total, this.devices).map(({ start, n }, device) => ({
      device, start, n, total,
      shape: [n, ...batch.shape.slice(1)],
      bufs: [x.subarray(start * row, (start + n) * row), y.subarray(start, start + n)],
    }));
  }

  async trainStep(batch: HostBatch, lr: number, step: number): Promise<StepResult> {
    const t0 = performance.now();
    const parts = this.slices(batch).filter((s) => s.n > 0);
    const replies = await Promise.all(parts.map((s) => this.group.request(s.device, { kind: 'grads', step, rows: { start: s.start, total: s.total }, shape: s.shape }, s.bufs)));
    let lossSum = 0;
    let top1Errors = 0;
    for (const [i, r] of replies.entries()) {
      const h = r.h as unknown as StepReply & { stepMs: number };
      lossSum += h.lossSum;
      top1Errors += h.top1Errors;
      const t = this.times[parts[i]!.device]!;
      t.steps++;
      t.computeMs += h.stepMs;
    }
    const skip = !Number.isFinite(lossSum);
    if (!skip) {
      weightedSum(this.reduced, replies.map((r, i) => ({ values: r.bufs[0] as Float32Array, weight: parts[i]!.n / batch.y.length })));
      if (this.batchNorm) combineBatchStats(this.plan, this.reduced, replies.map((r, i) => ({ values: r.bufs[0] as Float32Array, rows: parts[i]!.n })));
    }
    // Not awaited: each device applies before it serves its next request (requests are served in
    // order), so the update overlaps the trainer's next batch. A failed apply fails the group, and
    // with it the next request. `reduced` is rewritten only after every device answered the next
    // grads request, i.e. after it had read this one.
    this.group.all(() => ({ kind: 'apply', lr, skip }), () => (skip ? [] : [this.reduced])).then((rs) => {
      for (const [d, r] of rs.entries()) {
        this.times[d]!.updates++;
        this.times[d]!.updateMs += (r.h as { stepMs: number }).stepMs;
      }
    }, () => {});
    this.wall.steps++;
    this.wall.ms += performance.now() - t0;
    return { lossSum, top1Errors, count: batch.y.length };
  }

  async evaluate(batch: HostBatch): Promise<EvalResult> {
    const classes = this.plan.output.classes ?? 0;
    const parts = this.slices(batch).filter((s) => s.n > 0);
    const replies = await Promise.all(parts.map((s) => this.group.request(s.device, { kind: 'evaluate', shape: s.shape }, s.bufs)));
    const probabilities = new Float32Array(batch.y.length * classes);
    let lossSum = 0;
    for (const [i, r] of replies.entries()) {
      lossSum += (r.h as { lossSum: number }).lossSum;
      probabilities.set(r.bufs[0] as Float32Array, parts[i]!.start * classes);
    }
    return { lossSum, probabilities, count: batch.y.length };
  }

  /** The state of the model: any device's (device 0 unless asked; tests compare them). */
  async getState(device = 0): Promise<ExecutorState> {
    const r = await this.group.request(device, { kind: 'getState' });
    const h = r.h as { entries: StateEntry[]; optimizerStep: number };
    const arrays: NamedArray[] = h.entries.map((e, i) => ({ name: e.name, shape: e.shape, values: r.bufs[i] as Float32Array }));
    return { params: arrays.filter((_, i) => !h.entries[i]!.slot), slots: arrays.filter((_, i) => h.entries[i]!.slot), optimizerStep: h.optimizerStep };
  }

  async setState(state: ExecutorState): Promise<void> {
    const entries: StateEntry[] = [
      ...state.params.map((p) => ({ name: p.name, param: p.name, slot: false, shape: p.shape })),
      ...state.slots.map((s) => ({ name: s.name, param: '', slot: true, shape: s.shape })),
    ];
    const values = [...state.params, ...state.slots].map((a) => this.share(a.values));
    await this.group.all(() => ({ kind: 'setState', entries, optimizerStep: state.optimizerStep }), () => values);
  }

  dispose(): Promise<void> {
    return this.group.close();
  }
}
