/**
 * The data-parallel all-reduce, done by the coordinator (a star: every device
 * sends its gradients, every device gets the same average back). Each device's
 * gradient is the mean over its rows, so the batch mean is the sum weighted
 * by rows / batch. The sum runs in device order, so every replica receives
 * bit-identical gradients and the replicas never drift apart.
 */
export interface Contribution {
  values: Float32Array;
  weight: number;
}

export function weightedSum(out: Float32Array, parts: readonly Contribution[]): Float32Array {
  if (parts.length === 0) return out.fill(0);
  const [first, ...rest] = parts;
  const v0 = first!.values;
  const w0 = first!.weight;
  for (let i = 0; i < out.length; i++) out[i] = v0[i]! * w0;
  for (const { values, weight } of rest) for (let i = 0; i < out.length; i++) out[i]! += values[i]! * weight;
  return out;
}

/** Rows [start, start + n) of a batch of `total` for each of `devices`, as even as can be. */
export function splitRows(total: number, devices: number): { start: number; n: number }[] {
  const base = Math.floor(total / devices);
  const extra = total % devices;
  let start = 0;
  return Array.from({ length: devices }, (_, d) => {
    const n = base + (d < extra ? 1 : 0);
    const s = { start, n };
    start += n;
    return s;
  });
}
