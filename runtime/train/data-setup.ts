/**
 * Turns the plan's data section into what the trainer iterates: the splits
 * as ImageSets over their sources (in memory, prepared shards, or raw image
 * files), the statistics (mean image, PCA colour basis), the batch recipes,
 * and a BatchLoader whose workers make the batches. Checks that what
 * reaches the model has the plan's input shape and class count.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_MAX_IMAGE_PIXELS, type DataSpec, type Plan } from '../../plan/types.js';
import { checkDatasetFits, loadDataset } from '../data/datasets.js';
import { decodeImage, resizedSize, storedSize, type DecodeOptions } from '../data/decode.js';
import { DataError } from '../data/errors.js';
import { datasetClasses, isDir, listSplit, readLabelsFile, splitDir, type ClassList } from '../data/image-folder.js';
import type { BatchRecipe } from '../data/jobs.js';
import { BatchLoader, subset, type ImageSet } from '../data/loader.js';
import { checkPrepared, findPrepared, preparedMean, preparedPca, readPreparedIndex, shardSet, type PreparedIndex } from '../data/prepared.js';
import { ShardReader } from '../data/shards.js';
import { badImageError, sharedPixels, type SourceSpec } from '../data/sources.js';
import { holdoutPositions, subsetDataset } from '../data/split.js';
import { computeMean, ImageStats, pcaColourBasis, type MeanStats, type PcaColourBasis } from '../data/stats.js';
import type { HostAugmentOptions } from '../data/host-augment.js';
import type { Dataset } from '../data/types.js';
import { createRunner, defaultWorkers, type JobRunner } from '../data/workers.js';

/** The loader's recipes, by index. */
export const RECIPE = { train: 0, eval: 1, tenCrop: 2 } as const;

/** What a run keeps about its data (data-stats.json): enough to evaluate and predict without the training set. */
export interface RunDataStats {
  /** Stored image size [h, w, c], before crops. */
  image?: [number, number, number];
  mean?: MeanStats;
  pca?: PcaColourBasis;
  /** Class folder names and readable names, by label (image folders and named datasets). */
  classes?: ClassList;
}

export interface PreparedData {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
  /** Where the files came from, for the start message. */
  source: string;
  loader: BatchLoader;
  /** Ten-crop evaluation size, when the plan asks for the paper's 10 patches. */
  tenCrop: { height: number; width: number } | null;
  /** Statistics worth keeping in the run directory. */
  stats: RunDataStats;
  /** Stops the data workers. */
  close(): Promise<void>;
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
  /** Data worker threads (0: the calling thread); default: the cores but one. */
  workers?: number;
  /** Statistics of an earlier start of this run (resume, eval): used instead of computing them again. */
  stats?: RunDataStats | null;
  /** Evaluation only: the test split, classes as `stats.classes` say (no training split needed). */
  testOnly?: boolean;
  /** Progress notes and warnings (e.g. a skipped image). */
  onMessage?: (level: 'info' | 'warning', text: string) => void;
}

/** One split before it has a source number: an in-memory dataset or files/shards with labels. */
interface SplitData {
  source: SourceSpec;
  set: Omit<ImageSet, 'source'>;
  /** In-memory splits keep their dataset for the statistics. */
  dataset?: Dataset;
}

/** Bilinear resize of every image, once, in chunks (in-memory datasets). */
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

/** The decode options of an image-folder pipeline (decode.ts does them, in the workers). */
export function decodeOptions(data: DataSpec, channels: number): DecodeOptions {
  if (channels !== 1 && channels !== 3) throw new DataError('(plan)', `image folders give 1- or 3-channel images, the model input has ${channels} channels`);
  const p = data.preprocess;
  return {
    channels,
    resize: p.resize ? { height: p.resize[0], width: p.resize[1] } : p.resizeShorter ? { shorter: p.resizeShorter } : null,
    centerCrop: p.centerCrop ? { height: p.centerCrop[0], width: p.centerCrop[1] } : null,
    maxPixels: data.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
  };
}

