/**
 * Epoch/batch iteration with exact resume.
 *
 * Every random choice is addressed by position rather than drawn from one
 * long stream: the shuffle of epoch e comes from deriveSeed(seed, SHUFFLE, e)
 * and each batch carries its own augmentation seed derived from
 * (seed, epoch, index). Resuming at (epoch, batch) therefore reproduces the
 * uninterrupted run exactly, with nothing to store but the position.
 */
import { augmentHost, type HostAugmentOptions } from './host-augment.js';
import { deriveSeed, Rng } from './rng.js';
import type { Dataset } from './types.js';

const SHUFFLE_STREAM = 1;
const AUGMENT_STREAM = 2;

/** Where an iteration starts, or where to resume: batch `batch` of epoch `epoch` (both 0-based). */
export interface BatchPosition {
  epoch: number;
  batch: number;
}

export interface BatchOptions {
  batchSize: number;
  seed: number;
  /** Shuffle the order every epoch (default true). */
  shuffle?: boolean;
  /** Multiplier from bytes to network input (default 1/255). */
  scale?: number;
  /** Drop the last, smaller batch of each epoch (default false). */
  dropRemainder?: boolean;
  /** Replicate 1-channel images to 3 channels (see checkDatasetFits' `channels: 'replicate'`). */
  greyToRgb?: boolean;
  /**
   * Augment each batch on the host with new Rng(batch.seed) (mean, crop, flip,
   * PCA colour), so the work happens in the prefetch look-ahead. Use a centre
   * crop and no flip/PCA for evaluation batches.
   */
  augment?: HostAugmentOptions;
  /** First batch to produce (default epoch 0, batch 0). */
  start?: BatchPosition;
  /** Stop before this epoch (default: start.epoch + 1, i.e. one epoch). */
  endEpoch?: number;
}

export interface Batch {
  /** size*H*W*C floats, NHWC, scaled. A fresh array per batch (tfjs may keep a reference to it). */
  x: Float32Array;
  /** size class indices. */
  y: Int32Array;
  shape: [number, number, number, number];
  size: number;
  epoch: number;
  /** Batch index within the epoch. */
  index: number;
  /** Global step: epoch * batchesPerEpoch + index. */
  step: number;
  /** Whether this is the epoch's final batch. */
  last: boolean;
  /** Seed for this batch's augmentation: new Rng(batch.seed) (already used if `augment` was given). */
  seed: number;
  /** The position to resume from once this batch has been trained on. */
  next: BatchPosition;
}

export function batchesPerEpoch(count: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** The position of global step `step` (e.g. read from a checkpoint). */
export function positionFromStep(step: number, perEpoch: number): BatchPosition {
  return { epoch: Math.floor(step / perEpoch), batch: step % perEpoch };
}

/** Sample order of one epoch: a seeded permutation, or 0..count-1 without shuffling. */
export function epochOrder(count: number, seed: number, epoch: number, shuffle = true): Uint32Array {
  if (shuffle) return new Rng(deriveSeed(seed, SHUFFLE_STREAM, epoch)).permutation(count);
  return Uint32Array.from({ length: count }, (_, i) => i);
}

/** Augmentation seed of batch `index` of `epoch`. */
export function batchSeed(seed: number, epoch: number, index: number): number {
  return deriveSeed(seed, AUGMENT_STREAM, epoch, index);
}

/** Copy the selected images into a float batch, scaling (and optionally replicating grey to RGB) on the way. */
export function gatherBatch(ds: Dataset, indices: ArrayLike<number>, scale = 1 / 255, greyToRgb = false): Float32Array {
  const per = ds.height * ds.width * ds.channels;
  const rep = greyToRgb && ds.channels === 1 ? 3 : 1;
  const x = new Float32Array(indices.length * per * rep);
  const im = ds.images;
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b]! * per;
    const dst = b * per * rep;
    if (rep === 1) for (let k = 0; k < per; k++) x[dst + k] = im[src + k]! * scale;
    else
      for (let k = 0; k < per; k++) {
        const v = im[src + k]! * scale;
        x[dst + 3 * k] = v;
        x[dst + 3 * k + 1] = v;
        x[dst + 3 * k + 2] = v;
      }
  }
  return x;
}

