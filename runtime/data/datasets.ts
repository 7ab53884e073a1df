/**
 * Locating and loading the datasets a spec names, and checking them against
 * the model input. Each loader returns the same in-memory NHWC `Dataset`.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIFAR10_CLASSES, CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, cifarRecordsToNHWC } from './cifar.js';
import { DataError } from './errors.js';
import { readIdxPair } from './idx.js';
import { loadImageFolder } from './image-folder.js';
import { readFileOrThrow } from './io.js';
import type { DataSpec, Dataset, LoadOptions, Split } from './types.js';

export type { DataSpec, Dataset, DatasetKind, LoadOptions, Split } from './types.js';

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const SYSTEM_DATA_DIR = '/usr/share/datasets';

/** A folder we will look in and why, or (dir null) a line for the "not found" message such as "$NETC_DATA: not set". */
interface Place {
  dir: string | null;
  why: string;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Places to look, most specific first: the spec's path (or, without one, the
 * spec folder's data/), then $NETC_DATA, then a system folder; each user
 * folder also with its conventional sub-folder (e.g. fashion-mnist/).
 */
function places(spec: DataSpec, opts: LoadOptions, subdirs: string[], systemSub: string | null): Place[] {
  const out: Place[] = [];
  const user = spec.path
    ? { dir: resolve(opts.specDir ?? process.cwd(), spec.path), why: `spec path "${spec.path}"` }
    : opts.specDir
      ? { dir: resolve(opts.specDir, 'data'), why: "spec folder's data/" }
      : null;
  if (user) for (const d of [user.dir, ...subdirs.map((s) => join(user.dir, s))]) out.push({ dir: d, why: user.why });
  if (opts.only) return out;
  const env = (opts.env ?? process.env).NETC_DATA;
  if (env) for (const d of [env, ...subdirs.map((s) => join(env, s))]) out.push({ dir: resolve(d), why: '$NETC_DATA' });
  else out.push({ dir: null, why: '$NETC_DATA: not set' });
  if (systemSub) out.push({ dir: join(opts.systemDataDir ?? SYSTEM_DATA_DIR, systemSub), why: 'system datasets' });
  return out;
}

/** `dir/base` or `dir/base.gz`, whichever exists first; null if neither. */
function findFile(dir: string, base: string): string | null {
  for (const n of [base, `${base}.gz`]) {
    const f = join(dir, n);
    if (existsSync(f)) return f;
  }
  return null;
}

function loadIdxDataset(spec: DataSpec, split: Split, opts: LoadOptions): Dataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imgBase = `${prefix}-images-idx3-ubyte`;
  const lblBase = `${prefix}-labels-idx1-ubyte`;
  const fashion = spec.kind === 'fashion-mnist';
  // A generic IDX dataset could be anything, so only Fashion-MNIST falls back to the system copy.
  const ps = places(spec, opts, fashion ? ['fashion-mnist'] : [], fashion ? 'fashion-mnist' : null);
  const looked: string[] = [];
  for (const p of ps) {
    if (p.dir === null) {
      looked.push(p.why);
      continue;
    }
    const label = `${p.dir} (${p.why})`;
    if (!isDir(p.dir)) {
      looked.push(`${label}: no such folder`);
      continue;
    }
    const img = findFile(p.dir, imgBase);
    const lbl = findFile(p.dir, lblBase);
    if (img && lbl) {
      const { count, height, width, data, labels: bytes } = readIdxPair(img, lbl);
      const labels = Uint32Array.from(bytes);
      const numClasses = fashion ? 10 : labels.reduce((m, v) => Math.max(m, v + 1), 0);
      const bad = labels.findIndex((v) => v >= numClasses);
      if (bad >= 0) throw new DataError(lbl, `label ${labels[bad]} at index ${bad} is not a Fashion-MNIST class (0-9)`);
      return {
        images: data,
        labels,
        count,
        height,
        width,
        channels: 1,
        numClasses,
        ...(fashion ? { classNames: FASHION_MNIST_CLASSES } : {}),
        source: img,
      };
    }
    const missing = [img ? null : imgBase, lbl ? null : lblBase].filter(Boolean).map((b) => `${b}[.gz]`);
    looked.push(`${label}: missing ${missing.join(', ')}`);
  }
  const name = fashion ? 'Fashion-MNIST' : 'IDX';
  const bundled = fashion ? bundledFashionMnist() : null;
  const hint = fashion
    ? 'Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or point --data DIR (or NETC_DATA=DIR) at a folder holding the IDX files.' +
      (bundled ? ` netc comes with a subset (6,000 train, 1,000 test images): --data ${bundled}` : '')
    : 'Set the dataset path in the spec, or point --data DIR (or NETC_DATA=DIR) at a folder holding the IDX files.';
  return throwNotFound(`${imgBase}[.gz]`, `${name} ${split} split`, looked, hint, spec, opts);
}

/**
 * The Fashion-MNIST subset bundled with netc (examples/fashion-mnist/data),
 * where it is: a spec copied out of the example folder leaves it behind, and
 * the "not found" message says where to point --data. Found from this module
 * (runtime/data in the sources, dist/runtime/data when built or installed).
 */
export function bundledFashionMnist(): string | null {
  for (const up of ['../../examples/fashion-mnist/data', '../../../examples/fashion-mnist/data']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, 'train-images-idx3-ubyte.gz'))) return dir;
  }
  return null;
}

/**
 * The "not found" error: every place looked and what was wrong there, then
 * how to get the data. Points at the spec's dataset unless --data was given.
 */