/** The in-memory preprocessing of known datasets (the files are small and of one size). */
function preprocess(ds: Dataset, p: DataSpec['preprocess']): Dataset {
  let out = ds;
  if (p.resize) out = resizeDataset(out, p.resize[0], p.resize[1]);
  if (p.resizeShorter) {
    const size = resizedSize(out.height, out.width, { shorter: p.resizeShorter });
    out = resizeDataset(out, size.height, size.width);
  }
  if (p.centerCrop) out = centerCropDataset(out, p.centerCrop[0], p.centerCrop[1]);
  return out;
}

function memorySplit(ds: Dataset): SplitData {
  return {
    source: { kind: 'memory', pixels: sharedPixels(ds.images), height: ds.height, width: ds.width, channels: ds.channels },
    set: { count: ds.count, labels: ds.labels, indices: null, files: null, height: ds.height, width: ds.width, channels: ds.channels, numClasses: ds.numClasses, classNames: ds.classNames ?? null, origin: ds.source },
    dataset: ds,
  };
}

/** How the prepared shards' preprocessing differs from the plan's, or null when it is the same. */
function preprocessMismatch(idx: PreparedIndex, want: DecodeOptions): string | null {
  const a = idx.preprocess;
  const show = (o: Pick<DecodeOptions, 'resize' | 'centerCrop' | 'channels'>) =>
    `resize ${o.resize ? ('shorter' in o.resize ? `shorter side ${o.resize.shorter}` : `${o.resize.height}x${o.resize.width}`) : 'none'}, centre crop ${o.centerCrop ? `${o.centerCrop.height}x${o.centerCrop.width}` : 'none'}, ${o.channels} channel(s)`;
  return show(a) === show(want) ? null : `the shards were prepared with ${show(a)}; the spec asks for ${show(want)}`;
}

/** The splits of an image folder: prepared shards when there are some, else the raw files. */
async function folderSplits(root: string, data: DataSpec, channels: number, o: DataOptions): Promise<{ train: SplitData | null; test: SplitData | null; classes: ClassList; prepared: { dir: string; idx: PreparedIndex } | null }> {
  const decode = decodeOptions(data, channels);
  const dir = findPrepared(root);
  if (dir) {
    const idx = readPreparedIndex(dir);
    const why = preprocessMismatch(idx, decode);
    if (why) throw new DataError(dir, `${why}: run \`netc prepare\` with the spec (or --force) to prepare them again`);
    // Shards keep the class order they were made with: a labels file changed since would relabel nothing.
    const labels = data.dataset.labels ? resolve(idx.source, data.dataset.labels) : null;
    if (labels && existsSync(labels) && readLabelsFile(labels).folders.join('\n') !== idx.classes.folders.join('\n')) {
      throw new DataError(dir, `was prepared with other classes than ${labels} lists (in another order or set): run \`netc prepare --force\``);
    }
    if (o.stats?.classes && o.stats.classes.folders.join('\n') !== idx.classes.folders.join('\n')) {
      throw new DataError(dir, `its ${idx.classes.folders.length} classes are not the ${o.stats.classes.folders.length} classes the run was trained on`);
    }
    checkPrepared(dir, idx);
    const split = (name: 'train' | 'test'): SplitData | null => {
      const set = shardSet(dir, idx, name);
      if (!set) return null;
      const reader = new ShardReader(set);
      const labels = reader.labels();
      reader.close();
      return {
        source: { kind: 'shards', set },
        set: { count: labels.length, labels, indices: null, files: null, ...idx.image, numClasses: idx.classes.folders.length, classNames: idx.classes.names, origin: dir },
      };
    };
    return { train: o.testOnly ? null : split('train'), test: split('test'), classes: idx.classes, prepared: { dir, idx } };
  }

  // Raw files, decoded on the fly. A folder without train/ val/ test/ is taken as one split (evaluation).
  const isSplit = !splitDir(root, 'train') && !splitDir(root, 'test') && isDir(root);
  const classes = o.stats?.classes ?? datasetClasses(root, data.dataset.labels ?? null, isSplit ? root : undefined);
  const listOf = (name: 'train' | 'test') => {
    const d = isSplit && name === 'test' ? root : splitDir(root, name);
    return d ? listSplit(d, classes) : null;
  };
  const trainList = o.testOnly ? null : listOf('train');
  if (!o.testOnly && !trainList) throw new DataError(resolve(root, 'train'), 'folder not found (image folders are laid out as <folder>/train/<class>/*.jpg, with val/ or test/ beside train/)');
  const testList = listOf('test');
  const first = trainList ?? testList;
  if (!first) throw new DataError(root, 'has no train/, val/ or test/ folder of class folders');
  const size = storedSize(decode) ?? (o.stats?.image ? { height: o.stats.image[0], width: o.stats.image[1] } : await decodeImage(first.files[0]!, decode));
  const source: SourceSpec = { kind: 'files', decode, height: size.height, width: size.width, channels };
  const split = (list: typeof trainList): SplitData | null =>
    list && {
      source,
      set: { count: list.files.length, labels: list.labels, indices: null, files: list.files, height: size.height, width: size.width, channels, numClasses: classes.folders.length, classNames: classes.names, origin: list.dir },
    };
  o.onMessage?.('info', `decoding the images of ${root} as training goes (\`netc prepare\` stores them decoded once, for faster epochs)`);
  return { train: split(trainList), test: split(testList), classes, prepared: null };
}

