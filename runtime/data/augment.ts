/**
 * Per-batch augmentation and normalisation on NHWC float32 tensors.
 *
 * Every random choice is drawn on the CPU from a caller-supplied `Rng`, per
 * image, in a fixed order, so a seeded (or restored) generator reproduces the
 * same augmentations. Functions never dispose their input; the caller owns
 * both input and result (wrap calls in tf.tidy as usual).
 *
 * host-augment.ts does the same on Float32Arrays before upload, with the same
 * draws; prefer it on tfjs' CPU backend, where 4-D slice/reverse are slow.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';
import { centreOffset, pcaColourOffset, type MeanStats, type PcaColourBasis } from './stats.js';

export { centreOffset, computeMean, pcaColourBasis, pcaColourOffset, type MeanStats, type PcaColourBasis } from './stats.js';

function dims(x: tf.Tensor4D): [number, number, number, number] {
  return x.shape as [number, number, number, number];
}

function checkCrop(x: tf.Tensor4D, h: number, w: number, what: string): void {
  const [, H, W] = dims(x);
  if (h > H || w > W || h <= 0 || w <= 0) throw new Error(`${what}: cannot crop ${h}x${w} out of ${H}x${W} images`);
}

/** Zero-pad every image by `pad` pixels on each side (before a random crop, CIFAR-style). */
export function padImages(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  return tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
}

/** Crop each image at its own random offset (uniform over all valid positions). Draws 2 ints per image: row, then column. */
export function randomCrop(x: tf.Tensor4D, h: number, w: number, rng: Rng): tf.Tensor4D {
  checkCrop(x, h, w, 'randomCrop');
  const [n, H, W, c] = dims(x);
  const offsets = Array.from({ length: n }, () => [rng.int(H - h + 1), rng.int(W - w + 1)] as const);
  return tf.tidy(() => {
    if (H === h && W === w) return x.clone();
    // One slice per image: exact pixel copies (no interpolation).
    const parts = offsets.map(([oy, ox], i) => tf.slice(x, [i, oy, ox, 0], [1, h, w, c]));
    return tf.concat(parts, 0);
  });
}

/** Mirror each image left-right with probability p. Draws 1 uniform per image. */
export function randomFlip(x: tf.Tensor4D, rng: Rng, p = 0.5): tf.Tensor4D {
  const n = x.shape[0];
  const pick = Int32Array.from({ length: n }, (_, i) => (rng.next() < p ? n + i : i));
  // Gather from [originals; mirrors] rather than blending, so pixels are copied bit-exactly.
  return tf.tidy(() => tf.gather(tf.concat([x, tf.reverse(x, 2)], 0), tf.tensor1d(pick, 'int32')));
}

export function centerCrop(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  checkCrop(x, h, w, 'centerCrop');
  const [n, H, W, c] = dims(x);
  return tf.slice(x, [0, centreOffset(H, h), centreOffset(W, w), 0], [n, h, w, c]);
}

/**
 * The ten test-time crops of AlexNet: top-left, top-right, bottom-left,
 * bottom-right, centre, then the left-right mirror of each, in that order.
 * Evaluation averages the network's softmax over the ten.
 */
export function tenCrop(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D[] {
  checkCrop(x, h, w, 'tenCrop');
  const [n, H, W, c] = dims(x);
  const at: [number, number][] = [
    [0, 0],
    [0, W - w],
    [H - h, 0],
    [H - h, W - w],
    [centreOffset(H, h), centreOffset(W, w)],
  ];
  const crops = at.map(([oy, ox]) => tf.slice(x, [0, oy, ox, 0], [n, h, w, c]));
  return [...crops, ...crops.map((t) => tf.reverse(t, 2))];
}

/**
 * Subtract a mean. A per-pixel mean image must match the batch's H x W, so
 * subtract it before cropping (as AlexNet does); a per-channel mean fits any size.
 */
export function subtractMean(x: tf.Tensor4D, mean: MeanStats): tf.Tensor4D {
  const [, H, W, C] = dims(x);
  const ok = mean.kind === 'channel' ? mean.shape[0] === C : mean.shape[0] === H && mean.shape[1] === W && mean.shape[2] === C;
  if (!ok) throw new Error(`subtractMean: ${mean.kind} mean of shape [${mean.shape}] does not fit batch images ${H}x${W}x${C}`);
  return tf.tidy(() => tf.sub(x, tf.tensor(mean.values, mean.shape, 'float32')));
}

/** Add a fresh PCA colour offset to every pixel of each image (3 normals drawn per image, in batch order). */
export function pcaColourJitter(
  x: tf.Tensor4D,
  basis: PcaColourBasis,
  rng: Rng,
  std = 0.1,
  magnitude: 'eigenvalue' | 'stddev' = 'eigenvalue',
): tf.Tensor4D {
  const [n, , , c] = dims(x);
  if (c !== 3) throw new Error(`pcaColourJitter: needs 3-channel batches, got ${c}`);
  const offsets = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) offsets.set(pcaColourOffset(basis, rng, std, magnitude), 3 * i);
  return tf.tidy(() => tf.add(x, tf.tensor4d(offsets, [n, 1, 1, 3])));
}
