/**
 * `netc prepare`: one pass over an image folder that decodes and resizes
 * every image (in the data workers), writes uint8 shards with an index, and
 * computes the training split's mean image and RGB covariance on the way.
 *
 * Interruptible: after each finished shard, prepare-state.bin records the
 * shards done, the next file, the images left out and the running sums
 * (written atomically). Running the same command again checks that the
 * folder listing and settings are unchanged and continues with the next
 * shard; at most one shard's work is redone. Shard contents depend only on
 * the listing, so an interrupted and continued prepare writes the same bytes
 * as one that ran through.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../files/write.js';
import { decodeImage, storedSize, type DecodeOptions } from './decode.js';
import { DataError } from './errors.js';
import { datasetClasses, listingLines, listSplit, splitDir, type ImageFileList } from './image-folder.js';
import type { DecodeResult } from './jobs.js';
import { INDEX_FILE, INTERPOLATION, MEAN_FILE, readPreparedIndex, SHARDS_FORMAT, SHARDS_VERSION, type PreparedIndex, type PreparedSplit } from './prepared.js';
import { shardFileName, ShardWriter } from './shards.js';
import { badImageError, type BadImage } from './sources.js';
import { basisFromMoments } from './stats.js';
import { createRunner, type JobRunner } from './workers.js';

const STATE_FILE = 'prepare-state.bin';
const STATE_MAGIC = 'NETCPREP';
/** Files per decode job: small enough to spread over the workers, big enough to amortise a message. */
const JOB_FILES = 16;
/** Shards of about this many bytes (ImageNet at 256x256x3: 1,365 images, 268 MB). */
const SHARD_BYTES = 256 * 1024 * 1024;

export interface PrepareOptions {
  /** The image folder (train/, val/ or test/ inside). */
  root: string;
  out: string;
  decode: DecodeOptions;
  labelsFile: string | null;
  badImages: 'skip' | 'error';
  workers: number;
  /** Images per shard (default: about 256 MB each). */
  shardImages?: number;
  /** Replace what `out` holds (another dataset, other settings, an unfinished prepare of either). */
  force?: boolean;
  onEvent: (e: PrepareEvent) => void;
  stopRequested?: () => boolean;
}

export type PrepareEvent =
  | { type: 'start'; source: string; out: string; splits: { split: string; folder: string; images: number }[]; image: { height: number; width: number; channels: number }; workers: number; resumedAt: number }
  | { type: 'progress'; split: string; done: number; total: number; imagesPerSec: number; etaSeconds: number }
  | { type: 'skip'; file: string; problem: string }
  | { type: 'done'; status: 'finished' | 'interrupted' | 'up-to-date'; out: string; images: number; skipped: number; seconds: number };

export interface PrepareSummary {
  status: 'finished' | 'interrupted' | 'up-to-date';
  out: string;
  index: PreparedIndex | null;
}

/** The progress of an unfinished prepare, saved after each shard. */
interface State {
  id: string;
  listing: string;
  splits: Record<string, { shards: PreparedSplit['shards']; nextFile: number; skipped: BadImage[] }>;
  statsImages: number;
  rgb: number[];
}

function writeState(out: string, state: State, pixelSums: Float64Array): void {
  const json = Buffer.from(JSON.stringify(state), 'utf8');
  const head = Buffer.alloc(16);
  head.write(STATE_MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  const pad = Buffer.alloc((8 - ((16 + json.length) % 8)) % 8);
  writeFileAtomic(join(out, STATE_FILE), [head, json, pad, new Uint8Array(pixelSums.buffer, pixelSums.byteOffset, pixelSums.byteLength)]);
}

function readState(out: string, pixelSums: Float64Array): State | null {
  const path = join(out, STATE_FILE);
  if (!existsSync(path)) return null;
  const buf = readFileSync(path);
  const bad = (): never => {
    throw new DataError(path, 'is damaged; run `netc prepare` with --force to start over');
  };
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== STATE_MAGIC) bad();
  const len = buf.readUInt32LE(8);
  let state: State;
  try {
    state = JSON.parse(buf.toString('utf8', 16, 16 + len)) as State;
  } catch {
    return bad();
  }
  const at = 16 + len + ((8 - ((16 + len) % 8)) % 8);
  if (buf.length !== at + pixelSums.byteLength) bad();
  for (let k = 0; k < pixelSums.length; k++) pixelSums[k] = buf.readDoubleLE(at + 8 * k);
  return state;
}

/** Remove what a previous prepare left in `out` (shards, temp files, index, state); other files are kept. */
function clearOut(out: string): void {
  for (const f of readdirSync(out)) {
    if (f.endsWith('.shard') || f.includes('.tmp') || f === INDEX_FILE || f === STATE_FILE || f === MEAN_FILE) rmSync(join(out, f), { force: true });
  }
}

