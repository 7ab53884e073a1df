/**
 * A run's metrics.jsonl: one JSON line per finished epoch, snake_case keys,
 * `epoch` counted from 1 as the progress text and `--json` count it
 * (internally, EpochMetrics.epoch counts from 0). The reader, for plotting,
 * is tolerant of what a resumed run can leave behind (a repeated epoch keeps
 * its last line) and of files from before epochs counted from 1.
 */
import { NetcError } from '../../../compiler/diagnostics/netc-error.js';
import type { EpochMetrics } from '../events.js';

/** Bad picture input (unreadable metrics, a weight that is not a conv kernel): the CLI reports it as an input error. */
export class PictureError extends NetcError {
  constructor(message: string) {
    super('NETC5405', message);
  }
}

const NUMERIC: (keyof EpochMetrics)[] = ['lr', 'train_loss', 'train_top1_error', 'val_loss', 'val_top1_error', 'val_top5_error', 'images_per_sec', 'seconds'];

/** One line of metrics.jsonl. */
export function metricsLine(m: EpochMetrics): string {
  return JSON.stringify({ ...m, epoch: m.epoch + 1 }) + '\n';
}

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
  // Files written before epochs counted from 1 start at 0.
  const base = byEpoch.has(0) ? 0 : 1;
  return [...byEpoch.values()].map((m) => ({ ...m, epoch: m.epoch - base })).sort((a, b) => a.epoch - b.epoch);
}
