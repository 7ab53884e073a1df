/**
 * The two kinds of work the data workers do, as pure functions of their
 * inputs so a worker thread and the calling thread (--workers 0) produce
 * bit-identical results:
 *   batch:  stored images -> network input (scale, mean, crop, flip, PCA
 *           colour noise, std), drawn from new Rng(job.seed) as host-augment.ts says;
 *   decode: image files -> preprocessed uint8 images and their RGB moments
 *           (for `netc prepare` and the statistics of raw folders).
 */
import { decodeImage, type DecodeOptions } from './decode.js';
import { DataError } from './errors.js';
import { augmentHost, divideStd, tenCropHost, type HostAugmentOptions, type Shape4 } from './host-augment.js';
import { Rng } from './rng.js';
import type { BadImage, ImageReader } from './sources.js';
import { addRgbMoments } from './stats.js';

/** How stored bytes become network input; fixed for a run, so workers get it once. */
export interface BatchRecipe {
  /** Multiplier from bytes to input units (before the mean). */
  scale: number;
  /** Per-channel divisors after the mean (and PCA noise). */
  std: number[] | null;
  /** Mean, crop, flip and PCA colour; a centre crop and nothing random for evaluation. */
  augment: HostAugmentOptions;
  /** Evaluation with the paper's ten crops of this size instead of `augment`'s crop (mean from `augment`). */
  tenCrop: { height: number; width: number } | null;
}

export interface BatchJob {
  source: number;
  recipe: number;
  /** Image indices in the source. */
  indices: Uint32Array;
  /** For a files source: the path of each image. */
  files: string[] | null;
  seed: number;
}

export interface BatchResult {
  /** One array, or ten (ten-crop evaluation), each shape[0] x shape[1] x shape[2] x shape[3]. */
  xs: Float32Array[];
  shape: Shape4;
  /** Which requested images are in the batch (null: all). */
  kept: number[] | null;
  bad: BadImage[];
}

export async function makeBatch(reader: ImageReader, recipe: BatchRecipe, job: BatchJob): Promise<BatchResult> {
  const { pixels, kept, bad } = await reader.read(job.indices, job.files);
  const n = kept ? kept.length : job.indices.length;
  const shape: Shape4 = [n, reader.height, reader.width, reader.channels];
  let xs: Float32Array[];
  let out: Shape4;
  if (recipe.tenCrop) {
    const { height, width } = recipe.tenCrop;
    xs = tenCropHost(pixels, shape, height, width, recipe.augment.mean, recipe.scale);
    out = [n, height, width, reader.channels];
  } else {
    const r = augmentHost(pixels, shape, recipe.augment, new Rng(job.seed), recipe.scale);
    xs = [r.x];
    out = r.shape;
  }
  for (const x of xs) divideStd(x, recipe.std);
  return { xs, shape: out, kept, bad };
}

export interface DecodeJob {
  files: string[];
  decode: DecodeOptions;
  /** Also return each image's RGB moments (9 sums, see stats.ts). */
  moments: boolean;
}

export interface DecodeResult {
  /** The decoded images, one after another (all of one size: the options fix it). */
  pixels: Uint8Array;
  /** Index (into job.files) of each decoded image. */
  kept: number[];
  /** The files that could not be decoded, with their index into job.files. */
  bad: (BadImage & { at: number })[];
  /** 9 sums per kept image, when asked for. */
  moments: Float64Array | null;
}

export async function decodeFiles(job: DecodeJob): Promise<DecodeResult> {
  const images: Uint8Array[] = [];
  const kept: number[] = [];
  const bad: DecodeResult['bad'] = [];
  for (let k = 0; k < job.files.length; k++) {
    try {
      const img = await decodeImage(job.files[k]!, job.decode);
      images.push(img.data);
      kept.push(k);
    } catch (err) {
      if (!(err instanceof DataError)) throw err;
      bad.push({ file: err.file, problem: err.problem, at: k });
    }
  }
  const size = images[0]?.length ?? 0;
  const pixels = new Uint8Array(size * images.length);
  images.forEach((im, i) => {
    if (im.length !== size) throw new DataError(job.files[kept[i]!]!, `decodes to ${im.length} bytes, the images before it to ${size}; without \`preprocess.resize\` or \`center_crop\` all images must have one size`);
    pixels.set(im, i * size);
  });
  let moments: Float64Array | null = null;
  if (job.moments && job.decode.channels === 3) {
    moments = new Float64Array(9 * images.length);
    images.forEach((im, i) => addRgbMoments(moments!.subarray(9 * i, 9 * i + 9), im, 0, im.length / 3));
  }
  return { pixels, kept, bad, moments };
}
