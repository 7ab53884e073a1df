/**
 * `netc export` and `netc train --engine pytorch` as a user runs them: what they write, their
 * exit statuses and messages, and weights moving both ways between the engines (a run trained
 * by the generated trainer read by `netc eval` and `netc export`; a run trained by netc resumed
 * by the generated trainer). The training cases need /usr/bin/python3 with torch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../export/onnx/proto.js';
import { encodePng } from '../../runtime/data/png.js';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import { netc, ROOT } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { PYTHON, pythonLacks, runPython, torchMissing } from './helpers.js';
import { AGREEMENT_SPEC } from './specs.js';

const missing = torchMissing();
if (missing) console.log(`skipping the --engine pytorch training tests: ${missing}`);
const noPillow = missing ?? pythonLacks('PIL');
if (noPillow) console.log(`skipping the image-folder training test: ${noPillow}`);

/** A small net on the bundled Fashion-MNIST subset: 8 steps of 32 images per epoch. */
const TINY = `
netc: 1
name: tiny-fmnist
seed: 2
input: { shape: [28, 28, 1] }
towers: 2
defaults: { init: he_normal, round: ceil }
layers:
  - { name: conv1, type: conv, filters: 8, kernel: 5, stride: 2, pad: 2, act: relu }
  - { name: norm1, type: lrn, size: 5, alpha: 1e-4, beta: 0.75, k: 2 }
  - { name: pool1, type: maxpool, window: 3, stride: 2 }
  - { name: conv2, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower, act: relu }
  - { name: flatten, type: flatten }
  - { name: fc, type: dense, units: 10, connect: all }
  - { name: prob, type: softmax }
train: { batch: 32, epochs: 1, optimizer: { type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005 } }
data:
  dataset: { kind: fashion-mnist, path: ${join(ROOT, 'examples/fashion-mnist/data')} }
  validation: test
  preprocess: { scale: 0.00392156862745098, mean: per-channel }
  augment: { random_crop: 28, pad: 2, flip: true }
`;