export async function prepareDataset(o: PrepareOptions): Promise<PrepareSummary> {
  const t0 = Date.now();
  const root = resolve(o.root);
  const out = resolve(o.out);
  const classes = datasetClasses(root, o.labelsFile);
  const trainDir = splitDir(root, 'train');
  if (!trainDir) throw new DataError(join(root, 'train'), 'folder not found (image folders are laid out as <folder>/train/<class>/*.jpg, with val/ or test/ beside train/)');
  const testDir = splitDir(root, 'test');
  const lists: { split: 'train' | 'test'; list: ImageFileList }[] = [{ split: 'train', list: listSplit(trainDir, classes) }];
  if (testDir) lists.push({ split: 'test', list: listSplit(testDir, classes) });

  // The stored size: fixed by the preprocessing, or that of the first image when it says neither resize nor crop.
  const size = storedSize(o.decode) ?? (await decodeImage(lists[0]!.list.files[0]!, o.decode));
  const image = { height: size.height, width: size.width, channels: o.decode.channels };
  const imageBytes = image.height * image.width * image.channels;
  const perShard = o.shardImages ?? Math.max(1, Math.floor(SHARD_BYTES / imageBytes));
  const { maxPixels: _, ...preprocess } = o.decode;
  const listing = createHash('sha256')
    .update(JSON.stringify({ preprocess, image, perShard, classes }))
    .update(lists.map(({ split, list }) => `${split}\n${listingLines(root, list).join('\n')}`).join('\n'))
    .digest('hex');

  mkdirSync(out, { recursive: true });
  if (existsSync(join(out, INDEX_FILE))) {
    const idx = readPreparedIndex(out);
    if (idx.listing === listing && !o.force) {
      o.onEvent({ type: 'done', status: 'up-to-date', out, images: idx.splits.train.count + (idx.splits.test?.count ?? 0), skipped: 0, seconds: 0 });
      return { status: 'up-to-date', out, index: idx };
    }
    if (!o.force) throw new DataError(out, `already holds a prepared dataset of ${idx.source} made ${idx.listing === listing ? '' : 'from other files or settings '}(${idx.createdAt}); pass --force to replace it, or --out another folder`);
  }
  const pixelSums = new Float64Array(imageBytes);
  let state = o.force ? null : readState(out, pixelSums);
  if (state && state.listing !== listing) {
    throw new DataError(join(out, STATE_FILE), 'is an unfinished prepare of other files or settings (the folder changed since); pass --force to start over');
  }
  if (!state) {
    clearOut(out);
    pixelSums.fill(0);
    state = { id: randomBytes(12).toString('hex'), listing, splits: {}, statsImages: 0, rgb: new Array<number>(9).fill(0) };
  }
  const resumedAt = Object.values(state.splits).reduce((a, s) => a + s.nextFile, 0);
  const total = lists.reduce((a, l) => a + l.list.files.length, 0);
  o.onEvent({
    type: 'start', source: root, out, image, workers: o.workers, resumedAt,
    splits: lists.map(({ split, list }) => ({ split, folder: basename(list.dir), images: list.files.length })),
  });

  const runner = createRunner(o.workers);
  const started = Date.now();
  let doneFiles = resumedAt;
  let skipped = Object.values(state.splits).reduce((a, s) => a + s.skipped.length, 0);
  try {
    for (const { split, list } of lists) {
      const s = (state.splits[split] ??= { shards: [], nextFile: 0, skipped: [] });
      const stats = split === 'train';
      const r = await writeSplit({
        o, runner, out, split, list, image, perShard, state, s, stats, pixelSums,
        progress: (files) => {
          doneFiles += files;
          const rate = (doneFiles - resumedAt) / Math.max(1e-3, (Date.now() - started) / 1000);
          o.onEvent({ type: 'progress', split, done: doneFiles, total, imagesPerSec: rate, etaSeconds: (total - doneFiles) / Math.max(rate, 1e-9) });
        },
        skip: (b) => {
          skipped++;
          o.onEvent({ type: 'skip', ...b });
        },
      });
      if (r === 'interrupted') {
        o.onEvent({ type: 'done', status: 'interrupted', out, images: doneFiles, skipped, seconds: (Date.now() - t0) / 1000 });
        return { status: 'interrupted', out, index: null };
      }
    }
  } finally {
    await runner.close();
  }

  if (state.statsImages === 0) throw new DataError(trainDir, 'has no readable images: nothing to prepare');
  const meanBytes = Buffer.alloc(8 * imageBytes);
  for (let k = 0; k < imageBytes; k++) meanBytes.writeDoubleLE(pixelSums[k]! / state.statsImages, 8 * k);
  writeFileAtomic(join(out, MEAN_FILE), meanBytes);
  const pixels = state.statsImages * image.height * image.width;
  const raw = image.channels === 3 ? basisFromMoments(Float64Array.from(state.rgb), pixels, 1) : null;
  const splitOf = (split: 'train' | 'test', list: ImageFileList): PreparedSplit => {
    const x = state.splits[split]!;
    return { folder: basename(list.dir), count: x.shards.reduce((a, sh) => a + sh.count, 0), shards: x.shards, skipped: x.skipped };
  };
  const index: PreparedIndex = {
    format: SHARDS_FORMAT, version: SHARDS_VERSION, id: state.id, source: root, createdAt: new Date().toISOString(), image,
    preprocess: { ...preprocess, interpolation: INTERPOLATION }, classes, listing,
    splits: { train: splitOf('train', lists[0]!.list), test: testDir ? splitOf('test', lists[1]!.list) : null },
    stats: {
      images: state.statsImages, meanFile: MEAN_FILE,
      rgb: raw && { pixels, moments: state.rgb, mean: raw.mean, covariance: raw.covariance, eigenvalues: raw.eigenvalues, eigenvectors: raw.eigenvectors },
    },
  };
  writeFileAtomic(join(out, INDEX_FILE), JSON.stringify(index, null, 1) + '\n');
  rmSync(join(out, STATE_FILE), { force: true });
  o.onEvent({ type: 'done', status: 'finished', out, images: index.splits.train.count + (index.splits.test?.count ?? 0), skipped, seconds: (Date.now() - t0) / 1000 });
  return { status: 'finished', out, index };
}