/** One batch's place in the run, without its pixels: which samples, which seed, where to resume after it. */
export type BatchSlot = Omit<Batch, 'x' | 'y' | 'shape' | 'size'> & {
  /** Sample positions in the dataset, in batch order. */
  positions: Uint32Array;
};

/** The batches of a run from `start` to `endEpoch`, as positions and seeds (shared by the in-process and worker loaders). */
export function* planBatches(count: number, source: string, opts: Pick<BatchOptions, 'batchSize' | 'seed' | 'shuffle' | 'dropRemainder' | 'start' | 'endEpoch'>): Generator<BatchSlot, void, undefined> {
  const { batchSize, seed, shuffle = true, dropRemainder = false } = opts;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const perEpoch = batchesPerEpoch(count, batchSize, dropRemainder);
  if (perEpoch === 0) throw new RangeError(`${source}: ${count} samples make no batch of ${batchSize} with dropRemainder`);
  const start = opts.start ?? { epoch: 0, batch: 0 };
  if (!Number.isInteger(start.batch) || start.batch < 0 || start.batch >= perEpoch) {
    throw new RangeError(`start batch ${start.batch} is outside epoch of ${perEpoch} batches`);
  }
  const endEpoch = opts.endEpoch ?? start.epoch + 1;
  for (let epoch = start.epoch; epoch < endEpoch; epoch++) {
    const order = epochOrder(count, seed, epoch, shuffle);
    for (let index = epoch === start.epoch ? start.batch : 0; index < perEpoch; index++) {
      const last = index === perEpoch - 1;
      yield {
        positions: order.subarray(index * batchSize, Math.min((index + 1) * batchSize, count)),
        epoch,
        index,
        step: epoch * perEpoch + index,
        last,
        seed: batchSeed(seed, epoch, index),
        next: last ? { epoch: epoch + 1, batch: 0 } : { epoch, batch: index + 1 },
      };
    }
  }
}

/** The batches of an in-memory dataset, made on the calling thread (the worker loader makes the same ones elsewhere). */
export function* iterateBatches(ds: Dataset, opts: BatchOptions): Generator<Batch, void, undefined> {
  const { scale = 1 / 255, greyToRgb = false } = opts;
  const c = greyToRgb && ds.channels === 1 ? 3 : ds.channels;
  for (const { positions: idx, ...slot } of planBatches(ds.count, ds.source, opts)) {
    let x = gatherBatch(ds, idx, scale, greyToRgb);
    let shape: Batch['shape'] = [idx.length, ds.height, ds.width, c];
    if (opts.augment) ({ x, shape } = augmentHost(x, shape, opts.augment, new Rng(slot.seed)));
    yield { ...slot, x, y: Int32Array.from(idx, (i) => ds.labels[i]!), shape, size: idx.length };
  }
}

/**
 * Keep one item of look-ahead: while the consumer works on item k, item k+1
 * is produced. For a synchronous source the next item is started from
 * setImmediate, i.e. it runs when the consumer next yields to the event loop
 * (typically while awaiting a GPU step's result), so batch assembly overlaps
 * device work. On the pure-CPU backend there is nothing to overlap with and
 * this is just a pass-through. Errors from the source surface at the next pull.
 */
export async function* prefetch<T>(source: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const asyncIt = Symbol.asyncIterator in source ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : null;
  const syncIt = asyncIt ? null : (source as Iterable<T>)[Symbol.iterator]();
  const pull = (): Promise<IteratorResult<T>> =>
    asyncIt ? asyncIt.next() : new Promise((res, rej) => setImmediate(() => { try { res(syncIt!.next()); } catch (e) { rej(e); } }));
  let pending = pull();
  pending.catch(() => {}); // reported when awaited; avoid an unhandled-rejection warning meanwhile
  try {
    for (;;) {
      const r = await pending;
      if (r.done) return;
      pending = pull();
      pending.catch(() => {});
      yield r.value;
    }
  } finally {
    // The consumer stopped early (break/throw): let the source clean up.
    await (asyncIt ?? syncIt)?.return?.();
  }
}
