/**
 * Training reads shards with bounded memory: an epoch over 4,000 images
 * (47 MB of shards) peaks at the same resident memory as an epoch over 400
 * (4.7 MB), because the loader holds only the batches in flight (prefetch +
 * one per worker) and 8 bytes per image of labels and epoch order. Each
 * measurement runs in its own process (a fresh heap), with GC after every
 * few batches so the figure is live memory, not garbage awaiting collection.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShardWriter, shardFileName } from '../../runtime/data/shards.js';

const tmp = mkdtempSync(join(tmpdir(), 'netc-memory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SIDE = 64;
const BYTES = SIDE * SIDE * 3;

/** Shards of `count` pseudo-random 64x64x3 images, 500 per shard. */
function writeShards(dir: string, count: number): { files: string[]; counts: number[] } {
  mkdirSync(dir, { recursive: true });
  const img = new Uint8Array(BYTES);
  const files: string[] = [];
  const counts: number[] = [];
  for (let s = 0, i = 0; i < count; s++) {
    const w = new ShardWriter(join(dir, shardFileName('train', s)), { dataset: 'mem', split: 'train', shard: s, height: SIDE, width: SIDE, channels: 3 });
    for (let k = 0; k < 500 && i < count; k++, i++) {
      img.fill(i & 255);
      w.append(img, i % 1000);
    }
    counts.push(w.finish().count);
    files.push(shardFileName('train', s));
  }
  return { files, counts };
}

/** One training epoch's loading in a fresh process; returns its peak resident bytes. */
function peakRss(dir: string, shards: { files: string[]; counts: number[] }): number {
  const dist = resolve('dist/runtime/data');
  const script = join(tmp, `epoch-${shards.counts.length}.mjs`);
  writeFileSync(
    script,
    `import { BatchLoader } from ${JSON.stringify(join(dist, 'loader.js'))};
import { ShardReader } from ${JSON.stringify(join(dist, 'shards.js'))};
import { createRunner } from ${JSON.stringify(join(dist, 'workers.js'))};
const set = ${JSON.stringify({ dir, ...shards, height: SIDE, width: SIDE, channels: 3 })};
const reader = new ShardReader(set);
const labels = reader.labels();
reader.close();
const recipe = { scale: 1 / 255, std: null, augment: { crop: { height: 56, width: 56, mode: 'random', pad: 0 }, flipProbability: 0.5 }, tenCrop: null };
const loader = await BatchLoader.open(createRunner(1), [{ kind: 'shards', set }], [recipe], { badImages: 'error' });
const images = { source: 0, count: labels.length, labels, indices: null, files: null, height: ${SIDE}, width: ${SIDE}, channels: 3, numClasses: 1000, classNames: null, origin: ${JSON.stringify(dir)} };
let peak = 0, batches = 0, seen = 0;
for await (const b of loader.batches(images, 0, { batchSize: 32, seed: 1 })) {
  seen += b.size;
  if (++batches % 4 === 0) globalThis.gc();
  peak = Math.max(peak, process.memoryUsage().rss);
}
await loader.close();
console.log(JSON.stringify({ peak, seen }));
`,
  );
  const out = execFileSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { peak: number; seen: number };
  expect(r.seen).toBe(shards.counts.reduce((a, b) => a + b, 0));
  return r.peak;
}

describe('memory while reading shards', () => {
  it('does not grow with the number of images', () => {
    if (!existsSync(resolve('dist/runtime/data/loader.js'))) return console.warn('skipped: build with `npx tsc -p .` first (npm test does)');
    const small = writeShards(join(tmp, 'small'), 400);
    const large = writeShards(join(tmp, 'large'), 4000);
    const a = peakRss(join(tmp, 'small'), small);
    const b = peakRss(join(tmp, 'large'), large);
    const datasetGrowth = 3600 * BYTES; // 44 MB more images
    // Bounded: what grows is 8 bytes per image (29 KB here) plus noise, far below the data's growth.
    expect(b - a).toBeLessThan(datasetGrowth / 4);
    console.log(`peak RSS: 400 images ${(a / 2 ** 20).toFixed(1)} MiB, 4,000 images ${(b / 2 ** 20).toFixed(1)} MiB`);
  });
});
