/**
 * Whole training runs on a tiny network and the 64-image fixture: resume
 * after an epoch, after an interruption mid-epoch, and after SIGKILL all end
 * with exactly the weights of an uninterrupted run; broken checkpoints and a
 * diverging run are refused with clear messages.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import type { TrainEvent } from '../../runtime/train/events.js';
import { startRun } from '../../runtime/train/run.js';
import { planOf } from './helpers.js';

const dataDir = resolve('test/fixtures/data/fashion-mnist');
const specText = (lr = 0.05) => `
netc: 1
name: tiny-fmnist
seed: 3
input: { shape: [28, 28, 1] }
towers: 2
defaults: { init: he_normal, round: ceil }
layers:
  - { name: conv1, type: conv, filters: 8, kernel: 5, stride: 2, pad: 2, act: relu }
  - { name: norm1, type: lrn, size: 5, alpha: 1e-4, beta: 0.75, k: 2 }
  - { name: pool1, type: maxpool, window: 3, stride: 2 }
  - { name: conv2, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower, act: relu }
  - { name: flatten, type: flatten }
  - { name: fc, type: dense, units: 16, act: relu }
  - { name: drop, type: dropout, p: 0.5 }
  - { name: out, type: dense, units: 10 }
  - { name: prob, type: softmax }
train:
  batch: 16
  epochs: 2
  optimizer: { type: sgd, lr: ${lr}, momentum: 0.9, weight_decay: 0.0005 }
  schedule: { type: plateau, metric: val_loss, factor: 0.1, patience: 0 }
data:
  dataset: { kind: fashion-mnist, path: ${JSON.stringify(dataDir)} }
  validation: test
  augment: { random_crop: 28, pad: 2, flip: true }
`;

const quiet = (events: TrainEvent[] = []) => (e: TrainEvent) => void events.push(e);
const tmp = () => mkdtempSync(join(tmpdir(), 'netc-run-'));
const weights = (dir: string) => {
  const c = readCheckpoint(join(dir, 'checkpoint.ckpt'));
  return Object.fromEntries([...c.tensors].map(([n, t]) => [n, Array.from(t.values)]));
};

describe('training runs', () => {
  const plan = planOf(specText());
  const base = { plan, baseDir: '.', backend: 'wasm' as const };
  let reference: Record<string, number[]>;
  let referenceDir: string;

  it('trains, writes metrics, a summary and a checkpoint', async () => {
    referenceDir = tmp();
    const events: TrainEvent[] = [];
    const s = await startRun({ ...base, runDir: referenceDir, reporter: quiet(events) });
    expect(s.status).toBe('finished');
    expect(s.history).toHaveLength(2);
    expect(readFileSync(join(referenceDir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    const summary = JSON.parse(readFileSync(join(referenceDir, 'summary.json'), 'utf8'));
    expect(summary.test.top1_error).toBeGreaterThanOrEqual(0);
    expect(events.filter((e) => e.type === 'step')).toHaveLength(8); // 64 images / 16, two epochs
    reference = weights(referenceDir);
  });

  it('resumed after an epoch, ends with the same weights', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: quiet() });
    await startRun({ resumeDir: dir, epochs: 2, reporter: quiet() });
    expect(weights(dir)).toEqual(reference);
  });

  it('interrupted mid-epoch (as by SIGINT) and resumed, ends with the same weights', async () => {
    const dir = tmp();
    let steps = 0;
    const events: TrainEvent[] = [];
    const first = await startRun({
      ...base, runDir: dir, reporter: (e) => {
        events.push(e);
        if (e.type === 'step') steps++;
        // the trainer checks for a stop request before each step: ask after the 3rd
        if (steps === 3 && e.type === 'step') process.emit('SIGINT', 'SIGINT');
      },
    });
    expect(first.status).toBe('interrupted');
    expect(readCheckpoint(join(dir, 'checkpoint.ckpt')).header.position).toEqual({ epoch: 0, batch: 3 });
    await startRun({ resumeDir: dir, reporter: quiet() });
    expect(weights(dir)).toEqual(reference);
  });

  it('killed with SIGKILL and resumed, ends with the same weights', async () => {
    const cli = resolve('dist/cli/main.js');
    if (!existsSync(cli)) return console.warn('skipped: build with `npx tsc -p .` first (npm test does)');
    const dir = tmp();
    const specPath = join(dir, 'tiny.yaml');
    writeFileSync(specPath, specText());
    const runDir = join(dir, 'run');
    const child = spawn(process.execPath, [cli, 'train', specPath, '--run-dir', runDir, '--backend', 'wasm', '--checkpoint-every', '1', '-q'], { stdio: 'ignore' });
    const ckpt = join(runDir, 'checkpoint.ckpt');
    // kill as soon as a checkpoint exists: wherever that is, resume must continue exactly
    await new Promise<void>((done, fail) => {
      const timer = setInterval(() => {
        if (existsSync(ckpt) && statSync(ckpt).size > 0) {
          clearInterval(timer);
          child.kill('SIGKILL');
          done();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        done();
      });
      setTimeout(() => fail(new Error('no checkpoint within 60 s')), 60_000);
    });
    await new Promise((r) => child.once('exit', r).once('close', r) && setTimeout(r, 200));
    await startRun({ resumeDir: runDir, reporter: quiet() });
    expect(weights(runDir)).toEqual(reference);
  });

  it('refuses a damaged checkpoint, naming the file and the problem', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: quiet() });
    const path = join(dir, 'checkpoint.ckpt');
    const bytes = readFileSync(path);
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(path, bytes);
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: quiet() })).rejects.toThrow(/checkpoint\.ckpt.*checksum/);
    writeFileSync(path, bytes.subarray(0, 100));
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: quiet() })).rejects.toThrow(/checkpoint\.ckpt.*(truncated|bytes)/);
    writeFileSync(path, 'hello');
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: quiet() })).rejects.toThrow(/not a usable netc checkpoint/);
  });

  it("refuses another model's checkpoint", async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: quiet() });
    const other = tmp();
    await startRun({ plan: planOf(specText().replace('units: 16', 'units: 12')), baseDir: '.', backend: 'wasm', runDir: other, epochs: 1, reporter: quiet() });
    writeFileSync(join(dir, 'checkpoint.ckpt'), readFileSync(join(other, 'checkpoint.ckpt')));
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: quiet() })).rejects.toThrow(/belongs to model/);
  });

  it('stops a diverging run with a clear message and keeps the last good checkpoint', async () => {
    const dir = tmp();
    // a step schedule computes the rate from the plan's lr, so editing the plan below takes effect on resume
    const stepPlan = planOf(specText().replace('{ type: plateau, metric: val_loss, factor: 0.1, patience: 0 }', '{ type: step, every: 100 }'));
    await startRun({ plan: stepPlan, baseDir: '.', backend: 'wasm', runDir: dir, epochs: 1, reporter: quiet() });
    const before = readFileSync(join(dir, 'checkpoint.ckpt'));
    const config = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    config.train.optimizer.lr = 3e38; // the first update overflows float32
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(config));
    // the plan's spec hash is unchanged (plan.json was edited by hand), so the checkpoint is accepted and training resumes with a huge rate
    await expect(startRun({ resumeDir: dir, epochs: 3, reporter: quiet() })).rejects.toThrow(/loss became (NaN|Infinity|-Infinity).*last good checkpoint/);
    expect(readFileSync(join(dir, 'checkpoint.ckpt')).equals(before)).toBe(true);
  });
});
