/**
 * Renders training events: a progress bar with loss, rate and ETA on a TTY,
 * plain lines otherwise (logs, CI), JSON lines with --json.
 */
import { formatBytes } from '../../files/read.js';
import type { Reporter, TrainEvent } from './events.js';

export const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);
const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

function describe(e: TrainEvent): string | null {
  switch (e.type) {
    case 'start': {
      const resumed = e.resumedFrom ? `, resuming at epoch ${e.resumedFrom.epoch + 1} batch ${e.resumedFrom.batch}` : '';
      return [
        `training ${e.model}: ${e.params.toLocaleString('en-US')} params, ${count(e.epochs, 'epoch')}, batch ${e.batch}${resumed}`,
        `backend ${e.backend} (${e.backendReason}), ${e.devices} device${e.devices === 1 ? '' : 's'}${e.devices > 1 ? `, ${e.placement} placement` : ''}` +
          (e.memoryPerDevice !== null ? `, about ${formatBytes(e.memoryPerDevice)} per device${e.memoryLimit !== null ? ` (limit ${formatBytes(e.memoryLimit)})` : ''}` : ''),
        `data ${e.data.source}: ${e.data.train} train, ${e.data.validation} validation, ${e.data.test} test`,
        `run directory ${e.runDir}`,
      ].join('\n');
    }
    case 'epoch':
      return (
        `epoch ${e.epoch + 1}/${e.epochs}: loss ${e.train_loss.toFixed(4)}, train top-1 err ${pct(e.train_top1_error)}, ` +
        `val loss ${e.val_loss === null ? '-' : e.val_loss.toFixed(4)}, val top-1 err ${pct(e.val_top1_error)}` +
        (e.val_top5_error !== null ? `, top-5 ${pct(e.val_top5_error)}` : '') +
        `, lr ${e.lr.toPrecision(3)}${e.lr_reduced ? ' (reduced)' : ''}, ${e.images_per_sec.toFixed(0)} img/s, ${duration(e.seconds)}`
      );
    case 'checkpoint':
      return e.reason === 'signal' ? `interrupted: checkpoint saved at step ${e.step} (${e.path}); resume with --resume` : null;
    case 'done': {
      const t = e.test
        ? `test (${e.test.crops}): loss ${e.test.loss.toFixed(4)}, top-1 err ${pct(e.test.top1_error)}${e.test.top5_error !== null ? `, top-5 err ${pct(e.test.top5_error)}` : ''}, accuracy ${pct(1 - e.test.top1_error)}`
        : '';
      return [`${e.status} in ${duration(e.seconds)}`, t, `results in ${e.runDir}`].filter(Boolean).join('\n');
    }
    case 'message':
      return `${e.level === 'warning' ? 'warning: ' : ''}${e.text}`;
    default:
      return null;
  }
}

/**
 * An event as `--json` prints it: snake_case keys, as metrics.jsonl, and
 * epochs and batches counted from 1, as the text says them ("epoch 1/15").
 */
export function toJsonEvent(e: TrainEvent): Record<string, unknown> {
  switch (e.type) {
    case 'start': {
      const { backendReason, runDir, resumedFrom, memoryPerDevice, memoryLimit, ...rest } = e;
      return {
        ...rest, backend_reason: backendReason, memory_per_device: memoryPerDevice, memory_limit: memoryLimit, run_dir: runDir,
        resumed_from: resumedFrom ? { epoch: resumedFrom.epoch + 1, batch: resumedFrom.batch + 1 } : null,
      };
    }
    case 'step': {
      const { imagesPerSec, etaSeconds, ...rest } = e;
      return { ...rest, epoch: e.epoch + 1, batch: e.batch + 1, images_per_sec: imagesPerSec, eta_seconds: etaSeconds };
    }
    case 'epoch':
      return { ...e, epoch: e.epoch + 1 };
    case 'done': {
      const { runDir, ...rest } = e;
      return { ...rest, run_dir: runDir };
    }
    default:
      return { ...e };
  }
}

export function jsonReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  let lastStep = 0;
  return (e) => {
    // Step events at most twice a second: enough to follow, not a flood.
    if (e.type === 'step') {
      const now = Date.now();
      if (now - lastStep < 500 && e.batch + 1 < e.batches) return;
      lastStep = now;
    }
    out.write(JSON.stringify(toJsonEvent(e)) + '\n');
  };
}

export function plainReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  let nextTenth = 1;
  return (e) => {
    if (e.type === 'step') {
      // A line every tenth of an epoch, so a log shows the run is alive.
      const frac = (e.batch + 1) / e.batches;
      if (e.batch === 0) nextTenth = 1;
      if (frac * 10 >= nextTenth) {
        nextTenth = Math.floor(frac * 10) + 1;
        out.write(`  epoch ${e.epoch + 1} ${Math.round(frac * 100)}% (${e.batch + 1}/${e.batches}): loss ${e.loss.toFixed(4)}, ${e.imagesPerSec.toFixed(0)} img/s\n`);
      }
      return;
    }
    const line = describe(e);
    if (line) out.write(line + '\n');
  };
}

export function ttyReporter(out: NodeJS.WriteStream = process.stdout): Reporter {
  let epochs = 0;
  let barShown = false;
  const clear = () => {
    if (barShown) out.write('\r\x1b[2K');
    barShown = false;
  };
  return (e) => {
    if (e.type === 'start') epochs = e.epochs;
    if (e.type === 'step') {
      const width = Math.max(10, Math.min(30, (out.columns ?? 80) - 70));
      const frac = (e.batch + 1) / e.batches;
      const filled = Math.round(frac * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      out.write(`\r\x1b[2Kepoch ${e.epoch + 1}/${epochs} ${bar} ${Math.round(frac * 100)}% loss ${e.loss.toFixed(4)} lr ${e.lr.toPrecision(2)} ${e.imagesPerSec.toFixed(0)} img/s ETA ${duration(e.etaSeconds)}`);
      barShown = true;
      return;
    }
    const line = describe(e);
    if (line) {
      clear();
      out.write(line + '\n');
    }
  };
}

export function chooseReporter(options: { json?: boolean; quiet?: boolean }): Reporter {
  if (options.quiet) return () => undefined;
  if (options.json) return jsonReporter();
  return process.stdout.isTTY ? ttyReporter() : plainReporter();
}
