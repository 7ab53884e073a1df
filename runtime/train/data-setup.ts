/**
 * Turns the plan's data section into datasets and per-batch options: loads
 * the splits, applies the one-off preprocessing (resize, centre crop), holds
 * out a validation set, computes the mean (and the PCA colour basis), and
 * checks that what reaches the model has the plan's input shape.
 */
import * as tf from '@tensorflow/tfjs';
import type { Plan } from '../../plan/types.js';
import type { DataSpec } from '../../plan/types.js';
import { DataError } from '../data/errors.js';
import { checkDatasetFits, loadDataset } from '../data/datasets.js';
import { splitHoldout, subsetDataset } from '../data/split.js';
import { computeMean, pcaColourBasis, type MeanStats, type PcaColourBasis } from '../data/stats.js';
import type { HostAugmentOptions } from '../data/host-augment.js';
import type { Dataset } from '../data/types.js';

export interface PreparedData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /** Where the files came from, for the start message. */
  source: string;
  scale: number;
  greyToRgb: boolean;
  trainAugment: HostAugmentOptions;
  evalAugment: HostAugmentOptions;
  /** Ten-crop evaluation size, when the plan asks for the paper's 10 patches. */
  tenCrop: { height: number; width: number } | null;
  mean: MeanStats | undefined;
  /** Per-channel divisors applied after the mean (plan data.preprocess.std). */
  std: number[] | null;
  /** Statistics worth keeping in the run directory. */
  stats: { mean?: MeanStats; pca?: PcaColourBasis };
}

export interface DataOptions {
  /** Folder of the spec or plan, against which a relative dataset path is resolved. */
  baseDir: string;
  /** --data: overrides the dataset path. */
  dataPath?: string;
  /** Use only the first n training images (quick runs). */
  trainLimit?: number;
  /** Use only the first n test images. */
  testLimit?: number;
  seed: number;
}

/** Bilinear resize of every image, once, in chunks (image-folder datasets of mixed origin). */
function resizeDataset(ds: Dataset, h: number, w: number): Dataset {
  if (ds.height === h && ds.width === w) return ds;
  const per = h * w * ds.channels;
  const images = new Uint8Array(ds.count * per);
  const chunk = 256;
  for (let i = 0; i < ds.count; i += chunk) {
    const n = Math.min(chunk, ds.count - i);
    const out = tf.tidy(() => {
      const src = tf.tensor4d(ds.images.subarray(i * ds.height * ds.width * ds.channels, (i + n) * ds.height * ds.width * ds.channels), [n, ds.height, ds.width, ds.channels], 'int32');
      return tf.clipByValue(tf.round(tf.image.resizeBilinear(tf.cast(src, 'float32'), [h, w], true)), 0, 255);
    });
    images.set(Uint8Array.from(out.dataSync()), i * per);
    out.dispose();
  }
  return { ...ds, images, height: h, width: w };
}

function centerCropDataset(ds: Dataset, h: number, w: number): Dataset {
  if (ds.height === h && ds.width === w) return ds;
  if (h > ds.height || w > ds.width) throw new DataError(ds.source, `cannot centre-crop ${h}x${w} out of ${ds.height}x${ds.width} images`);
  const top = Math.floor((ds.height - h) / 2);
  const left = Math.floor((ds.width - w) / 2);
  const c = ds.channels;
  const images = new Uint8Array(ds.count * h * w * c);
  for (let i = 0; i < ds.count; i++) {
    for (let y = 0; y < h; y++) {
      const src = ((i * ds.height + top + y) * ds.width + left) * c;
      images.set(ds.images.subarray(src, src + w * c), (i * h + y) * w * c);
    }
  }
  return { ...ds, images, height: h, width: w };
}

function preprocess(ds: Dataset, p: DataSpec['preprocess']): Dataset {
  let out = ds;
  if (p.resize) out = resizeDataset(out, p.resize[0], p.resize[1]);
  if (p.resizeShorter) {
    const f = p.resizeShorter / Math.min(out.height, out.width);
    out = resizeDataset(out, Math.round(out.height * f), Math.round(out.width * f));
  }
  if (p.centerCrop) out = centerCropDataset(out, p.centerCrop[0], p.centerCrop[1]);
  return out;
}

