/**
 * The README's claims about `netc train` and `netc eval`, through the built
 * binary: the `--json` event lines, exit status 130 and a usable checkpoint
 * after SIGINT or SIGTERM, and `netc eval --crops 10` (the paper's ten
 * patches) with its loss, top-1 and top-5 error checked against a second,
 * plain implementation in this file: the test images read from the IDX files
 * here, cropped and mirrored here, and pushed through the trained dense layer
 * here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import { jsonLines, netc } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';

const dataDir = resolve('test/fixtures/data/fashion-mnist');
const tmp = useTempDirs('train-cli');

/** A linear classifier on 24x24 crops of the 28x28 images: small enough to recompute by hand. */
const spec = `
netc: 1
name: tiny-dense
seed: 5
input: { shape: [24, 24, 1] }
layers:
  - { name: flat, type: flatten }
  - { name: fc, type: dense, units: 10 }
  - { name: prob, type: softmax }
train:
  batch: 16
  epochs: 1
  optimizer: { type: sgd, lr: 0.05 }
data:
  dataset: { kind: fashion-mnist, path: ${JSON.stringify(dataDir)} }
  validation: test
  preprocess: { mean: per-channel }
  augment: { random_crop: 24, flip: true }
`;

function writeSpec(): { dir: string; specPath: string } {
  const dir = tmp();
  const specPath = join(dir, 'tiny.yaml');
  writeFileSync(specPath, spec);
  return { dir, specPath };
}

const imagesPerSec = (e: Record<string, unknown>) => (e.images_per_sec ?? e.imagesPerSec) as number;

describe('netc train --json', () => {
  it('prints one JSON event per line: start first, steps and epochs with loss, lr and images/s, checkpoints, done last; exit 0', async () => {
    const { dir, specPath } = writeSpec();
    const r = await netc(['train', specPath, '--run-dir', join(dir, 'run'), '--backend', 'wasm', '--epochs', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types[types.length - 1]).toBe('done');
    expect(events[events.length - 1]).toMatchObject({ status: 'finished' });
    expect(new Set(types)).toEqual(new Set(['start', 'step', 'epoch', 'checkpoint', 'done']));
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(2);
    for (const e of epochs) {
      expect(e.lr).toBe(0.05);
      expect(imagesPerSec(e)).toBeGreaterThan(0);
      expect(typeof e.train_loss).toBe('number');
    }
    // steps are throttled to two a second, but the last batch of each epoch is always shown (batches count from 1)
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.filter((e) => e.batch === e.batches)).toHaveLength(2);
    for (const e of steps) expect([typeof e.loss, e.lr, imagesPerSec(e) > 0]).toEqual(['number', 0.05, true]);
    // best.ckpt is written before checkpoint.ckpt whenever the watched metric improves (always after the first epoch)
    const reasons = events.filter((e) => e.type === 'checkpoint').map((e) => e.reason);
    expect(reasons.filter((r) => r !== 'best')).toEqual(['epoch', 'epoch']);
    expect(reasons[0]).toBe('best');
    expect(r.stderr).toBe('');
  });
});

describe.each(['SIGINT', 'SIGTERM'] as const)('netc train stopped by %s', (signal) => {
  it('saves a checkpoint at the step where it stopped, reports it, and exits 130', async () => {
    const { dir, specPath } = writeSpec();
    const runDir = join(dir, 'run');
    let sent = false;
    // many epochs, so the run is far from its end when the signal comes (after the first step's checkpoint)
    const r = await netc(['train', specPath, '--run-dir', runDir, '--backend', 'wasm', '--epochs', '50', '--checkpoint-every', '1', '--json'], {
      onLine: (line, child) => {
        const e = JSON.parse(line) as Record<string, unknown>;
        if (!sent && e.type === 'checkpoint') {
          sent = true;
          child.kill(signal);
        }
      },
    });
    expect(r.code, r.stderr).toBe(130);
    const events = jsonLines(r.stdout);
    const done = events[events.length - 1]!;
    expect(done).toMatchObject({ type: 'done', status: 'interrupted' });
    const last = events.filter((e) => e.type === 'checkpoint').pop()!;
    expect(last.reason).toBe('signal');
    const header = readCheckpoint(join(runDir, 'checkpoint.ckpt')).header;
    expect(header.step).toBe(last.step);
    expect(header.step).toBeLessThan(50 * 4);
    expect(header.position).toEqual({ epoch: Math.floor(header.step / 4), batch: header.step % 4 });
  });
});

/** u8 IDX images or labels from a gzipped file: magic, big-endian sizes, bytes. */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const buf = gunzipSync(readFileSync(join(dataDir, file)));
  const ndims = buf[3]!;
  const dims = Array.from({ length: ndims }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(buf.subarray(4 + 4 * ndims)) };
}

