/**
 * Dataset statistics used by the augmentations (mean image / channel means,
 * PCA colour basis) and the per-image colour offset. Plain numbers, no
 * tensors: the results are JSON-able so a trainer can cache them in its run
 * dir, and the host-side augmentation can use them without tfjs.
 */
import { DataError } from './errors.js';
import { symmetricEigen } from './eigen.js';
import type { Rng } from './rng.js';
import type { Dataset } from './types.js';

/** The top-left offset of a centred crop (rounding down when the margin is odd). */
export function centreOffset(size: number, crop: number): number {
  return Math.floor((size - crop) / 2);
}

/** A mean to subtract, in the same units as the batches (`scale` times raw bytes). JSON-able for caching in the run dir. */
export interface MeanStats {
  kind: 'pixel' | 'channel';
  /** [H, W, C] for a per-pixel mean image, [C] for per-channel means. */
  shape: number[];
  values: number[];
  scale: number;
}

/** Mean image (kind 'pixel') or per-channel mean (kind 'channel') of a dataset, after multiplying by `scale`. */
export function computeMean(ds: Dataset, kind: 'pixel' | 'channel', scale = 1 / 255): MeanStats {
  const { images, count, height, width, channels } = ds;
  const per = height * width * channels;
  if (count === 0) throw new DataError(ds.source, 'dataset is empty, cannot compute its mean');
  if (kind === 'pixel') {
    const sum = new Float64Array(per);
    for (let i = 0; i < count; i++) for (let k = 0, o = i * per; k < per; k++) sum[k] += images[o + k]!;
    return { kind, shape: [height, width, channels], values: Array.from(sum, (s) => (s / count) * scale), scale };
  }
  const sum = new Float64Array(channels);
  for (let k = 0; k < images.length; k++) sum[k % channels] += images[k]!;
  const n = count * height * width;
  return { kind, shape: [channels], values: Array.from(sum, (s) => (s / n) * scale), scale };
}

/**
 * RGB principal components of a training set, for AlexNet's colour
 * augmentation. Plain JSON so the trainer can store it in the run dir instead
 * of recomputing it on resume.
 */
export interface PcaColourBasis {
  /** Units of the pixel values this basis describes (same as the batches). */
  scale: number;
  pixels: number;
  mean: number[];
  covariance: number[][];
  /** Eigenvalues of the covariance, largest first. */
  eigenvalues: number[];
  /** eigenvectors[i] pairs with eigenvalues[i]. */
  eigenvectors: number[][];
}

/** Sums over RGB pixels: r, g, b, rr, gg, bb, rg, rb, gb (raw bytes, so exact in float64 up to 2^53). */
export type RgbMoments = Float64Array;

/** Add the RGB moments of `count` interleaved RGB pixels of `im`, starting at byte `start`, into `into`. */
export function addRgbMoments(into: RgbMoments, im: Uint8Array, start: number, count: number): void {
  let r = 0, g = 0, b = 0, rr = 0, gg = 0, bb = 0, rg = 0, rb = 0, gb = 0;
  for (let k = start, end = start + 3 * count; k < end; k += 3) {
    const R = im[k]!, G = im[k + 1]!, B = im[k + 2]!;
    r += R; g += G; b += B;
    rr += R * R; gg += G * G; bb += B * B;
    rg += R * G; rb += R * B; gb += G * B;
  }
  into[0] += r; into[1] += g; into[2] += b; into[3] += rr; into[4] += gg; into[5] += bb; into[6] += rg; into[7] += rb; into[8] += gb;
}

/** The colour basis from RGB moments over `n` pixels, in units of `scale` times raw bytes. */
export function basisFromMoments(s: RgbMoments, n: number, scale: number): PcaColourBasis {
  const m = [s[0]! / n, s[1]! / n, s[2]! / n] as const;
  const cov = (k: number, a: number, c: number): number => (s[k]! / n - a * c) * scale * scale;
  const covariance = [
    [cov(3, m[0], m[0]), cov(6, m[0], m[1]), cov(7, m[0], m[2])],
    [cov(6, m[0], m[1]), cov(4, m[1], m[1]), cov(8, m[1], m[2])],
    [cov(7, m[0], m[2]), cov(8, m[1], m[2]), cov(5, m[2], m[2])],
  ];
  const { values, vectors } = symmetricEigen(covariance);
  return { scale, pixels: n, mean: m.map((v) => v * scale), covariance, eigenvalues: values.map((v) => Math.max(0, v)), eigenvectors: vectors };
}

/**
 * Covariance of RGB values over all pixels of the dataset (or of `maxImages`
 * evenly spaced images, to bound the cost on large sets) and its eigen-decomposition.
 */