const firstN = (ds: Dataset, n: number | undefined) => (n !== undefined && n < ds.count ? subsetDataset(ds, Uint32Array.from({ length: n }, (_, i) => i)) : ds);

export async function prepareData(plan: Plan, opts: DataOptions): Promise<PreparedData> {
  const data = plan.data;
  if (!data) throw new DataError('(plan)', 'the plan has no data section: add `data:` to the spec (dataset, preprocess, augment)');
  if (plan.input.shape.length !== 3) throw new DataError('(plan)', `image datasets need an HxWxC model input, the plan's input is ${plan.input.shape.join('x')}`);
  const [h, w, c] = plan.input.shape as [number, number, number];
  const spec = { kind: data.dataset.kind, ...(opts.dataPath ?? data.dataset.path ? { path: opts.dataPath ?? data.dataset.path! } : {}) };
  // A folder named with --data is the only place looked in: falling through to another copy would hide a typo.
  const loadOpts = { specDir: opts.dataPath ? process.cwd() : opts.baseDir, only: opts.dataPath !== undefined };
  let train = preprocess(await loadDataset(spec, 'train', loadOpts), data.preprocess);
  let test = preprocess(await loadDataset(spec, 'test', loadOpts), data.preprocess);
  train = firstN(train, opts.trainLimit ?? data.trainLimit ?? undefined);
  test = firstN(test, opts.testLimit);

  const a = data.augment;
  const crop = a.randomCrop ?? null;
  // Throws a DataError naming the file when the images cannot be made to fit the input.
  checkDatasetFits({ ...train, height: train.height + 2 * a.pad, width: train.width + 2 * a.pad }, [h, w, c], { crop: crop !== null || data.testCrops === 'ten', greyToRgb: false });
  if (plan.output.classes !== null && train.numClasses > plan.output.classes) {
    throw new DataError(train.source, `the data has ${train.numClasses} classes but the model outputs ${plan.output.classes}`);
  }

  let validation: Dataset;
  if (data.validation === 'test') validation = test;
  else ({ train, validation } = splitHoldout(train, data.validation, opts.seed));

  const scale = data.preprocess.scale;
  let mean: MeanStats | undefined;
  const m = data.preprocess.mean;
  if (m === 'per-pixel') mean = computeMean(train, 'pixel', scale);
  else if (m === 'per-channel') mean = computeMean(train, 'channel', scale);
  else if (Array.isArray(m)) {
    if (m.length !== c) throw new DataError('(plan)', `data.preprocess.mean lists ${m.length} values for ${c} channels`);
    mean = { kind: 'channel', shape: [c], values: m, scale };
  }
  const pca = a.pcaColour > 0 ? pcaColourBasis(train, { scale, maxImages: 10_000 }) : undefined;

  // Training: pad, random crop to the input size, flip, PCA colour. Evaluation: centre crop.
  const needsCrop = train.height + 2 * a.pad !== h || train.width + 2 * a.pad !== w;
  const trainAugment: HostAugmentOptions = {
    ...(mean ? { mean } : {}),
    ...(needsCrop || a.pad > 0 || crop ? { crop: { height: h, width: w, mode: 'random' as const, pad: a.pad } } : {}),
    ...(a.flip ? { flipProbability: 0.5 } : {}),
    ...(pca ? { pca: { basis: pca, std: a.pcaColour } } : {}),
  };
  const evalCrop = test.height !== h || test.width !== w;
  const evalAugment: HostAugmentOptions = { ...(mean ? { mean } : {}), ...(evalCrop ? { crop: { height: h, width: w, mode: 'center' as const } } : {}) };
  return {
    train,
    validation,
    test,
    source: train.source,
    scale,
    greyToRgb: false,
    trainAugment,
    evalAugment,
    tenCrop: data.testCrops === 'ten' && evalCrop ? { height: h, width: w } : null,
    mean,
    std: data.preprocess.std,
    stats: { ...(mean ? { mean } : {}), ...(pca ? { pca } : {}) },
  };
}
