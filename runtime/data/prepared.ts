/**
 * A prepared dataset: the folder `netc prepare` writes (index.json, shard
 * files, mean.f64), and how training finds, checks and reads it.
 *
 * index.json holds everything but pixels: the preprocessing the shards were
 * made with (checked against the spec at train time), the classes (folder
 * and readable names, by label), each split's shards with image counts and
 * SHA-256, the images left out and why, and the training split's statistics:
 * the RGB moments with the covariance, eigenvalues and eigenvectors they give
 * (raw 0-255 units), and the per-pixel mean image in mean.f64 (float64 LE, HWC).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecodeOptions } from './decode.js';
import { DataError } from './errors.js';
import type { ClassList } from './image-folder.js';
import { checkShard, type ShardSet } from './shards.js';
import type { BadImage } from './sources.js';
import { basisFromMoments, type MeanStats, type PcaColourBasis } from './stats.js';

export const INDEX_FILE = 'index.json';
export const MEAN_FILE = 'mean.f64';
export const SHARDS_FORMAT = 'netc-shards';
export const SHARDS_VERSION = 1;
/** Where `netc prepare <folder>` writes unless told otherwise, and where training looks: inside the image folder. */
export const DEFAULT_SHARDS_DIR = 'netc-shards';

export interface PreparedSplit {
  /** The split's folder name in the source (train, val, test...). */
  folder: string;
  count: number;
  shards: { file: string; count: number; sha256: string }[];
  /** Images left out (bad_images: skip), with the reason. */
  skipped: BadImage[];
}

export interface PreparedIndex {
  format: typeof SHARDS_FORMAT;
  version: number;
  /** Random id written into every shard header too. */
  id: string;
  /** The image folder it was made from. */
  source: string;
  createdAt: string;
  image: { height: number; width: number; channels: number };
  preprocess: Omit<DecodeOptions, 'maxPixels'> & { interpolation: string };
  classes: ClassList;
  /** SHA-256 of the file listing and preprocessing: a resumed or repeated prepare of the same folder matches it. */
  listing: string;
  splits: { train: PreparedSplit; test: PreparedSplit | null };
  stats: {
    images: number;
    meanFile: string;
    /** Over every pixel of the training images (null for grey images). */
    rgb: { pixels: number; moments: number[]; mean: number[]; covariance: number[][]; eigenvalues: number[]; eigenvectors: number[][] } | null;
  };
}

export const INTERPOLATION = 'bilinear, antialiased (libvips linear kernel, no JPEG shrink-on-load)';

/** The prepared dataset at `path` (the shard folder itself or an image folder holding netc-shards/), or null. */
export function findPrepared(path: string): string | null {
  for (const dir of [path, join(path, DEFAULT_SHARDS_DIR)]) if (existsSync(join(dir, INDEX_FILE))) return dir;
  return null;
}

export function readPreparedIndex(dir: string): PreparedIndex {
  const file = join(dir, INDEX_FILE);
  let idx: PreparedIndex;
  try {
    idx = JSON.parse(readFileSync(file, 'utf8')) as PreparedIndex;
  } catch (err) {
    throw new DataError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found: prepare the dataset with `netc prepare`' : 'is not valid JSON; run `netc prepare --force` to rebuild it');
  }
  if (idx?.format !== SHARDS_FORMAT) throw new DataError(file, `is not a netc prepared-dataset index (format \`${String(idx?.format)}\`)`);
  if (idx.version !== SHARDS_VERSION) throw new DataError(file, `is prepared-dataset version ${idx.version}, this netc reads version ${SHARDS_VERSION}; run \`netc prepare --force\``);
  if (!idx.splits?.train || !Array.isArray(idx.classes?.folders) || !idx.image) throw new DataError(file, 'lacks its splits, classes or image size; run `netc prepare --force`');
  return idx;
}

/** Check every shard's header and size against the index (cheap: no pixels are read). Throws DataError naming the first bad file. */
export function checkPrepared(dir: string, idx: PreparedIndex): void {
  for (const [split, s] of Object.entries(idx.splits)) {
    if (!s) continue;
    s.shards.forEach((sh, k) => checkShard(join(dir, sh.file), { dataset: idx.id, split, shard: k, count: sh.count, ...idx.image }));
  }
}

export function shardSet(dir: string, idx: PreparedIndex, split: 'train' | 'test'): ShardSet | null {
  const s = idx.splits[split];
  if (!s) return null;
  return { dir, files: s.shards.map((x) => x.file), counts: s.shards.map((x) => x.count), ...idx.image };
}

/** The training split's mean, per pixel or per channel, in units of `scale` times bytes. */
export function preparedMean(dir: string, idx: PreparedIndex, kind: 'pixel' | 'channel', scale: number): MeanStats {
  const file = join(dir, idx.stats.meanFile);
  const { height, width, channels } = idx.image;
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch {
    throw new DataError(file, 'mean image not found; run `netc prepare --force` to rebuild the dataset');
  }
  if (raw.length !== 8 * height * width * channels) throw new DataError(file, `is ${raw.length} bytes, a ${height}x${width}x${channels} float64 mean is ${8 * height * width * channels}`);
  const means = new Float64Array(height * width * channels);
  for (let k = 0; k < means.length; k++) means[k] = raw.readDoubleLE(8 * k);
  if (kind === 'pixel') return { kind, shape: [height, width, channels], values: Array.from(means, (v) => v * scale), scale };
  const sum = new Float64Array(channels);
  for (let k = 0; k < means.length; k++) sum[k % channels] += means[k]!;
  return { kind, shape: [channels], values: Array.from(sum, (s) => (s / (height * width)) * scale), scale };
}

export function preparedPca(dir: string, idx: PreparedIndex, scale: number): PcaColourBasis {
  const rgb = idx.stats.rgb;
  if (!rgb) throw new DataError(join(dir, INDEX_FILE), `PCA colour augmentation needs RGB images, this dataset was prepared with ${idx.image.channels} channel(s)`);
  return basisFromMoments(Float64Array.from(rgb.moments), rgb.pixels, scale);
}