interface SplitWork {
  o: PrepareOptions;
  runner: JobRunner;
  out: string;
  split: 'train' | 'test';
  list: ImageFileList;
  image: { height: number; width: number; channels: number };
  perShard: number;
  state: State;
  s: State['splits'][string];
  /** Accumulate the statistics (training split). */
  stats: boolean;
  pixelSums: Float64Array;
  progress: (files: number) => void;
  skip: (b: BadImage) => void;
}

/** Decode the split's files from s.nextFile on, in order, into shards; save the state after each shard. */
async function writeSplit(w: SplitWork): Promise<'done' | 'interrupted'> {
  const { o, runner, list, s, image } = w;
  const bytes = image.height * image.width * image.channels;
  const total = list.files.length;
  // What the shard being written adds to the statistics; merged into the state's totals when it is finished.
  const shardSums = new Float64Array(w.stats ? bytes : 0);
  const shardRgb = new Float64Array(9);
  let shardImages = 0;
  let shardSkipped: BadImage[] = [];
  let writer: ShardWriter | null = null;

  const finishShard = (nextFile: number) => {
    if (writer && writer.count > 0) {
      const { count, sha256 } = writer.finish();
      s.shards.push({ file: basename(writer.path), count, sha256 });
    }
    writer = null;
    s.nextFile = nextFile;
    s.skipped.push(...shardSkipped);
    shardSkipped = [];
    if (w.stats) {
      for (let k = 0; k < bytes; k++) w.pixelSums[k] += shardSums[k]!;
      for (let k = 0; k < 9; k++) w.state.rgb[k]! += shardRgb[k]!;
      w.state.statsImages += shardImages;
      shardSums.fill(0);
      shardRgb.fill(0);
    }
    shardImages = 0;
    writeState(w.out, w.state, w.pixelSums);
  };

  const prefetch = Math.max(2, 2 * runner.workers);
  const jobs: { first: number; result: Promise<DecodeResult> }[] = [];
  let nextJob = s.nextFile;
  const fill = () => {
    while (jobs.length < prefetch && nextJob < total && !o.stopRequested?.()) {
      const files = list.files.slice(nextJob, nextJob + JOB_FILES);
      const result = runner.decode({ files, decode: o.decode, moments: w.stats });
      result.catch(() => {});
      jobs.push({ first: nextJob, result });
      nextJob += files.length;
    }
  };
  fill();
  while (jobs.length > 0) {
    if (o.stopRequested?.()) {
      (writer as ShardWriter | null)?.abandon();
      return 'interrupted';
    }
    const { first, result } = jobs.shift()!;
    fill();
    const r = await result;
    const fileCount = Math.min(JOB_FILES, total - first);
    // In file order, so a shard boundary splits the skipped files exactly where it splits the images.
    const bad = new Map(r.bad.map((b) => [b.at, b]));
    for (let k = 0, i = 0; k < fileCount; k++) {
      const b = bad.get(k);
      if (b) {
        if (o.badImages === 'error') throw badImageError(b);
        shardSkipped.push({ file: b.file, problem: b.problem });
        w.skip({ file: b.file, problem: b.problem });
        continue;
      }
      writer ??= new ShardWriter(join(w.out, shardFileName(w.split, s.shards.length)), { dataset: w.state.id, split: w.split, shard: s.shards.length, ...image });
      const img = r.pixels.subarray(i * bytes, (i + 1) * bytes);
      writer.append(img, list.labels[first + k]!);
      if (w.stats) {
        for (let p = 0; p < bytes; p++) shardSums[p] += img[p]!;
        if (r.moments) for (let m = 0; m < 9; m++) shardRgb[m] += r.moments[9 * i + m]!;
        shardImages++;
      }
      i++;
      if (writer.count === w.perShard) finishShard(first + k + 1);
    }
    w.progress(fileCount);
  }
  finishShard(total);
  return 'done';
}
