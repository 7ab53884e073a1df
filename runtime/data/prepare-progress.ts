/**
 * How `netc prepare` shows its progress, in the style of training's
 * (runtime/train/progress.ts): a bar with rate and ETA on a terminal, a
 * plain line every tenth of the way otherwise, JSON lines with --json.
 * Skipped images are always named, on stderr in the text styles.
 */
import { duration } from '../train/progress.js';
import type { PrepareEvent } from './prepare.js';

type Reporter = (e: PrepareEvent) => void;

function describe(e: PrepareEvent): string | null {
  switch (e.type) {
    case 'start': {
      const splits = e.splits.map((s) => `${s.images.toLocaleString('en-US')} ${s.split}${s.folder !== s.split ? ` (${s.folder}/)` : ''}`).join(', ');
      const resumed = e.resumedAt > 0 ? `, continuing after ${e.resumedAt.toLocaleString('en-US')} images` : '';
      return `preparing ${e.source}: ${splits} images -> ${e.image.height}x${e.image.width}x${e.image.channels} shards in ${e.out}, ${e.workers} worker${e.workers === 1 ? '' : 's'}${resumed}`;
    }
    case 'done':
      if (e.status === 'up-to-date') return `${e.out} is up to date (${e.images.toLocaleString('en-US')} images); nothing to do`;
      if (e.status === 'interrupted') return `interrupted after ${e.images.toLocaleString('en-US')} images; run the same command to continue`;
      return `prepared ${e.images.toLocaleString('en-US')} images in ${duration(e.seconds)}${e.skipped ? `, ${e.skipped} left out (listed in index.json)` : ''}: ${e.out}`;
    default:
      return null;
  }
}

const skipLine = (e: Extract<PrepareEvent, { type: 'skip' }>) => `warning: ${e.file}: ${e.problem}; left out\n`;

export function jsonPrepareReporter(out: NodeJS.WritableStream = process.stdout): Reporter {
  let last = 0;
  return (e) => {
    if (e.type === 'progress') {
      const now = Date.now();
      if (now - last < 500 && e.done < e.total) return;
      last = now;
    }
    out.write(JSON.stringify(e) + '\n');
  };
}

export function plainPrepareReporter(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Reporter {
  let nextTenth = 1;
  return (e) => {
    if (e.type === 'progress') {
      const frac = e.done / Math.max(1, e.total);
      if (frac * 10 >= nextTenth) {
        nextTenth = Math.floor(frac * 10) + 1;
        out.write(`  ${Math.round(frac * 100)}% (${e.done.toLocaleString('en-US')}/${e.total.toLocaleString('en-US')}): ${e.imagesPerSec.toFixed(0)} images/s, ${duration(e.etaSeconds)} left\n`);
      }
      return;
    }
    if (e.type === 'skip') return void err.write(skipLine(e));
    const line = describe(e);
    if (line) out.write(line + '\n');
  };
}

export function ttyPrepareReporter(out: NodeJS.WriteStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Reporter {
  let barShown = false;
  const clear = () => {
    if (barShown) out.write('\r\x1b[2K');
    barShown = false;
  };
  return (e) => {
    if (e.type === 'progress') {
      const width = Math.max(10, Math.min(30, (out.columns ?? 80) - 60));
      const frac = e.done / Math.max(1, e.total);
      const filled = Math.round(frac * width);
      out.write(`\r\x1b[2K${e.split} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.round(frac * 100)}% ${e.done.toLocaleString('en-US')}/${e.total.toLocaleString('en-US')} ${e.imagesPerSec.toFixed(0)} img/s ETA ${duration(e.etaSeconds)}`);
      barShown = true;
      return;
    }
    clear();
    if (e.type === 'skip') return void err.write(skipLine(e));
    const line = describe(e);
    if (line) out.write(line + '\n');
  };
}

export function choosePrepareReporter(o: { json?: boolean; quiet?: boolean }): Reporter {
  if (o.quiet) return () => undefined;
  if (o.json) return jsonPrepareReporter();
  return process.stdout.isTTY ? ttyPrepareReporter() : plainPrepareReporter();
}
