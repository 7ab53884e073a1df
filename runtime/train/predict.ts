/**
 * `netc predict`: a trained run on image files. Each image goes through the
 * run's own pipeline (decode, resize, centre crop as stored, mean from
 * data-stats.json, then the centre crop or the ten crops of evaluation) in
 * the data workers; the answer is the top-k classes with their names and
 * softmax probabilities (averaged over the crops).
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { BackendName } from '../backend/select.js';
import { IMAGE_EXTENSIONS, storedSize } from '../data/decode.js';
import { DataError } from '../data/errors.js';
import { BatchLoader, type ImageSet } from '../data/loader.js';
import { createRunner, defaultWorkers } from '../data/workers.js';
import { batchRecipes, decodeOptions, RECIPE } from './data-setup.js';
import { loadTrainedRun } from './evaluate-run.js';

export interface PredictOptions {
  runDir: string;
  /** Image files, or folders searched recursively for images. */
  inputs: string[];
  top: number;
  crops: 1 | 10;
  backend?: 'auto' | BackendName;
  workers?: number;
}

export interface ClassScore {
  label: number;
  /** The class folder name (or the label as text when the run has no class list). */
  class: string;
  /** The readable name (the folder name unless a labels file gave one). */
  name: string;
  probability: number;
}

export type Prediction = { file: string; top: ClassScore[] } | { file: string; error: string };

/** The image files named: files as given, folders walked in sorted order (hidden entries skipped). */
export function imageFiles(inputs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const n of readdirSync(dir).sort()) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.has(extname(n).toLowerCase())) out.push(p);
    }
  };
  for (const input of inputs) {
    let isDir: boolean;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      throw new DataError(input, 'no such file or folder');
    }
    if (isDir) walk(input);
    else out.push(input);
  }
  return out;
}

export async function predict(o: PredictOptions): Promise<{ model: string; crops: string; predictions: Prediction[] }> {
  const { plan, stats, executor } = await loadTrainedRun(o.runDir, o.backend);
  const data = plan.data;
  if (!data) throw new DataError(o.runDir, 'the run has no data section, so no image pipeline to predict with');
  const [h, w, c] = plan.input.shape as [number, number, number];
  const files = imageFiles(o.inputs);
  if (files.length === 0) throw new DataError(o.inputs.join(' '), `holds no images (${[...IMAGE_EXTENSIONS].join(' ')})`);

  // Images are stored as training stored them: the spec's resize and centre crop, else the size the run's images had.
  const decode = decodeOptions(data, c);
  const size = storedSize(decode) ?? (stats?.image ? { height: stats.image[0], width: stats.image[1] } : { height: h, width: w });
  if (!storedSize(decode)) decode.resize = { height: size.height, width: size.width };
  if ((data.preprocess.mean === 'per-pixel' || data.preprocess.mean === 'per-channel') && !stats?.mean) {
    throw new DataError(o.runDir, 'the run subtracts the training mean but has no data-stats.json holding it');
  }
  const recipes = batchRecipes(data, [h, w], size, stats?.mean, undefined);
  const set: ImageSet = { source: 0, count: files.length, labels: new Uint32Array(files.length), indices: null, files, ...size, channels: c, numClasses: plan.output.classes ?? 0, classNames: null, origin: o.inputs.join(' ') };
  const errors = new Map<string, string>();
  const loader = await BatchLoader.open(createRunner(o.workers ?? Math.min(defaultWorkers(), Math.ceil(files.length / 8))), [{ kind: 'files', decode, ...size, channels: c }], recipes, {
    badImages: 'skip',
    onSkip: (b) => errors.set(b.file, b.problem),
  });

  const classes = plan.output.classes ?? 0;
  const names = stats?.classes;
  const results = new Map<string, ClassScore[]>();
  try {
    const ten = o.crops === 10;
    for await (const b of loader.batches(set, ten ? RECIPE.tenCrop : RECIPE.eval, { batchSize: Math.min(plan.train.batch, 64), seed: 0, shuffle: false })) {
      const avg = new Float32Array(b.size * classes);
      for (const x of b.xs) {
        const r = await executor.evaluate({ x, shape: b.shape, y: b.y });
        for (let i = 0; i < avg.length; i++) avg[i]! += r.probabilities[i]! / b.xs.length;
      }
      Array.from(b.positions).forEach((p, i) => {
        const row = avg.subarray(i * classes, (i + 1) * classes);
        const order = Array.from(row.keys()).sort((x, y) => row[y]! - row[x]! || x - y).slice(0, o.top);
        results.set(files[p]!, order.map((label) => ({ label, class: names?.folders[label] ?? String(label), name: names?.names[label] ?? String(label), probability: row[label]! })));
      });
    }
  } finally {
    await loader.close();
    await executor.dispose();
  }
  const predictions = files.map((file): Prediction => (results.has(file) ? { file, top: results.get(file)! } : { file, error: errors.get(file) ?? 'not predicted' }));
  return { model: plan.model.name, crops: o.crops === 10 ? 'ten crops' : 'centre crop', predictions };
}
