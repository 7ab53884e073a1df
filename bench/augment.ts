/**
 * What the paper's augmentation costs a training step: the same steps with
 * full augmentation (random 227 crops of the 256x256 stored images, flips,
 * PCA colour noise, per-pixel mean) and with augmentation off (centre crop,
 * mean only), both fed by the data workers from shards, on an AlexNet with
 * the paper's layers at a quarter of its widths (so a step takes about a
 * second on wasm instead of half a minute). The images are made and
 * prepared here; nothing is downloaded.
 *
 *   node dist/bench/augment.js [--images 512] [--batch 32] [--steps 8] [--rounds 3] [--workers 1]
 *
 * Rounds alternate the two settings; each figure is the best round (the
 * machine is shared). Also prints how long the training thread waited for
 * batches, which is where any loading cost would show.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileFile } from '../compiler/compile.js';
import { initBackend } from '../runtime/backend/select.js';
import { prepareDataset } from '../runtime/data/prepare.js';
import { LocalExecutor } from '../runtime/exec/local-executor.js';
import { prepareData, RECIPE } from '../runtime/train/data-setup.js';
import { makeImageFolder } from './image-folder.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const images = Number(flag('images', '512'));
const batch = Number(flag('batch', '32'));
const steps = Number(flag('steps', '8'));
const rounds = Number(flag('rounds', '3'));
const workers = Number(flag('workers', '1'));
process.env.UV_THREADPOOL_SIZE ??= '8';

const dir = mkdtempSync(join(tmpdir(), 'netc-bench-augment-'));
try {
  const classes = 8;
  await makeImageFolder({ root: join(dir, 'images'), classes, trainPerClass: Math.ceil(images / classes), valPerClass: 1, minSide: 200, maxSide: 500, seed: 4 });
  await prepareDataset({
    root: join(dir, 'images'), out: join(dir, 'images', 'netc-shards'), labelsFile: null, badImages: 'skip', workers: Math.max(1, workers), onEvent: () => {},
    decode: { channels: 3, resize: { shorter: 256 }, centerCrop: { height: 256, width: 256 }, maxPixels: 1e8 },
  });
  const spec = join(dir, 'alexnet-quarter.yaml');
  writeFileSync(
    spec,
    `netc: 1
extends: ${JSON.stringify(resolve(new URL('../../specs/alexnet.yaml', import.meta.url).pathname))}
name: alexnet-quarter
modify:
  conv1: { filters: 24 }
  conv2: { filters: 64 }
  conv3: { filters: 96 }
  conv4: { filters: 96 }
  conv5: { filters: 64 }
  fc6: { units: 512 }
  fc7: { units: 512 }
  fc8: { units: ${classes} }
data:
  dataset: { kind: image-folder, path: images, classes: ${classes} }
  validation: test
  preprocess: { resize: 256, center_crop: 256, scale: 1, mean: per-pixel }
  augment: { random_crop: 227, flip: true, pca_colour: 0.1 }
  test_crops: ten
`,
  );
  const compiled = compileFile(spec);
  if (!compiled.plan) throw new Error(compiled.diagnostics.map((d) => d.message).join('; '));
  const plan = compiled.plan;
  plan.train.batch = batch;
  await initBackend('wasm');
  const data = await prepareData(plan, { baseDir: dir, seed: 1, workers });
  const executor = new LocalExecutor(plan, { seed: 1 });
  console.log(`${data.train.count} prepared images (256x256), AlexNet at quarter widths, batch ${batch}, ${steps} steps per round, ${workers} data worker(s), wasm, ${rounds} interleaved rounds`);

  /** Seconds per step over `steps` steps (after one warm-up step), and the part spent waiting for batches. */
  const time = async (recipe: number, round: number) => {
    let n = 0;
    let waited = 0;
    let t0 = 0;
    let asked = performance.now();
    for await (const b of data.loader.batches(data.train, recipe, { batchSize: batch, seed: 1, start: { epoch: round, batch: 0 }, endEpoch: round + 1 })) {
      // Step 0 warms up; the clock runs from the request of batch 1 to the end of step `steps`.
      if (n === 1) t0 = asked;
      if (n >= 1) waited += performance.now() - asked;
      await executor.trainStep({ x: b.x, shape: b.shape, y: b.y }, 0.001, n);
      if (++n > steps) break;
      asked = performance.now();
    }
    if (n <= steps) throw new Error(`only ${n} batches per epoch: use more --images or fewer --steps`);
    return { perStep: (performance.now() - t0) / 1000 / steps, waited: waited / 1000 / steps };
  };

  const on: { perStep: number; waited: number }[] = [];
  const off: { perStep: number; waited: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    on.push(await time(RECIPE.train, r));
    off.push(await time(RECIPE.eval, r));
  }
  const best = (xs: { perStep: number; waited: number }[]) => xs.reduce((a, b) => (b.perStep < a.perStep ? b : a));
  const [a, b] = [best(on), best(off)];
  console.log(
    `augmentation on: ${a.perStep.toFixed(3)} s/step (waiting for data ${(a.waited * 1000).toFixed(1)} ms/step); off: ${b.perStep.toFixed(3)} s/step (waiting ${(b.waited * 1000).toFixed(1)} ms/step): ` +
      `overhead ${(((a.perStep - b.perStep) / b.perStep) * 100).toFixed(1)}% ` +
      `(rounds on: ${on.map((x) => x.perStep.toFixed(3)).join(' ')}; off: ${off.map((x) => x.perStep.toFixed(3)).join(' ')})`,
  );
  await executor.dispose();
  await data.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