export function pcaColourBasis(ds: Dataset, opts: { scale?: number; maxImages?: number } = {}): PcaColourBasis {
  if (ds.channels !== 3) throw new DataError(ds.source, `PCA colour augmentation needs RGB images, these have ${ds.channels} channel(s)`);
  const scale = opts.scale ?? 1 / 255;
  const use = Math.min(ds.count, opts.maxImages ?? ds.count);
  if (use === 0) throw new DataError(ds.source, 'dataset is empty, cannot compute its colour statistics');
  const px = ds.height * ds.width;
  const sums: RgbMoments = new Float64Array(9);
  for (let j = 0; j < use; j++) addRgbMoments(sums, ds.images, Math.floor((j * ds.count) / use) * px * 3, px);
  return basisFromMoments(sums, use * px, scale);
}

/**
 * Running statistics of a stream of equally sized uint8 images: the per-pixel
 * sums (for the mean image) and the RGB moments (for the PCA colour basis).
 * Sums stay exact integers in float64 up to 2^53 (ImageNet's 1.28 M images
 * of 256x256 reach 5.5e15 for the squares). Used where the images never sit
 * in memory together: `netc prepare` and raw image folders.
 */
export class ImageStats {
  readonly pixelSums: Float64Array;
  readonly rgb: RgbMoments = new Float64Array(9);
  images = 0;

  constructor(
    readonly height: number,
    readonly width: number,
    readonly channels: number,
  ) {
    this.pixelSums = new Float64Array(height * width * channels);
  }

  /** Add one image (HWC bytes). */
  add(image: Uint8Array): void {
    const s = this.pixelSums;
    for (let k = 0; k < s.length; k++) s[k] += image[k]!;
    if (this.channels === 3) addRgbMoments(this.rgb, image, 0, this.height * this.width);
    this.images++;
  }

  /** Add another accumulator's sums (e.g. a worker's). */
  merge(o: { pixelSums: Float64Array; rgb: Float64Array; images: number }): void {
    for (let k = 0; k < this.pixelSums.length; k++) this.pixelSums[k] += o.pixelSums[k]!;
    for (let k = 0; k < 9; k++) this.rgb[k] += o.rgb[k]!;
    this.images += o.images;
  }

  mean(kind: 'pixel' | 'channel', scale: number, source: string): MeanStats {
    if (this.images === 0) throw new DataError(source, 'no images, cannot compute their mean');
    const { height, width, channels, images } = this;
    if (kind === 'pixel') return { kind, shape: [height, width, channels], values: Array.from(this.pixelSums, (s) => (s / images) * scale), scale };
    const sum = new Float64Array(channels);
    for (let k = 0; k < this.pixelSums.length; k++) sum[k % channels] += this.pixelSums[k]!;
    return { kind, shape: [channels], values: Array.from(sum, (s) => (s / (images * height * width)) * scale), scale };
  }

  pca(scale: number, source: string): PcaColourBasis {
    if (this.channels !== 3) throw new DataError(source, `PCA colour augmentation needs RGB images, these have ${this.channels} channel(s)`);
    if (this.images === 0) throw new DataError(source, 'no images, cannot compute their colour statistics');
    return basisFromMoments(this.rgb, this.images * this.height * this.width, scale);
  }
}

/**
 * The RGB offset for one image: sum_i p_i * a_i * l_i with a_i ~ N(0, std),
 * in the batch's units. The eigenvalues l_i are those of RGB values in
 * [0, 1] (bytes / 255), whatever `scale` the batches use, so the noise is
 * the same image change for scale 1 (the paper's raw pixels) and 1/255:
 * ImageNet's l_i are about 0.2175, 0.0188, 0.0045 (fb.resnet.torch), a shift
 * of a few grey levels. (Eigenvalues of 0-255 values, 65,025 times larger,
 * would shift colours by hundreds of levels.) `magnitude: 'stddev'` uses
 * sqrt(l_i) instead, as some later implementations do.
 */
export function pcaColourOffset(basis: PcaColourBasis, rng: Rng, std = 0.1, magnitude: 'eigenvalue' | 'stddev' = 'eigenvalue'): [number, number, number] {
  // The basis is in batch units: l_batch = l_unit * unit^2, so l_unit * unit = l_batch / unit.
  const unit = 255 * basis.scale;
  const out: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const l = magnitude === 'stddev' ? Math.sqrt(basis.eigenvalues[i]!) : basis.eigenvalues[i]! / unit;
    const k = rng.normal(0, std) * l;
    for (let c = 0; c < 3; c++) out[c] += basis.eigenvectors[i]![c]! * k;
  }
  return out;
}