/** What netc should report for the test set, worked out here: mean loss, top-1 and top-5 error of the (averaged) softmax. */
function evaluateByHand(runDir: string, crops: 'centre' | 'ten', checkpoint = 'checkpoint.ckpt'): { loss: number; top1_error: number; top5_error: number; images: number } {
  // the per-channel mean of the training images (scaled by 1/255), and the trained dense layer
  const trainImages = readIdx('train-images-idx3-ubyte.gz').data;
  const mean = trainImages.reduce((a, v) => a + v, 0) / trainImages.length / 255;
  const ckpt = readCheckpoint(join(runDir, checkpoint));
  const W = ckpt.tensors.get('fc.weight')!.values; // [576, 10], inputs in row-major HWC order
  const b = ckpt.tensors.get('fc.bias')!.values;
  const images = readIdx('t10k-images-idx3-ubyte.gz');
  const labels = readIdx('t10k-labels-idx1-ubyte.gz').data;
  const [n, H, Wd] = images.dims as [number, number, number];
  const h = 24;
  const centre = [(H - h) / 2, (Wd - h) / 2];
  // the paper's ten: four corners and the centre, each also mirrored left-right
  const windows = crops === 'centre' ? [{ at: centre, mirror: false }] : [false, true].flatMap((mirror) => [[0, 0], [0, Wd - h], [H - h, 0], [H - h, Wd - h], centre].map((at) => ({ at, mirror })));
  let loss = 0;
  let top1 = 0;
  let top5 = 0;
  for (let i = 0; i < n; i++) {
    const avg = new Array<number>(10).fill(0);
    for (const { at: [oy, ox], mirror } of windows) {
      const logits = Array.from(b);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < h; x++) {
          const sx = ox! + (mirror ? h - 1 - x : x);
          const v = images.data[i * H * Wd + (oy! + y) * Wd + sx]! / 255 - mean;
          for (let c = 0; c < 10; c++) logits[c]! += v * W[(y * h + x) * 10 + c]!;
        }
      }
      const m = Math.max(...logits);
      const e = logits.map((z) => Math.exp(z - m));
      const s = e.reduce((a, v) => a + v, 0);
      e.forEach((v, c) => (avg[c]! += v / s / windows.length));
    }
    const label = labels[i]!;
    loss -= Math.log(avg[label]!);
    const above = avg.filter((p) => p > avg[label]!).length; // classes scored above the label
    if (above >= 1) top1++;
    if (above >= 5) top5++;
  }
  return { loss: loss / n, top1_error: top1 / n, top5_error: top5 / n, images: n };
}

describe('netc eval and the validation metrics, against a hand computation', () => {
  let runDir = '';
  beforeAll(async () => {
    const { dir, specPath } = writeSpec();
    runDir = join(dir, 'run');
    // 4 epochs: with this seed the validation error is lowest at epoch 3, so best.ckpt is not the last checkpoint
    const train = await netc(['train', specPath, '--run-dir', runDir, '--backend', 'wasm', '--epochs', '4', '-q']);
    expect(train.code, train.stderr).toBe(0);
  });
  const expectSame = (got: { loss: number; top1_error: number; top5_error: number | null }, want: ReturnType<typeof evaluateByHand>) => {
    expect(got.loss).toBeCloseTo(want.loss, 4);
    expect(got.top1_error).toBe(want.top1_error);
    expect(got.top5_error).toBe(want.top5_error);
  };

  it('--crops 10 averages the softmax over the four corners, the centre and their mirrors', async () => {
    const r = await netc(['eval', runDir, '--crops', '10', '--backend', 'wasm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { images: number; crops: string; loss: number; top1_error: number; top5_error: number };
    const want = evaluateByHand(runDir, 'ten');
    expect(got.images).toBe(want.images);
    expect(got.crops).toMatch(/ten/);
    expectSame(got, want);
    // the check tells crops apart: the centre crop alone gives another loss
    expect(evaluateByHand(runDir, 'centre').loss).not.toBeCloseTo(want.loss, 4);
  });

  it('--crops 1 evaluates the centre crop', async () => {
    const r = await netc(['eval', runDir, '--crops', '1', '--backend', 'wasm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expectSame(JSON.parse(r.stdout), evaluateByHand(runDir, 'centre'));
  });

  it('--best evaluates best.ckpt, the epoch with the lowest validation top-1 error', async () => {
    const r = await netc(['eval', runDir, '--best', '--crops', '1', '--backend', 'wasm', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expectSame(JSON.parse(r.stdout), evaluateByHand(runDir, 'centre', 'best.ckpt'));
    const errors = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).val_top1_error as number);
    const bestEpoch = errors.indexOf(Math.min(...errors)) + 1;
    expect(bestEpoch, 'the run must have a best epoch before its last, or --best cannot be told from the last checkpoint').toBeLessThan(errors.length);
    expect(readCheckpoint(join(runDir, 'best.ckpt')).header.history).toHaveLength(bestEpoch);
    // and it is not what the last checkpoint gives
    const last = await netc(['eval', runDir, '--crops', '1', '--backend', 'wasm', '--json']);
    expect(JSON.parse(last.stdout).loss).not.toBeCloseTo(JSON.parse(r.stdout).loss, 4);
  });

  it("metrics.jsonl: the last epoch's validation loss, top-1 and top-5 error are the test set's with the final weights", async () => {
    const last = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).pop();
    const want = evaluateByHand(runDir, 'centre'); // validation: test, centre crops
    expectSame({ loss: last.val_loss, top1_error: last.val_top1_error, top5_error: last.val_top5_error }, want);
  });
});
