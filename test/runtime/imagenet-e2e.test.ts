/**
 * End to end, as a user with an ImageNet-layout folder would go: train
 * specs/alexnet.yaml's pipeline (shorter side, centre crop, per-pixel mean,
 * random crops, flips, PCA colour noise, ten-crop test) on a narrowed
 * AlexNet straight from the raw folder, `netc prepare` it, train on the
 * shards, evaluate with ten crops (also on the raw val/ folder), predict
 * with class names, resume exactly after an interruption, and refuse broken
 * shards. The folder is made here: 302 classes (labels above 255), mixed
 * sizes, a grey, a CMYK and an EXIF-rotated JPEG, an RGBA PNG, a truncated
 * JPEG and a decompression bomb, with a labels file naming the classes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImageFolder, type MadeFolder } from '../../bench/image-folder.js';
import { compileFile } from '../../compiler/compile.js';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import type { TrainEvent } from '../../runtime/train/events.js';
import { startRun } from '../../runtime/train/run.js';

const CLI = resolve('dist/cli/main.js');
const built = existsSync(CLI);
const tmp = mkdtempSync(join(tmpdir(), 'netc-imagenet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const images = join(tmp, 'images');
const spec = join(tmp, 'alexnet-narrow.yaml');
const CLASSES = 302; // even: fc8 is split over the two towers
let made: MadeFolder;

beforeAll(async () => {
  made = await makeImageFolder({ root: images, classes: CLASSES, trainPerClass: 1, valPerClass: 1, minSide: 40, maxSide: 90, seed: 11, extras: true });
  // The labels file orders the classes backwards and gives them readable names with spaces.
  writeFileSync(join(images, 'labels.txt'), [...made.classNames].reverse().map((f, i) => `${f} class number ${i}\n`).join(''));
  writeFileSync(
    spec,
    `netc: 1
extends: ${JSON.stringify(resolve('specs/alexnet.yaml'))}
name: alexnet-narrow
input: { shape: [67, 67, 3] }
modify:
  conv1: { filters: 8 }
  conv2: { filters: 8 }
  conv3: { filters: 8 }
  conv4: { filters: 8 }
  conv5: { filters: 8 }
  fc6: { units: 32 }
  fc7: { units: 32 }
  fc8: { units: ${CLASSES} }
train:
  batch: 32
  epochs: 1
  optimizer: { type: sgd, lr: 0.01, momentum: 0.9, weight_decay: 0.0005 }
  schedule: { type: plateau, metric: val_top1_error, factor: 0.1, patience: 1, max_reductions: 3 }
  metrics: [loss, top1_error, top5_error]
data:
  dataset: { kind: image-folder, path: images, classes: ${CLASSES}, labels: labels.txt }
  validation: test
  preprocess: { resize: 72, center_crop: 72, scale: 1, mean: per-pixel }
  augment: { random_crop: 67, flip: true, pca_colour: 0.1 }
  test_crops: ten
`,
  );
});

function netc(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, NETC_DATA: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr, json: () => r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}
const stats = (run: string) => JSON.parse(readFileSync(join(tmp, run, 'data-stats.json'), 'utf8')) as { image: number[]; mean: { values: number[] }; pca: { eigenvalues: number[] } };

describe.skipIf(!built)('an ImageNet-layout folder, end to end', () => {
  it('trains straight from the raw folder, leaving out and naming the two bad files', () => {
    const r = netc('train', spec, '--run-dir', 'raw', '--backend', 'wasm', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const events = r.json();
    // Raw files are counted before decoding: the two bad ones are among them.
    expect(events.find((e) => e.type === 'start')).toMatchObject({ data: { train: CLASSES + 6, test: CLASSES } });
    expect(events.some((e) => e.type === 'message' && /computing the mean and colour statistics of 308 training images/.test(String(e.text)))).toBe(true);
    const warnings = events.filter((e) => e.type === 'message' && e.level === 'warning').map((e) => String(e.text));
    expect(warnings.some((w) => w.includes('truncated.JPEG') && w.includes('left out'))).toBe(true);
    expect(warnings.some((w) => w.includes('bomb.png') && w.includes('max_image_pixels'))).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'finished', test: { crops: 'ten crops' } });
    const classes = readFileSync(join(tmp, 'raw', 'classes.txt'), 'utf8').trim().split('\n');
    expect(classes).toHaveLength(CLASSES);
    expect(classes[0]).toBe(`${made.classNames[CLASSES - 1]}\tclass number 0`);
    expect(stats('raw').image).toEqual([72, 72, 3]);
  });

  it('prepares the folder with progress as JSON lines', () => {
    const r = netc('prepare', spec, '--json');
    expect(r.code).toBe(0);
    const events = r.json();
    expect(events[0]).toMatchObject({ type: 'start', image: { height: 72, width: 72, channels: 3 } });
    expect(events.filter((e) => e.type === 'skip').map((e) => String(e.file)).sort()).toEqual([made.extras!.bomb, made.extras!.corrupt].sort());
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'finished', images: CLASSES + 4 + CLASSES, skipped: 2 });
    expect(netc('prepare', spec).out).toMatch(/is up to date/);
  });

  it('trains on the shards, with the same statistics the raw folder gave', () => {
    const r = netc('train', spec, '--run-dir', 'shards', '--backend', 'wasm', '--json');
    expect(r.code).toBe(0);
    const start = r.json().find((e) => e.type === 'start');
    expect(start).toMatchObject({ data: { source: join(images, 'netc-shards'), train: CLASSES + 4 } });
    // One decode, two paths: the mean image and colour basis agree to the bit.
    expect(stats('shards').mean.values).toEqual(stats('raw').mean.values);
    expect(stats('shards').pca.eigenvalues).toEqual(stats('raw').pca.eigenvalues);
  });

  it('evaluates with ten crops and the centre crop, on the shards and on the raw val/ folder alike', () => {
    const ten = netc('eval', 'shards', '--crops', '10', '--json');
    expect(ten.code).toBe(0);
    const a = JSON.parse(ten.out) as { images: number; loss: number; top5_error: number; crops: string };
    expect([a.images, a.crops]).toEqual([CLASSES, 'ten crops']);
    const centre = JSON.parse(netc('eval', 'shards', '--crops', '1', '--json').out) as { loss: number };
    expect(centre.loss).not.toBe(a.loss);
    const raw = JSON.parse(netc('eval', 'shards', '--data', join(images, 'val'), '--crops', '10', '--json').out) as { images: number; loss: number; top5_error: number };
    expect(raw.images).toBe(CLASSES);
    expect(raw.loss).toBeCloseTo(a.loss, 10);
    expect(raw.top5_error).toBe(a.top5_error);
  });

  it('predicts the top classes with their names, and names an image it cannot read', () => {
    const high = join(images, 'val', made.classNames[290]!);
    const r = netc('predict', 'shards', high, made.extras!.grey, made.extras!.corrupt, '--top', '3', '--crops', '10', '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as { crops: string; predictions: ({ file: string; top: { label: number; class: string; name: string; probability: number }[] } | { file: string; error: string })[] };
    expect(out.crops).toBe('ten crops');
    expect(out.predictions).toHaveLength(3);
    const [first, grey, bad] = out.predictions;
    for (const p of [first!, grey!]) {
      if (!('top' in p)) throw new Error(`no prediction for ${p.file}`);
      expect(p.top).toHaveLength(3);
      expect(p.top[0]!.probability).toBeGreaterThanOrEqual(p.top[1]!.probability);
      expect(p.top.reduce((s, t) => s + t.probability, 0)).toBeLessThanOrEqual(1.000001);
      for (const t of p.top) expect(t.name).toBe(`class number ${t.label}`);
      for (const t of p.top) expect(t.class).toBe(made.classNames[CLASSES - 1 - t.label]);
    }
    expect(bad).toMatchObject({ file: made.extras!.corrupt, error: expect.stringMatching(/cannot be decoded/) });
    const text = netc('predict', 'shards', made.extras!.png);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/alpha\.png: class number \d+ \(n\d+\) \d+\.\d%, /);
  });

  it('interrupted mid-epoch and resumed on the shards, ends with the weights of an uninterrupted run', async () => {
    const compiled = compileFile(spec);
    const plan = compiled.plan!;
    const base = { plan, baseDir: tmp, backend: 'wasm' as const, reporter: () => {} };
    const whole = join(tmp, 'whole');
    await startRun({ ...base, runDir: whole });
    const cut = join(tmp, 'cut');
    let steps = 0;
    const first = await startRun({
      ...base, runDir: cut, reporter: (e: TrainEvent) => {
        if (e.type === 'step' && ++steps === 3) process.emit('SIGINT', 'SIGINT');
      },
    });
    expect(first.status).toBe('interrupted');
    await startRun({ resumeDir: cut, reporter: () => {} });
    const weights = (dir: string) => Object.fromEntries([...readCheckpoint(join(dir, 'checkpoint.ckpt')).tensors].map(([n, t]) => [n, Array.from(t.values)]));
    expect(weights(cut)).toEqual(weights(whole));
  });

  it('refuses shards made with another class order than the labels file now gives', () => {
    const labels = join(images, 'labels.txt');
    const before = readFileSync(labels, 'utf8');
    writeFileSync(labels, made.classNames.map((f) => `${f}\n`).join(''));
    const r = netc('train', spec, '--run-dir', 'relabelled', '--backend', 'wasm', '-q');
    writeFileSync(labels, before);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join(images, 'netc-shards')}: was prepared with other classes than ${labels} lists`);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('refuses damaged shards by name, without a stack trace', () => {
    const shard = join(images, 'netc-shards', 'train-00000.shard');
    const bytes = readFileSync(shard);
    bytes[bytes.length - 7]! ^= 0xff;
    writeFileSync(shard, bytes);
    const verify = netc('prepare', '--verify', images);
    expect(verify.code).toBe(1);
    expect(verify.err).toContain(`${shard}: its images or labels do not match the checksum`);
    truncateSync(shard, bytes.length - 100);
    const train = netc('train', spec, '--run-dir', 'broken', '--backend', 'wasm', '-q');
    expect(train.code).toBe(1);
    expect(train.err).toMatch(new RegExp(`${shard.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: is \\d+ bytes, a shard of \\d+ images is \\d+ \\(truncated\\)`));
    expect(train.err).not.toMatch(/\n\s+at /);
    const strict = netc('prepare', images, '--out', join(tmp, 'strict'), '--bad-images', 'error');
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/(truncated\.JPEG|bomb\.png): .*bad_images is `error`/);
  });
});
