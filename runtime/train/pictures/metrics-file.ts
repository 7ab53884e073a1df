/**
 * Reads a run's metrics.jsonl (one EpochMetrics object per finished epoch)
 * for plotting. Tolerant of what a resumed run can leave behind: a repeated
 * epoch keeps its last line, and the result is in epoch order.
 */
import type { EpochMetrics } from '../events.js';

/** Bad picture input (unreadable metrics, a weight that is not a conv kernel): the CLI reports it as an input error. */
export class PictureError extends Error {
  override readonly name = 'PictureError';
}

const NUMERIC: (keyof EpochMetrics)[] = ['lr', 'train_loss', 'train_top1_error', 'val_loss', 'val_top1_error', 'val_top5_error', 'images_per_sec', 'seconds'];

export function parseMetricsJsonl(text: string, file: string): EpochMetrics[] {
  const byEpoch = new Map<number, EpochMetrics>();
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new PictureError(`${file}:${i + 1}: not a JSON line`);
    }
    const o = v as Record<string, unknown> | null;
    if (!o || typeof o !== 'object' || !Number.isInteger(o.epoch) || (o.epoch as number) < 0) {
      throw new PictureError(`${file}:${i + 1}: not an epoch record (it needs an integer \`epoch\`)`);
    }
    const m: Record<string, unknown> = { ...o };
    for (const k of NUMERIC) {
      const x = o[k];
      m[k] = typeof x === 'number' && Number.isFinite(x) ? x : null;
    }
    m.lr_reduced = o.lr_reduced === true;
    byEpoch.set(o.epoch as number, m as unknown as EpochMetrics);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
