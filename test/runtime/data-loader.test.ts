/**
 * The worker loader (runtime/data/loader.ts, workers.ts): batches made in
 * worker threads are bit-identical to the in-process reference
 * (iterateBatches, the path training used before workers), from any
 * resume position; shard, memory and raw-file sources give the same
 * pixels; bad raw images are skipped once-reported or refused by policy;
 * labels above 255 survive; and shard files that are truncated, foreign or
 * moved are refused by name.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateBatches } from '../../runtime/data/batches.js';
import { decodeImage, type DecodeOptions } from '../../runtime/data/decode.js';
import { DataError } from '../../runtime/data/errors.js';
import type { BatchRecipe } from '../../runtime/data/jobs.js';
import { BatchLoader, type ImageSet, type LoadedBatch } from '../../runtime/data/loader.js';
import { encodePng } from '../../runtime/data/png.js';
import { checkShard, ShardReader, ShardWriter, shardFileName, type ShardHeader } from '../../runtime/data/shards.js';
import { sharedPixels, type SourceSpec } from '../../runtime/data/sources.js';
import { computeMean, pcaColourBasis } from '../../runtime/data/stats.js';
import type { Dataset } from '../../runtime/data/types.js';
import { createRunner } from '../../runtime/data/workers.js';

const tmp = mkdtempSync(join(tmpdir(), 'netc-loader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 37 RGB images of 6x5 with pseudo-random bytes; labels spread up to 999 (more than a byte holds). */
function dataset(count = 37): Dataset {
  let s = 12345;
  const images = Uint8Array.from({ length: count * 6 * 5 * 3 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
  return { images, labels: Uint32Array.from({ length: count }, (_, i) => (i * 271) % 1000), count, height: 6, width: 5, channels: 3, numClasses: 1000, source: 'mem' };
}

const ds = dataset();
const mean = computeMean(ds, 'pixel', 1 / 255);
const pca = pcaColourBasis(ds, { scale: 1 / 255 });
const train: BatchRecipe = {
  scale: 1 / 255,
  std: [0.5, 0.25, 2],
  augment: { mean, crop: { height: 4, width: 4, mode: 'random', pad: 1 }, flipProbability: 0.5, pca: { basis: pca, std: 0.1 } },
  tenCrop: null,
};
const ten: BatchRecipe = { ...train, augment: { mean }, tenCrop: { height: 4, width: 3 } };
const memory: SourceSpec = { kind: 'memory', pixels: sharedPixels(ds.images), height: 6, width: 5, channels: 3 };
const set: ImageSet = { source: 0, count: ds.count, labels: ds.labels, indices: null, files: null, height: 6, width: 5, channels: 3, numClasses: 1000, classNames: null, origin: 'mem' };

async function collect(it: AsyncIterable<LoadedBatch>): Promise<LoadedBatch[]> {
  const out: LoadedBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** The reference: iterateBatches + std division, as the trainer did before the loader. */
function reference(start = { epoch: 0, batch: 0 }) {
  return [...iterateBatches(ds, { batchSize: 8, seed: 99, scale: 1 / 255, augment: train.augment, start, endEpoch: 2 })].map((b) => {
    for (let i = 0; i < b.x.length; i++) b.x[i]! /= train.std![i % 3]!;
    return b;
  });
}

describe('BatchLoader', () => {
  it('makes in 2 worker threads exactly the batches of the in-process reference, from any position', async () => {
    const ref = reference();
    for (const workers of [2, 0]) {
      const loader = await BatchLoader.open(createRunner(workers), [memory], [train, ten], { badImages: 'error' });
      try {
        const got = await collect(loader.batches(set, 0, { batchSize: 8, seed: 99, endEpoch: 2 }));
        expect(got.map((b) => [b.epoch, b.index, b.step, b.size])).toEqual(ref.map((b) => [b.epoch, b.index, b.step, b.size]));
        got.forEach((b, i) => {
          expect(b.x).toEqual(ref[i]!.x);
          expect(b.shape).toEqual([b.size, 4, 4, 3]);
          expect(Array.from(b.y)).toEqual(Array.from(ref[i]!.y));
        });
        expect(Math.max(...got.flatMap((b) => Array.from(b.y)))).toBeGreaterThan(255);
        const resumed = await collect(loader.batches(set, 0, { batchSize: 8, seed: 99, start: { epoch: 1, batch: 3 }, endEpoch: 2 }));
        expect(resumed.map((b) => b.x)).toEqual(reference({ epoch: 1, batch: 3 }).map((b) => b.x));
      } finally {
        await loader.close();
      }
    }
  });

  it('gives the ten crops in the paper order: four corners, centre, then the mirrors', async () => {
    const loader = await BatchLoader.open(createRunner(1), [memory], [train, ten], { badImages: 'error' });
    const [b] = await collect(loader.batches(set, 1, { batchSize: 37, seed: 0, shuffle: false }));
    await loader.close();
    expect(b!.xs).toHaveLength(10);
    expect(b!.shape).toEqual([37, 4, 3, 3]);
    // Image 0, channel 0 of crop pixel (y, x) is (byte / 255 - mean) / std: computed here from the bytes.
    const px = (img: number, y: number, x: number): number => {
      const k = (y * 5 + x) * 3;
      return Math.fround(Math.fround(ds.images[img * 90 + k]! / 255) - Math.fround(mean.values[k]!)) / 0.5;
    };
    const corners = [[0, 0], [0, 2], [2, 0], [2, 2], [1, 1]] as const;
    corners.forEach(([oy, ox], k) => {
      expect(b!.xs[k]![0]).toBeCloseTo(px(0, oy, ox), 6);
      // The mirror's first pixel is the crop's last column.
      expect(b!.xs[k + 5]![0]).toBeCloseTo(px(0, oy, ox + 2), 6);
    });
  });

  it('reads shards with the same pixels as memory, and their labels', async () => {
    const dir = join(tmp, 'shards');
    mkdirSync(dir);
    const files: string[] = [];
    const counts: number[] = [];
    for (let s = 0, i = 0; i < ds.count; s++) {
      const w = new ShardWriter(join(dir, shardFileName('train', s)), { dataset: 'abc', split: 'train', shard: s, height: 6, width: 5, channels: 3 });
      for (let k = 0; k < 10 && i < ds.count; k++, i++) w.append(ds.images.subarray(i * 90, (i + 1) * 90), ds.labels[i]!);
      counts.push(w.finish().count);
      files.push(shardFileName('train', s));
    }
    expect(counts).toEqual([10, 10, 10, 7]);
    const shardSet = { dir, files, counts, height: 6, width: 5, channels: 3 };
    const reader = new ShardReader(shardSet, 2);
    expect(Array.from(reader.labels())).toEqual(Array.from(ds.labels));
    const one = new Uint8Array(90);
    for (const i of [36, 0, 19, 20, 9]) {
      reader.read(i, one, 0);
      expect(one).toEqual(ds.images.subarray(i * 90, (i + 1) * 90));
    }
    reader.close();
    const loader = await BatchLoader.open(createRunner(1), [{ kind: 'shards', set: shardSet }], [train], { badImages: 'error' });
    const got = await collect(loader.batches(set, 0, { batchSize: 8, seed: 99, endEpoch: 2 }));
    await loader.close();
    expect(got.map((b) => b.x)).toEqual(reference().map((b) => b.x));
  });

  it('decodes raw files in the workers, leaving out a bad one (reported once) or refusing it', async () => {
    const dir = join(tmp, 'raw');
    mkdirSync(dir);
    const files = [0, 1, 2, 3].map((i) => join(dir, `${i}.png`));
    files.forEach((f, i) => writeFileSync(f, encodePng(5, 6, 3, ds.images.subarray(i * 90, (i + 1) * 90))));
    writeFileSync(files[2]!, 'not a png');
    const decode: DecodeOptions = { channels: 3, resize: null, centerCrop: null, maxPixels: 1e6 };
    const src: SourceSpec = { kind: 'files', decode, height: 6, width: 5, channels: 3 };
    const raw: ImageSet = { ...set, count: 4, labels: Uint32Array.from([7, 300, 9, 10]), files };
    const plainRecipe: BatchRecipe = { scale: 1, std: null, augment: {}, tenCrop: null };
    const skipped: string[] = [];
    const loader = await BatchLoader.open(createRunner(1), [src], [plainRecipe], { badImages: 'skip', onSkip: (b) => skipped.push(b.file) });
    const epochs = await collect(loader.batches(raw, 0, { batchSize: 4, seed: 0, shuffle: false, endEpoch: 2 }));
    await loader.close();
    expect(skipped).toEqual([files[2]]);
    expect(epochs.map((b) => b.size)).toEqual([3, 3]);
    expect(Array.from(epochs[0]!.y)).toEqual([7, 300, 10]);
    expect(Array.from(epochs[0]!.positions)).toEqual([0, 1, 3]);
    // Image 3 came through the PNG unchanged: its bytes, as floats.
    expect(Array.from(epochs[0]!.x.subarray(180))).toEqual(Array.from(ds.images.subarray(270, 360)));
    expect((await decodeImage(files[0]!, decode)).data).toEqual(ds.images.subarray(0, 90));
    const strict = await BatchLoader.open(createRunner(1), [src], [plainRecipe], { badImages: 'error' });
    const err = await collect(strict.batches(raw, 0, { batchSize: 4, seed: 0, shuffle: false })).catch((e: unknown) => e);
    await strict.close();
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).file).toBe(files[2]);
    expect((err as DataError).message).toMatch(/is not a JPEG, PNG, WebP, GIF or TIFF image.*bad_images is `error`/);
  });
});

describe('shard checks', () => {
  const dir = join(tmp, 'checks');
  mkdirSync(dir);
  const header: ShardHeader = { dataset: 'id-1', split: 'train', shard: 0, count: 3, height: 2, width: 2, channels: 3 };
  const write = (name: string, h: ShardHeader) => {
    const w = new ShardWriter(join(dir, name), h);
    for (let i = 0; i < h.count; i++) w.append(new Uint8Array(12).fill(i), i);
    return w.finish();
  };

  it('accepts a whole shard and names truncated, foreign, moved and non-shard files', () => {
    const f = join(dir, 'a.shard');
    write('a.shard', header);
    expect(() => checkShard(f, header)).not.toThrow();
    expect(() => checkShard(f, { ...header, dataset: 'id-2' })).toThrow(/a\.shard: belongs to another prepared dataset/);
    expect(() => checkShard(f, { ...header, shard: 4 })).toThrow(/a\.shard: is shard 0 of split train, the index expects shard 4 of train/);
    expect(() => checkShard(f, { ...header, count: 4 })).toThrow(/holds 3 images of 2x2x3, the index says 4/);
    truncateSync(f, readFileSync(f).length - 5);
    const err = (() => {
      try {
        checkShard(f, header);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).file).toBe(f);
    expect((err as DataError).problem).toMatch(/truncated.*netc prepare/);
    writeFileSync(join(dir, 'b.shard'), 'PK\x03\x04 a zip file');
    expect(() => checkShard(join(dir, 'b.shard'), header)).toThrow(/b\.shard: is not a netc shard/);
    expect(() => checkShard(join(dir, 'missing.shard'), header)).toThrow(/missing\.shard: shard file is missing/);
  });
});
