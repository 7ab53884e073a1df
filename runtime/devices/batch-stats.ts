/**
 * Batchnorm statistics under data placement. Each device normalizes with the
 * statistics of its own rows; the running statistics move by those of the
 * whole batch, combined exactly from the devices' means and biased variances
 * and their counts (the parallel-variance formula), so they equal what one
 * device computes from the whole batch and stay identical on every device.
 * Devices send their statistics in the flat gradient array's slots of the
 * running statistics (which have no gradient).
 */
import type { BatchNormOp, Plan } from '../../plan/types.js';

/** Where each parameter starts in the flat array of plan.params in order. */
export function flatOffsets(plan: Plan): Map<string, number> {
  const offsets = new Map<string, number>();
  let at = 0;
  for (const p of plan.params) {
    offsets.set(p.name, at);
    at += p.count;
  }
  return offsets;
}

export interface DeviceStats {
  /** The device's flat array (its batch statistics in the running-statistics slots). */
  values: Float32Array;
  /** Rows of the batch it computed. */
  rows: number;
}

/**
 * Writes the whole batch's mean and unbiased variance of every batchnorm into
 * `out`'s running-statistics slots, from the devices' per-row statistics.
 */
export function combineBatchStats(plan: Plan, out: Float32Array, devices: readonly DeviceStats[]): void {
  const offsets = flatOffsets(plan);
  const bns = plan.ops.filter((o): o is BatchNormOp => o.op === 'batchnorm');
  for (const op of bns) {
    const shape = op.outputShape;
    const channels = shape[shape.length - 1]!;
    const positions = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const m0 = offsets.get(op.params.mean)!;
    const v0 = offsets.get(op.params.variance)!;
    const total = devices.reduce((s, d) => s + d.rows, 0) * positions;
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (const d of devices) sum += d.rows * positions * d.values[m0 + c]!;
      const mean = sum / total;
      // Sum of squared deviations from the whole batch's mean: each device's own, plus its mean's offset.
      let m2 = 0;
      for (const d of devices) {
        const n = d.rows * positions;
        const dm = d.values[m0 + c]! - mean;
        m2 += n * (d.values[v0 + c]! + dm * dm);
      }
      out[m0 + c] = mean;
      out[v0 + c] = total > 1 ? m2 / (total - 1) : m2 / total;
    }
  }
}