const firstN = (s: SplitData, n: number | undefined): SplitData => {
  if (n === undefined || n >= s.set.count) return s;
  const positions = Uint32Array.from({ length: n }, (_, i) => i);
  return s.dataset ? memorySplit(subsetDataset(s.dataset, positions)) : { ...s, set: subset({ ...s.set, source: 0 }, positions) };
};

/** Mean and PCA basis of a raw-file training set: one decode pass in the workers. */
async function fileStats(runner: JobRunner, s: SplitData, decode: DecodeOptions, badImages: 'skip' | 'error', o: DataOptions): Promise<ImageStats> {
  const stats = new ImageStats(s.set.height, s.set.width, s.set.channels);
  const files = s.set.indices ? Array.from(s.set.indices, (i) => s.set.files![i]!) : s.set.files!;
  o.onMessage?.('info', `computing the mean and colour statistics of ${files.length} training images (once per run; \`netc prepare\` stores them)`);
  const bytes = s.set.height * s.set.width * s.set.channels;
  const add = (r: Awaited<ReturnType<JobRunner['decode']>>) => {
    // With bad_images: error, stop here rather than at the first batch that holds the file.
    if (r.bad.length && badImages === 'error') throw badImageError(r.bad[0]!);
    for (let k = 0; k < r.kept.length; k++) {
      const img = r.pixels.subarray(k * bytes, (k + 1) * bytes);
      for (let p = 0; p < bytes; p++) stats.pixelSums[p] += img[p]!;
      stats.images++;
    }
    if (r.moments) for (let k = 0; k < r.moments.length; k++) stats.rgb[k % 9] += r.moments[k]!;
  };
  // A bounded window of jobs in flight: results are added as they come, never all held at once.
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < files.length; i += 32) {
    const job: Promise<void> = runner.decode({ files: files.slice(i, i + 32), decode, moments: true }).then(add).finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= Math.max(2, 2 * runner.workers)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return stats;
}

/**
 * The loader's recipes (indexed by RECIPE) for images stored at `stored`
 * size: training pads, random-crops to the input size, flips and adds PCA
 * colour noise; evaluation takes the centre crop, or the ten crops.
 */
