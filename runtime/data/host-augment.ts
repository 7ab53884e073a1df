/**
 * The same augmentations as augment.ts, on host Float32Arrays (NHWC), fused
 * into one pass. Why both: tfjs' CPU backend slices and reverses 4-D tensors
 * element by element (about 3 s for a 32x256x256x3 crop), while this loop
 * takes milliseconds, and running it inside `prefetch` overlaps it with the
 * device's training step on GPU backends too.
 *
 * Random draws use the same order as calling the tensor functions in sequence
 * (subtractMean, padImages, randomCrop, randomFlip, pcaColourJitter) with one
 * Rng, so the two paths produce identical batches from identical seeds.
 */
import { centreOffset, pcaColourOffset, type MeanStats, type PcaColourBasis } from './stats.js';
import type { Rng } from './rng.js';

export type Shape4 = [number, number, number, number];

export interface HostAugmentOptions {
  /**
   * Cut a height x width window, at a random position per image or the
   * centre, out of the image zero-padded by `pad` pixels on each side
   * (CIFAR-style "pad 4, crop 32"; default 0).
   */
  crop?: { height: number; width: number; mode: 'random' | 'center'; pad?: number };
  /** Mirror each image left-right with this probability (random draws only when set and > 0). */
  flipProbability?: number;
  /** Subtracted first; a 'pixel' mean must have the uncropped image size. */
  mean?: MeanStats;
  /** AlexNet PCA colour jitter, added last. */
  pca?: { basis: PcaColourBasis; std?: number; magnitude?: 'eigenvalue' | 'stddev' };
}

/** Mean values as float32, like the tensor the tensor path builds (so both round identically); cached per MeanStats object. */
const meanCache = new WeakMap<MeanStats, Float32Array>();
function float32Values(mean: MeanStats): Float32Array {
  let v = meanCache.get(mean);
  if (!v) meanCache.set(mean, (v = Float32Array.from(mean.values)));
  return v;
}

/** Raw bytes (scaled on the way) or already scaled floats. */
export type Pixels = Uint8Array | Float32Array;

/**
 * Copy an h x w window of every image, at per-image offsets into the image
 * zero-padded by `pad` on each side, optionally mirrored, as float32 values
 * `fround(x * scale) - mean`, the mean indexed at the *source* pixel (a
 * per-pixel mean image is subtracted before cropping, as in AlexNet; padding
 * stays 0, as when padding after normalising). Both roundings are float32's,
 * so bytes with a scale give bit for bit what scaled floats give.
 */
function window(
  x: Pixels,
  [n, H, W, C]: Shape4,
  h: number,
  w: number,
  pad: number,
  oy: ArrayLike<number>,
  ox: ArrayLike<number>,
  flip: ArrayLike<boolean> | null,
  mean: MeanStats | undefined,
  scale: number,
): Float32Array {
  const out = new Float32Array(n * h * w * C); // zeros: padding needs no writes
  const m32 = mean ? float32Values(mean) : null;
  const pixelMean = mean?.kind === 'pixel';
  for (let i = 0; i < n; i++) {
    const mirror = flip?.[i] ?? false;
    const sx0 = ox[i]! - pad; // source column of window column 0
    const j0 = Math.max(0, -sx0); // window columns [j0, j1) fall inside the image
    const j1 = Math.min(w, W - sx0);
    for (let y = 0; y < h; y++) {
      const sy = oy[i]! + y - pad;
      if (sy < 0 || sy >= H || j1 <= j0) continue;
      const row = (sy * W + sx0) * C; // offset of window column 0 within one image (may be negative)
      const src = i * H * W * C + row;
      const o = (i * h + y) * w * C;
      for (let j = j0; j < j1; j++) {
        const d = o + (mirror ? w - 1 - j : j) * C;
        const s = j * C;
        for (let c = 0; c < C; c++) {
          const v = Math.fround(x[src + s + c]! * scale);
          out[d + c] = m32 ? v - m32[pixelMean ? row + s + c : c]! : v;
        }
      }
    }
  }
  return out;
}