function throwNotFound(file: string, what: string, looked: string[], hint: string, spec: DataSpec, opts: LoadOptions): never {
  if (looked.length === 0) looked.push('(nowhere: no path given)');
  throw new DataError(file, `${what} not found. Looked in:\n${looked.map((l) => `  - ${l}`).join('\n')}\n${hint}`, {
    code: 'NETC5301',
    ...(opts.only ? {} : { specPointer: spec.path ? '/data/dataset/path' : '/data/dataset' }),
  });
}

function loadCifar10(spec: DataSpec, split: Split, opts: LoadOptions): Dataset {
  const names = split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES;
  const ps = places(spec, opts, ['cifar-10-batches-bin'], null);
  const looked: string[] = [];
  for (const { dir, why } of ps) {
    if (dir === null) {
      looked.push(why);
      continue;
    }
    const label = `${dir} (${why})`;
    if (!isDir(dir)) {
      looked.push(`${label}: no such folder`);
      continue;
    }
    const present = names.filter((n) => existsSync(join(dir, n)));
    if (present.length === 0) {
      looked.push(`${label}: no ${names.join(', ')}`);
      continue;
    }
    // Half a dataset would train silently on less data: insist on every batch.
    if (present.length !== names.length) {
      const missing = names.filter((n) => !present.includes(n));
      throw new DataError(join(dir, missing[0]!), `file not found; the CIFAR-10 ${split} split needs all of ${names.join(', ')}`, { code: 'NETC5301' });
    }
    const parts = names.map((n) => cifarRecordsToNHWC(readFileOrThrow(join(dir, n)), join(dir, n)));
    const count = parts.reduce((s, x) => s + x.count, 0);
    const images = new Uint8Array(count * 32 * 32 * 3);
    const labels = new Uint32Array(count);
    let at = 0;
    for (const x of parts) {
      images.set(x.images, at * 3072);
      labels.set(x.labels, at);
      at += x.count;
    }
    return { images, labels, count, height: 32, width: 32, channels: 3, numClasses: 10, classNames: CIFAR10_CLASSES, source: join(dir, names[0]!) };
  }
  return throwNotFound(
    names[0]!,
    `CIFAR-10 ${split} split`,
    looked,
    'Download the "CIFAR-10 binary version" (cifar-10-binary.tar.gz), unpack it, and point --data DIR (or NETC_DATA=DIR) at cifar-10-batches-bin.',
    spec,
    opts,
  );
}

/** Load one split of the dataset a spec names. Throws DataError (naming the file) for anything wrong with the data. */
export async function loadDataset(spec: DataSpec, split: Split, opts: LoadOptions = {}): Promise<Dataset> {
  switch (spec.kind) {
    case 'fashion-mnist':
    case 'idx':
      return loadIdxDataset(spec, split, opts);
    case 'cifar10':
      return loadCifar10(spec, split, opts);
    case 'image-folder': {
      const base = spec.path ?? (opts.env ?? process.env).NETC_DATA ?? (opts.specDir ? join(opts.specDir, 'data') : undefined);
      if (!base) throw new DataError('(image-folder)', 'needs a folder: set `path` in the spec, or pass --data DIR (or NETC_DATA=DIR)');
      return loadImageFolder(resolve(opts.specDir ?? process.cwd(), base), split);
    }
    default: {
      const kind: never = spec.kind;
      throw new DataError('(dataset)', `unknown dataset kind "${String(kind)}"`);
    }
  }
}

/** What the preprocessing is allowed to do to make images fit the model input. */
export interface FitOptions {
  /** Larger images may be cropped (random crop for training, centre/ten-crop for evaluation). */
  crop?: boolean;
  /** Images may be resized (bilinear) to the input size. */
  resize?: boolean;
  /** 1-channel images may be replicated to 3 channels. */
  greyToRgb?: boolean;
}

export interface DatasetFit {
  /** How the spatial size is matched. */
  spatial: 'none' | 'crop' | 'resize';
  /** How channels are matched. */
  channels: 'none' | 'replicate';
}

/**
 * Check that dataset images can be fed to a model whose input is [h, w, c],
 * given what the preprocessing may do. Returns the plan; throws a DataError
 * naming the dataset's file when it cannot work.
 */
export function checkDatasetFits(ds: Pick<Dataset, 'height' | 'width' | 'channels' | 'source'>, inputShape: readonly [number, number, number], allow: FitOptions = {}): DatasetFit {
  const [h, w, c] = inputShape;
  const have = `${ds.height}x${ds.width}x${ds.channels}`;
  const want = `${h}x${w}x${c}`;
  const fail = (why: string): never => {
    throw new DataError(ds.source, `images are ${have} (HxWxC) but the model input is ${want}: ${why}`, { code: 'NETC5303', specPointer: '/data/preprocess' });
  };

  let channels: DatasetFit['channels'] = 'none';
  if (ds.channels !== c) {
    if (ds.channels === 1 && c === 3 && allow.greyToRgb) channels = 'replicate';
    else
      fail(
        `${ds.channels} channel(s) vs ${c}` +
          (ds.channels === 1 && c === 3 ? '; enable grey-to-RGB replication in the preprocessing or use a 1-channel input' : '; change the model input channels'),
      );
  }

  let spatial: DatasetFit['spatial'] = 'none';
  if (ds.height !== h || ds.width !== w) {
    const larger = ds.height >= h && ds.width >= w;
    if (larger && allow.crop) spatial = 'crop';
    else if (allow.resize) spatial = 'resize';
    else
      fail(
        larger
          ? 'the images are larger; add a crop or resize to the preprocessing, or change the model input size'
          : 'the images are smaller and cannot be cropped to fit; add a resize to the preprocessing or change the model input size',
      );
  }
  return { spatial, channels };
}