export function batchRecipes(data: DataSpec, [h, w]: readonly number[], stored: { height: number; width: number }, mean: MeanStats | undefined, pca: PcaColourBasis | undefined): BatchRecipe[] {
  const a = data.augment;
  const needsCrop = stored.height + 2 * a.pad !== h || stored.width + 2 * a.pad !== w;
  const trainAugment: HostAugmentOptions = {
    ...(mean ? { mean } : {}),
    ...(needsCrop || a.pad > 0 || a.randomCrop ? { crop: { height: h!, width: w!, mode: 'random' as const, pad: a.pad } } : {}),
    ...(a.flip ? { flipProbability: 0.5 } : {}),
    ...(pca && a.pcaColour > 0 ? { pca: { basis: pca, std: a.pcaColour } } : {}),
  };
  const evalCrop = stored.height !== h || stored.width !== w;
  const evalAugment: HostAugmentOptions = { ...(mean ? { mean } : {}), ...(evalCrop ? { crop: { height: h!, width: w!, mode: 'center' as const } } : {}) };
  const recipe = (augment: HostAugmentOptions, tenCrop: BatchRecipe['tenCrop'] = null): BatchRecipe => ({ scale: data.preprocess.scale, std: data.preprocess.std, augment, tenCrop });
  const recipes: BatchRecipe[] = [];
  recipes[RECIPE.train] = recipe(trainAugment);
  recipes[RECIPE.eval] = recipe(evalAugment);
  recipes[RECIPE.tenCrop] = recipe(evalAugment, stored.height >= h! && stored.width >= w! ? { height: h!, width: w! } : null);
  return recipes;
}

