/** Subsets of a dataset, e.g. a validation set held out of the training split. */
import { DataError } from './errors.js';
import { deriveSeed, Rng } from './rng.js';
import type { Dataset } from './types.js';

const HOLDOUT_STREAM = 3;

/** A copy of the samples at `indices`, in that order. */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const per = ds.height * ds.width * ds.channels;
  const images = new Uint8Array(indices.length * per);
  const labels = new Uint32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < ds.count)) throw new RangeError(`subsetDataset: index ${i} outside 0..${ds.count - 1}`);
    images.set(ds.images.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = ds.labels[i]!;
  }
  return { ...ds, images, labels, count: indices.length };
}

/**
 * Hold out round(count * fraction) samples, chosen by a seeded permutation,
 * as a validation set; the rest is the training set. Both keep the original
 * sample order, and the same seed always gives the same split (so a resumed
 * run validates on the same samples). Returns the positions of each part.
 */
export function holdoutPositions(count: number, fraction: number, seed: number, source: string): { train: Uint32Array; validation: Uint32Array } {
  const nVal = Math.round(count * fraction);
  if (!(fraction > 0 && fraction < 1) || nVal === 0 || nVal === count) {
    throw new DataError(source, `cannot hold out a validation fraction of ${fraction} from ${count} samples (need 0 < fraction < 1 leaving both parts non-empty)`);
  }
  const perm = new Rng(deriveSeed(seed, HOLDOUT_STREAM)).permutation(count);
  return { train: perm.slice(nVal).sort(), validation: perm.slice(0, nVal).sort() };
}

/** holdoutPositions applied to an in-memory dataset. */
export function splitHoldout(ds: Dataset, fraction: number, seed: number): { train: Dataset; validation: Dataset } {
  const p = holdoutPositions(ds.count, fraction, seed, ds.source);
  return { train: subsetDataset(ds, p.train), validation: subsetDataset(ds, p.validation) };
}