function checkMean(mean: MeanStats | undefined, [, H, W, C]: Shape4): void {
  if (!mean) return;
  const ok = mean.kind === 'channel' ? mean.shape[0] === C : mean.shape[0] === H && mean.shape[1] === W && mean.shape[2] === C;
  if (!ok) throw new Error(`augmentHost: ${mean.kind} mean of shape [${mean.shape}] does not fit batch images ${H}x${W}x${C}`);
}

/**
 * Apply scaling, mean subtraction, crop, flip and PCA colour jitter in that
 * order; returns a new array and its shape. `x` is raw bytes times `scale`
 * (default 1: already scaled floats).
 */
export function augmentHost(x: Pixels, shape: Shape4, opts: HostAugmentOptions, rng: Rng, scale = 1): { x: Float32Array; shape: Shape4 } {
  const [n, H, W, C] = shape;
  checkMean(opts.mean, shape);
  const pad = opts.crop?.pad ?? 0;
  const Hp = H + 2 * pad;
  const Wp = W + 2 * pad;
  const h = opts.crop?.height ?? H;
  const w = opts.crop?.width ?? W;
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`augmentHost: bad padding ${pad}`);
  if (h > Hp || w > Wp || h <= 0 || w <= 0) throw new Error(`augmentHost: cannot crop ${h}x${w} out of ${Hp}x${Wp} (padded) images`);
  const oy = new Int32Array(n);
  const ox = new Int32Array(n);
  if (opts.crop?.mode === 'random') {
    for (let i = 0; i < n; i++) {
      oy[i] = rng.int(Hp - h + 1);
      ox[i] = rng.int(Wp - w + 1);
    }
  } else {
    oy.fill(centreOffset(Hp, h));
    ox.fill(centreOffset(Wp, w));
  }
  const p = opts.flipProbability ?? 0;
  const flip = p > 0 ? Array.from({ length: n }, () => rng.next() < p) : null;
  const out = window(x, shape, h, w, pad, oy, ox, flip, opts.mean, scale);
  if (opts.pca) {
    if (C !== 3) throw new Error(`augmentHost: PCA colour jitter needs 3 channels, got ${C}`);
    const per = h * w * 3;
    for (let i = 0; i < n; i++) {
      const [r, g, b] = pcaColourOffset(opts.pca.basis, rng, opts.pca.std ?? 0.1, opts.pca.magnitude ?? 'eigenvalue');
      // Round the offset to float32 first, as the tensor path adds a float32 offset.
      const fr = Math.fround(r), fg = Math.fround(g), fb = Math.fround(b);
      for (let k = i * per, end = k + per; k < end; k += 3) {
        out[k] += fr;
        out[k + 1] += fg;
        out[k + 2] += fb;
      }
    }
  }
  return { x: out, shape: [n, h, w, C] };
}

/** The ten AlexNet test crops (TL, TR, BL, BR, centre, then their mirrors), each a [n, h, w, C] array (`x` times `scale`, minus the mean). */
export function tenCropHost(x: Pixels, shape: Shape4, h: number, w: number, mean?: MeanStats, scale = 1): Float32Array[] {
  const [n, H, W] = shape;
  if (h > H || w > W || h <= 0 || w <= 0) throw new Error(`tenCropHost: cannot crop ${h}x${w} out of ${H}x${W} images`);
  checkMean(mean, shape);
  const at: [number, number][] = [[0, 0], [0, W - w], [H - h, 0], [H - h, W - w], [centreOffset(H, h), centreOffset(W, w)]];
  const crops = (mirror: boolean): Float32Array[] =>
    at.map(([y, xx]) => window(x, shape, h, w, 0, new Int32Array(n).fill(y), new Int32Array(n).fill(xx), new Array<boolean>(n).fill(mirror), mean, scale));
  return [...crops(false), ...crops(true)];
}

/** Divide each channel by its std, in place (after the mean, as the plan's preprocess says). */
export function divideStd(x: Float32Array, std: readonly number[] | null): void {
  if (!std) return;
  const c = std.length;
  for (let i = 0; i < x.length; i++) x[i]! /= std[i % c]!;
}
