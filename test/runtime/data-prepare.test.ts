/**
 * `netc prepare` as a library (runtime/data/prepare.ts) on a generated
 * ImageNet-layout folder with the awkward files photo collections have:
 * shards hold exactly the decoded images with their labels, bad files are
 * left out with their reason (or refused), the mean and RGB covariance match
 * a two-pass computation done here, an interrupted prepare continues to the
 * same result as one that ran through, and a changed folder is not mixed
 * with old shards.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageFolder, type MadeFolder } from '../../bench/image-folder.js';
import { decodeImage, type DecodeOptions } from '../../runtime/data/decode.js';
import { DataError } from '../../runtime/data/errors.js';
import { datasetClasses, listSplit } from '../../runtime/data/image-folder.js';
import { prepareDataset, type PrepareEvent, type PrepareOptions } from '../../runtime/data/prepare.js';
import { checkPrepared, readPreparedIndex, shardSet } from '../../runtime/data/prepared.js';
import { ShardReader } from '../../runtime/data/shards.js';

const tmp = mkdtempSync(join(tmpdir(), 'netc-prepare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, 'images');
const decode: DecodeOptions = { channels: 3, resize: { shorter: 20 }, centerCrop: { height: 20, width: 18 }, maxPixels: 1e8 };
let made: MadeFolder;
beforeAll(async () => {
  made = await makeImageFolder({ root, classes: 9, trainPerClass: 3, valPerClass: 1, minSide: 24, maxSide: 60, seed: 5, extras: true });
});

const run = (out: string, extra: Partial<PrepareOptions> = {}, events: PrepareEvent[] = []) =>
  prepareDataset({ root, out, decode, labelsFile: null, badImages: 'skip', workers: 1, shardImages: 4, onEvent: (e) => events.push(e), ...extra });

describe('prepareDataset', () => {
  it('stores every readable image with its label, leaves out the bad ones with their reason, and checks', async () => {
    const out = join(tmp, 'p1');
    const events: PrepareEvent[] = [];
    const r = await run(out, {}, events);
    expect(r.status).toBe('finished');
    const idx = readPreparedIndex(out);
    expect(idx.image).toEqual({ height: 20, width: 18, channels: 3 });
    expect(idx.classes.folders).toEqual(made.classNames);
    expect([idx.splits.train.count, idx.splits.test!.count, idx.splits.test!.folder]).toEqual([27 + 4, 9, 'val']);
    expect(idx.splits.train.shards.map((s) => s.count)).toEqual([4, 4, 4, 4, 4, 4, 4, 3]);
    expect(idx.splits.train.skipped.map((s) => s.file).sort()).toEqual([made.extras!.bomb, made.extras!.corrupt].sort());
    expect(idx.splits.train.skipped.find((s) => s.file === made.extras!.bomb)!.problem).toMatch(/40000x40000.*max_image_pixels/);
    expect(events.filter((e) => e.type === 'skip')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'finished', images: 40, skipped: 2 });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.at(-1)).toMatchObject({ done: 42, total: 42 });
    expect(() => checkPrepared(out, idx)).not.toThrow();

    // Shard i holds the i-th readable file of the listing, decoded, with its folder's label.
    const list = listSplit(join(root, 'train'), datasetClasses(root, null));
    const good = list.files.map((f, i) => ({ f, label: list.labels[i]! })).filter(({ f }) => f !== made.extras!.bomb && f !== made.extras!.corrupt);
    const reader = new ShardReader(shardSet(out, idx, 'train')!);
    expect(Array.from(reader.labels())).toEqual(good.map((g) => g.label));
    const img = new Uint8Array(20 * 18 * 3);
    for (const i of [0, 5, 17, 30]) {
      reader.read(i, img, 0);
      expect(img).toEqual((await decodeImage(good[i]!.f, decode)).data);
    }
    reader.close();
    const grey = good.findIndex((g) => g.f === made.extras!.grey);
    const px = new Uint8Array(20 * 18 * 3);
    new ShardReader(shardSet(out, idx, 'train')!).read(grey, px, 0);
    for (let p = 0; p < px.length; p += 3) expect(px[p]).toBe(px[p + 1]);
  });

  it('computes the mean image and the RGB covariance the two-pass way, with its eigenpairs', async () => {
    const out = join(tmp, 'p1');
    const idx = readPreparedIndex(out);
    const reader = new ShardReader(shardSet(out, idx, 'train')!);
    const n = idx.splits.train.count;
    const per = 20 * 18 * 3;
    const images = new Uint8Array(n * per);
    for (let i = 0; i < n; i++) reader.read(i, images, i * per);
    reader.close();
    const mean = new Float64Array(per);
    for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) mean[k]! += images[i * per + k]! / n;
    const stored = readFileSync(join(out, 'mean.f64'));
    for (const k of [0, 1, 2, 500, per - 1]) expect(stored.readDoubleLE(8 * k)).toBeCloseTo(mean[k]!, 9);
    // Covariance over all pixels: first the channel means, then the centred products.
    const pixels = n * 20 * 18;
    const m = [0, 1, 2].map((c) => {
      let s = 0;
      for (let p = 0; p < pixels; p++) s += images[3 * p + c]!;
      return s / pixels;
    });
    const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => {
      let s = 0;
      for (let p = 0; p < pixels; p++) s += (images[3 * p + a]! - m[a]!) * (images[3 * p + b]! - m[b]!);
      return s / pixels;
    }));
    const rgb = idx.stats.rgb!;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(rgb.covariance[a]![b]!).toBeCloseTo(cov[a]![b]!, 6);
    rgb.eigenvalues.forEach((l, i) => {
      const v = rgb.eigenvectors[i]!;
      for (let a = 0; a < 3; a++) expect(cov[a]!.reduce((s, c, b) => s + c * v[b]!, 0)).toBeCloseTo(l * v[a]!, 5);
    });
    expect(rgb.eigenvalues[0]!).toBeGreaterThanOrEqual(rgb.eigenvalues[1]!);
  });

  it('refuses a bad image when bad_images is error, naming the file', async () => {
    const err = await run(join(tmp, 'strict'), { badImages: 'error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect([made.extras!.corrupt, made.extras!.bomb]).toContain((err as DataError).file);
  });

  it('continues an interrupted prepare to the same shards, mean and skipped list', async () => {
    const out = join(tmp, 'p2');
    let progress = 0;
    const first = await run(out, { stopRequested: () => progress >= 2, onEvent: (e) => void (e.type === 'progress' && progress++) });
    expect(first.status).toBe('interrupted');
    expect(existsSync(join(out, 'prepare-state.bin'))).toBe(true);
    expect(existsSync(join(out, 'index.json'))).toBe(false);
    const events: PrepareEvent[] = [];
    expect((await run(out, {}, events)).status).toBe('finished');
    const start = events.find((e) => e.type === 'start') as Extract<PrepareEvent, { type: 'start' }>;
    expect(start.resumedAt).toBeGreaterThan(0);
    const [a, b] = [readPreparedIndex(join(tmp, 'p1')), readPreparedIndex(out)];
    expect(b.listing).toBe(a.listing);
    expect(b.splits.train.shards.map((s) => s.sha256)).toEqual(a.splits.train.shards.map((s) => s.sha256));
    expect(b.splits.test!.shards.map((s) => s.sha256)).toEqual(a.splits.test!.shards.map((s) => s.sha256));
    expect(b.splits.train.skipped).toEqual(a.splits.train.skipped);
    expect(readFileSync(join(out, 'mean.f64')).equals(readFileSync(join(tmp, 'p1', 'mean.f64')))).toBe(true);
    expect(b.stats.rgb!.moments).toEqual(a.stats.rgb!.moments);
    expect(existsSync(join(out, 'prepare-state.bin'))).toBe(false);
  });

  it('does nothing when up to date, and will not mix a changed folder with its old shards', async () => {
    const out = join(tmp, 'p1');
    expect((await run(out)).status).toBe('up-to-date');
    writeFileSync(join(root, 'train', made.classNames[0]!, 'new.png'), readFileSync(made.extras!.png));
    await expect(run(out)).rejects.toThrow(/already holds a prepared dataset .* from other files or settings .*--force/);
    const r = await run(out, { force: true });
    expect(r.status).toBe('finished');
    expect(readPreparedIndex(out).splits.train.count).toBe(32);
    rmSync(join(root, 'train', made.classNames[0]!, 'new.png'));
  });
});