describe('netc export', () => {
  const newDir = useTempDirs('export');
  let dir: string;
  let spec: string;
  beforeAll(() => {
    dir = newDir();
    spec = join(dir, 'agree.yaml');
    writeFileSync(spec, AGREEMENT_SPEC);
  });

  it('writes a PyTorch package whose module has the spec\'s layers, towers as groups', async () => {
    const out = join(dir, 'pkg');
    const r = await netc(['export', spec, '--to', 'pytorch', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`agree -> ${out} (PyTorch package`);
    for (const f of ['model.py', 'config.py', 'train.py', 'data.py', 'optimizers.py', 'schedules.py', 'layers.py', 'checkpoints.py', 'plan.json', 'README.md', 'requirements.txt']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(existsSync(join(out, 'weights.ckpt'))).toBe(false);
    const model = readFileSync(join(out, 'model.py'), 'utf8');
    expect(model).toContain('class Agree(nn.Module):');
    expect(model).toContain('self.conv2 = nn.Conv2d(8, 8, kernel_size=3, padding=1, groups=2)');
    expect(model).toContain('self.norm1 = TowerLRN(size=3, alpha=0.05, beta=0.75, k=1.0, towers=2)');
    expect(model).toContain('self.fc1 = GroupedLinear(72, 16, groups=2)');
    expect(model).not.toMatch(/^(import|from) netc/m);
  });

  it('writes an ONNX model with the initial weights by default', async () => {
    const out = join(dir, 'agree.onnx');
    const r = await netc(['export', spec, '--to', 'onnx', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: 'agree', engine: 'onnx', out, weights: 'initial' });
    expect(decodeModel(readFileSync(out)).graph.initializer.some((t) => t.name === 'conv1.weight')).toBe(true);
  });

  it('refuses wrong usage with exit 2 and bad input with exit 1, without a stack trace', async () => {
    const cases: [string[], number, string][] = [
      [['export', spec, '--to', 'tensorflow'], 2, 'unknown engine `tensorflow`'],
      [['export', spec, '--to', 'pytorch', '--weights', 'trained'], 2, '--weights trained needs a run directory'],
      [['export', spec, '--to', 'onnx', '--weights', 'none'], 2, 'an ONNX model holds its weights'],
      [['export', dir, '--to', 'onnx'], 2, 'is a folder but not a run directory'],
      [['train', spec, '--engine', 'pytorch', '--backend', 'wasm'], 2, '--backend chooses a tfjs backend'],
      [['train', spec, '--engine', 'pytorch', '--python', join(dir, 'no-python')], 1, `${join(dir, 'no-python')}: not found`],
    ];
    for (const [args, code, message] of cases) {
      const r = await netc(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe.skipIf(missing !== null)('netc train --engine pytorch', () => {
  const newDir = useTempDirs('export');
  let dir: string;
  let spec: string;
  beforeAll(() => {
    dir = newDir();
    spec = join(dir, 'tiny.yaml');
    writeFileSync(spec, TINY);
  });
  const limits = ['--train-limit', '256', '--test-limit', '128'];

  it('trains into a run directory that netc eval and netc export read', async () => {
    const run = join(dir, 'run-pytorch');
    const r = await netc(['train', spec, '--engine', 'pytorch', '--python', PYTHON, '--run-dir', run, '--json', ...limits]);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; backend?: string; status?: string });
    expect(events[0]).toMatchObject({ type: 'start', model: 'tiny-fmnist', devices: 1 });
    expect(events[0]!.backend).toMatch(/^pytorch /);
    expect(events.some((e) => e.type === 'epoch')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'finished' });
    for (const f of ['plan.json', 'config.json', 'metrics.jsonl', 'checkpoint.ckpt', 'summary.json', 'data-stats.json', 'pytorch/model.py']) expect(existsSync(join(run, f)), f).toBe(true);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim()) as Record<string, unknown>;
    expect(Object.keys(metrics).sort()).toEqual(['epoch', 'images_per_sec', 'lr', 'lr_reduced', 'seconds', 'train_loss', 'train_top1_error', 'val_loss', 'val_top1_error', 'val_top5_error'].sort());

    const ev = await netc(['eval', run, '--json', '--test-limit', '128']);
    expect(ev.code, ev.stderr).toBe(0);
    const result = JSON.parse(ev.stdout) as { images: number; loss: number };
    expect(result.images).toBe(128);
    // Learned something in one epoch of 256 images: better than chance (ln 10 = 2.30).
    expect(result.loss).toBeLessThan(2.3);

    const onnx = join(dir, 'trained.onnx');
    const ex = await netc(['export', run, '--to', 'onnx', '-o', onnx]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('trained weights');
  });

  it('resumes a run that netc (tfjs) trained, from its checkpoint', async () => {
    const run = join(dir, 'run-tfjs');
    const first = await netc(['train', spec, '--backend', 'cpu', '--run-dir', run, '--quiet', ...limits]);
    expect(first.code, first.stderr).toBe(0);
    const before = readCheckpoint(join(run, 'checkpoint.ckpt'));
    const second = await netc(['train', '--resume', run, '--engine', 'pytorch', '--python', PYTHON, '--epochs', '2', '--quiet']);
    expect(second.code, second.stderr).toBe(0);
    const after = readCheckpoint(join(run, 'checkpoint.ckpt'));
    expect(before.header.step).toBe(8);
    expect(after.header.step).toBe(16);
    expect(after.header.history).toHaveLength(2);
    expect(after.header.optimizer.step).toBe(16);
    // The PyTorch trainer started from netc's weights and velocities: its first epoch's loss stays near netc's last.
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { train_loss: number });
    expect(lines).toHaveLength(2);
    expect(lines[1]!.train_loss).toBeLessThan(lines[0]!.train_loss + 0.2);
    runPython(['-c', `import json; json.load(open(${JSON.stringify(join(run, 'summary.json'))}))`]);
  });
});

describe.skipIf(noPillow !== null)('netc train --engine pytorch on an image folder', () => {
  const newDir = useTempDirs('export');

  it('decodes, resizes and crops PNGs of several sizes with DataLoader workers', async () => {
    const dir = newDir();
    // train/ and val/ (the ImageNet name), three classes, images between 20 and 31 pixels on a side.
    let k = 0;
    for (const split of ['train', 'val']) {
      for (const cls of ['ant', 'bee', 'cat']) {
        mkdirSync(join(dir, 'images', split, cls), { recursive: true });
        for (let i = 0; i < (split === 'train' ? 6 : 2); i++, k++) {
          const [h, w] = [20 + (k % 7), 22 + (k % 10)];
          const px = Uint8Array.from({ length: h * w * 3 }, (_, j) => (j * 7 + k * 31) % 256);
          writeFileSync(join(dir, 'images', split, cls, `${i}.png`), encodePng(w, h, 3, px));
        }
      }
    }
    writeFileSync(join(dir, 'folder.yaml'), `
netc: 1
name: folder
input: { shape: [16, 16, 3] }
layers:
  - { name: conv, type: conv, filters: 4, kernel: 3, act: relu }
  - { name: pool, type: globalavgpool }
  - { name: fc, type: dense, units: 3 }
  - { name: prob, type: softmax }
train: { batch: 6, epochs: 1, optimizer: { type: sgd, lr: 0.01, momentum: 0.9, weight_decay: 0 } }
data:
  dataset: { kind: image-folder, path: images }
  validation: test
  preprocess: { resize: 20, center_crop: 18, scale: 0.00392156862745098, mean: per-pixel }
  augment: { random_crop: 16, flip: true, pca_colour: 0.1 }
  test_crops: ten
`);
    const run = join(dir, 'run');
    const r = await netc(['train', join(dir, 'folder.yaml'), '--engine', 'pytorch', '--python', PYTHON, '--run-dir', run, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ type: 'start', data: { train: 18, validation: 6, test: 6 } });
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'finished', test: { crops: 'ten crops' } });
    const stats = JSON.parse(readFileSync(join(run, 'data-stats.json'), 'utf8')) as { mean: { kind: string; shape: number[] }; pca: { eigenvalues: number[] } };
    expect(stats.mean).toMatchObject({ kind: 'pixel', shape: [18, 18, 3] });
    expect(stats.pca.eigenvalues).toHaveLength(3);
  });
});