export async function prepareData(plan: Plan, opts: DataOptions): Promise<PreparedData> {
  const data = plan.data;
  if (!data) throw new DataError('(plan)', 'the plan has no data section: add `data:` to the spec (dataset, preprocess, augment)');
  if (plan.input.shape.length !== 3) throw new DataError('(plan)', `image datasets need an HxWxC model input, the plan's input is ${plan.input.shape.join('x')}`);
  const [h, w, c] = plan.input.shape as [number, number, number];
  const path = opts.dataPath ?? data.dataset.path ?? undefined;
  // A folder named with --data is the only place looked in: falling through to another copy would hide a typo.
  const loadOpts = { specDir: opts.dataPath ? process.cwd() : opts.baseDir, only: opts.dataPath !== undefined };
  const a = data.augment;

  let train: SplitData | null;
  let test: SplitData | null;
  let classes: ClassList | null = null;
  let prepared: { dir: string; idx: PreparedIndex } | null = null;
  if (data.dataset.kind === 'image-folder') {
    const base = path ?? process.env.NETC_DATA ?? 'data';
    const root = resolve(loadOpts.specDir, base);
    ({ train, test, classes, prepared } = await folderSplits(root, data, c, opts));
  } else {
    const spec = { kind: data.dataset.kind, ...(path ? { path } : {}) };
    train = opts.testOnly ? null : memorySplit(preprocess(await loadDataset(spec, 'train', loadOpts), data.preprocess));
    test = memorySplit(preprocess(await loadDataset(spec, 'test', loadOpts), data.preprocess));
    const names = (train ?? test).set.classNames;
    if (names) classes = { folders: names, names };
  }
  if (train) train = firstN(train, opts.trainLimit ?? data.trainLimit ?? undefined);
  if (test) test = firstN(test, opts.testLimit);
  const any = (train ?? test)!;
  const origin = any.set.origin;
  if (!test && (data.validation === 'test' || opts.testOnly)) throw new DataError(origin, 'has no test split (image folders: a val/ or test/ folder of class folders beside train/)');

  const crop = a.randomCrop ?? null;
  // Throws a DataError naming the file when the images cannot be made to fit the input.
  checkDatasetFits({ source: origin, channels: any.set.channels, height: any.set.height + 2 * a.pad, width: any.set.width + 2 * a.pad }, [h, w, c], { crop: crop !== null || data.testCrops === 'ten' });
  const numClasses = any.set.numClasses;
  if (plan.output.classes !== null && numClasses > plan.output.classes) {
    throw new DataError(origin, `the data has ${numClasses} classes but the model outputs ${plan.output.classes}`, {
      code: 'NETC5303',
      specPointer: '/data/dataset',
      hint: `give the model's last layer (\`${plan.output.logits}\`) ${numClasses} units, or point the dataset at data with ${plan.output.classes} classes`,
    });
  }
  if (data.dataset.classes !== null && data.dataset.kind === 'image-folder' && numClasses !== data.dataset.classes) {
    throw new DataError(origin, `has ${numClasses} classes (${classes?.folders.slice(0, 3).join(', ')}...), the spec says \`classes: ${data.dataset.classes}\``, { code: 'NETC5303', specPointer: '/data/dataset/classes' });
  }

  let validation: SplitData;
  if (data.validation === 'test' || !train) validation = test!;
  else {
    const p = holdoutPositions(train.set.count, data.validation, opts.seed, origin);
    const part = (pos: Uint32Array): SplitData => (train!.dataset ? memorySplit(subsetDataset(train!.dataset, pos)) : { ...train!, set: subset({ ...train!.set, source: 0 }, pos) });
    validation = part(p.validation);
    train = part(p.train);
  }

  const workers = opts.workers ?? defaultWorkers();
  const runner = createRunner(workers);
  try {
    // Statistics: kept from an earlier start, stored with prepared shards, or computed now.
    const scale = data.preprocess.scale;
    const m = data.preprocess.mean;
    const wantMean = m === 'per-pixel' ? 'pixel' : m === 'per-channel' ? 'channel' : null;
    let mean = opts.stats?.mean;
    let pca = opts.stats?.pca;
    const need = (wantMean && !mean) || (a.pcaColour > 0 && !pca);
    if (need && train) {
      if (train.dataset) {
        if (wantMean && !mean) mean = computeMean(train.dataset, wantMean, scale);
        if (a.pcaColour > 0 && !pca) pca = pcaColourBasis(train.dataset, { scale, maxImages: 10_000 });
      } else if (prepared) {
        if (wantMean && !mean) mean = preparedMean(prepared.dir, prepared.idx, wantMean, scale);
        if (a.pcaColour > 0 && !pca) pca = preparedPca(prepared.dir, prepared.idx, scale);
      } else {
        const s = await fileStats(runner, train, decodeOptions(data, c), data.badImages ?? 'skip', opts);
        if (wantMean && !mean) mean = s.mean(wantMean, scale, origin);
        if (a.pcaColour > 0 && !pca) pca = s.pca(scale, origin);
      }
    } else if (need) throw new DataError(origin, 'the run has no stored data statistics (data-stats.json) and no training split to compute them from');
    if (Array.isArray(m)) {
      if (m.length !== c) throw new DataError('(plan)', `data.preprocess.mean lists ${m.length} values for ${c} channels`);
      mean = { kind: 'channel', shape: [c], values: m, scale };
    }

    const stored = any.set;
    const recipes = batchRecipes(data, [h, w, c], stored, mean, pca);
    const evalCrop = stored.height !== h || stored.width !== w;

    // Sources: one per distinct SourceSpec (raw-file splits share one; memory splits each hold their own bytes).
    const sources: SourceSpec[] = [];
    const setOf = (s: SplitData): ImageSet => {
      let i = sources.indexOf(s.source);
      if (i < 0) i = sources.push(s.source) - 1;
      return { ...s.set, source: i };
    };
    const trainSet = train ? setOf(train) : null;
    const validationSet = setOf(validation);
    const empty: ImageSet = { ...validationSet, count: 0, labels: new Uint32Array(0), indices: new Uint32Array(0) };
    const sets = { train: trainSet ?? empty, validation: validationSet, test: test ? setOf(test) : empty };
    const skipped = (b: { file: string; problem: string }) => opts.onMessage?.('warning', `${b.file}: ${b.problem}; left out (data.bad_images: skip)`);
    const loader = await BatchLoader.open(runner, sources, recipes, { badImages: data.badImages ?? 'skip', onSkip: skipped });
    return {
      train: sets.train,
      validation: sets.validation,
      test: sets.test,
      source: prepared?.dir ?? origin,
      loader,
      tenCrop: data.testCrops === 'ten' && evalCrop ? { height: h, width: w } : null,
      stats: { image: [stored.height, stored.width, stored.channels], ...(mean ? { mean } : {}), ...(pca ? { pca } : {}), ...(classes ? { classes } : {}) },
      close: () => loader.close(),
    };
  } catch (err) {
    await runner.close();
    throw err;
  }
}
