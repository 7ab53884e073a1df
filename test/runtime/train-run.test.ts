/**
 * Whole training runs on a tiny network and the 64-image fixture.
 *
 * Resume is checked against an uninterrupted reference run, and each check
 * says where the resumed run started, not only where it ended (a restart
 * from scratch is deterministic too, so equal end weights alone prove
 * little): the resumed run's first step index, its state before any step
 * (equal to the checkpoint's weights and optimizer velocity), its per-step
 * losses (equal to the reference's from that step on), and its end weights.
 * A run whose restored state is replaced by the initial one must end
 * differently. Broken checkpoints and a diverging run are refused clearly.
 * (A run killed with SIGKILL is in train-kill.test.ts: it needs the binary.)
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint, type CheckpointHeader } from '../../runtime/train/checkpoint.js';
import { startRun, type RunOptions } from '../../runtime/train/run.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { planOf } from './helpers.js';
import { CKPT, EPOCHS, header, metricsOf, recorder, requestStop, specText, STEPS, STEPS_PER_EPOCH, stepIndex, tensors } from './tiny-run.js';

const tmp = useTempDirs('run');
/** A copy of a run directory, so one experiment cannot disturb another. */
const copyRun = (dir: string) => {
  const copy = tmp();
  cpSync(dir, copy, { recursive: true });
  return copy;
};

describe('training runs', () => {
  const plan = planOf(specText());
  const base: Omit<RunOptions, 'reporter'> = { plan, baseDir: '.', backend: 'wasm' };
  /** The uninterrupted run: its directory, per-step losses and rates, and end state. */
  const ref = { dir: '', losses: [] as number[], lrs: [] as number[], tensors: {} as Record<string, number[]>, testCount: 0, bestSaves: [] as number[] };

  it('trains: one step event per batch, metrics per epoch, a summary and a checkpoint', async () => {
    ref.dir = tmp();
    const r = recorder();
    const s = await startRun({ ...base, runDir: ref.dir, reporter: r.reporter });
    expect(s.status).toBe('finished');
    const steps = r.steps();
    expect(steps.map(stepIndex)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    expect(steps.every((e) => e.batches === STEPS_PER_EPOCH)).toBe(true);
    ref.losses = steps.map((e) => e.loss);
    ref.lrs = steps.map((e) => e.lr);
    expect(metricsOf(ref.dir)).toEqual(s.history);
    expect(s.history.map((m) => m.epoch)).toEqual([0, 1, 2]);
    const summary = JSON.parse(readFileSync(join(ref.dir, 'summary.json'), 'utf8'));
    expect([summary.status, summary.steps, summary.epochs]).toEqual(['finished', STEPS, EPOCHS]);
    // errors are counts over the test images: a whole number of images, at most all of them
    ref.testCount = r.start().data.test;
    const wrong = summary.test.top1_error * ref.testCount;
    expect(Math.abs(wrong - Math.round(wrong))).toBeLessThan(1e-9);
    expect(wrong).toBeLessThanOrEqual(ref.testCount);
    expect(summary.test).toEqual(r.of('done')[0]!.test);
    expect(header(ref.dir)).toMatchObject({ step: STEPS, position: { epoch: EPOCHS, batch: 0 }, optimizer: { type: 'sgd', step: STEPS } });
    ref.tensors = tensors(ref.dir);
    ref.bestSaves = r.of('checkpoint').filter((e) => e.reason === 'best').map((e) => e.step);
  });

  it('best.ckpt: saved at each epoch whose val_loss (the metric the schedule watches) beats every earlier one; it holds the best epoch', () => {
    const losses = metricsOf(ref.dir).map((m) => m.val_loss!);
    const records = losses.flatMap((v, i) => (losses.slice(0, i).every((u) => v < u) ? [i] : []));
    expect(ref.bestSaves).toEqual(records.map((i) => (i + 1) * STEPS_PER_EPOCH));
    const bestEpoch = records[records.length - 1]!;
    expect(losses.indexOf(Math.min(...losses))).toBe(bestEpoch);
    const best = readCheckpoint(join(ref.dir, 'best.ckpt')).header;
    expect([best.step, best.history.length, best.position]).toEqual([(bestEpoch + 1) * STEPS_PER_EPOCH, bestEpoch + 1, { epoch: bestEpoch + 1, batch: 0 }]);
  });

  it('early stopping: with patience 1 and a min_delta no epoch can beat, stops after epoch 2 of 3 and says why', async () => {
    const dir = tmp();
    const r = recorder();
    const early = planOf(specText().replace(/(  schedule: .*\n)/, '$1  early_stopping: { patience: 1, min_delta: 100 }\n'));
    expect(early.train.earlyStopping).toEqual({ metric: 'val_loss', patience: 1, minDelta: 100 });
    const s = await startRun({ ...base, plan: early, runDir: dir, reporter: r.reporter });
    expect(s.status).toBe('finished');
    expect(metricsOf(dir).map((m) => m.epoch)).toEqual([0, 1]);
    expect(r.steps()).toHaveLength(2 * STEPS_PER_EPOCH);
    expect(r.of('message').map((e) => e.text).join('\n')).toMatch(/^early stopping: val_loss has not improved by more than 100 for 1 epoch since epoch 1 \([\d.]+\); the best epoch is kept in .*best\.ckpt$/m);
    // best.ckpt follows the lowest value, whatever min_delta says about stopping
    const losses = metricsOf(dir).map((m) => m.val_loss!);
    expect(readCheckpoint(join(dir, 'best.ckpt')).header.step).toBe((losses.indexOf(Math.min(...losses)) + 1) * STEPS_PER_EPOCH);
    expect(s.test).not.toBeNull();
  });

  it('metrics.jsonl: the rate of each epoch as the plateau schedule says, and images/s = images / seconds', () => {
    const m = metricsOf(ref.dir);
    // epoch 1 sets the best; epoch 2 is not better by min_delta: reduced at its end; epoch 3 trains at 0.005
    expect(m.map((e) => e.lr)).toEqual([0.05, 0.05, expect.closeTo(0.005, 12)]);
    expect(m.map((e) => e.lr_reduced)).toEqual([false, true, true]);
    expect(ref.lrs).toEqual([...Array(8).fill(0.05), ...Array(4).fill(expect.closeTo(0.005, 12))]);
    for (const e of m) {
      expect(e.seconds).toBeGreaterThan(0);
      expect(e.images_per_sec).toBeCloseTo(64 / e.seconds, 6);
    }
  });

  it('resumed after an epoch: starts at epoch 2, batch 0, with the reference losses, rates and end weights', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: () => {} });
    const r = recorder();
    await startRun({ resumeDir: dir, epochs: EPOCHS, reporter: r.reporter });
    expect(r.start().resumedFrom).toEqual({ epoch: 1, batch: 0 });
    expect(r.steps().map(stepIndex)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(r.steps().map((e) => e.loss)).toEqual(ref.losses.slice(4));
    // the schedule's state (its best so far) came back: the rate still drops after epoch 2
    expect(metricsOf(dir).map((e) => e.lr)).toEqual(metricsOf(ref.dir).map((e) => e.lr));
    expect(tensors(dir)).toEqual(ref.tensors);
  });

  describe('stopped mid-epoch by SIGINT, then resumed', () => {
    let stopped = '';

    it('stops after the step in progress and saves step 3, position (0, 3) and a non-zero velocity', async () => {
      stopped = tmp();
      const r = recorder((e, steps) => e.type === 'step' && steps === 3 && requestStop());
      const first = await startRun({ ...base, runDir: stopped, reporter: r.reporter });
      expect(first.status).toBe('interrupted');
      expect(r.steps().map(stepIndex)).toEqual([0, 1, 2]);
      expect(r.of('checkpoint').map((e) => e.reason)).toEqual(['signal']);
      expect(header(stopped)).toMatchObject({ step: 3, position: { epoch: 0, batch: 3 }, optimizer: { step: 3 } });
      const velocity = tensors(stopped)['conv1.weight.velocity']!;
      expect(velocity.some((v) => v !== 0)).toBe(true);
      expect(existsSync(join(stopped, 'summary.json')) && JSON.parse(readFileSync(join(stopped, 'summary.json'), 'utf8')).status).toBe('interrupted');
    });

    it('the resumed run starts from the checkpoint: before any step, its weights and velocity are the checkpoint\'s', async () => {
      const dir = copyRun(stopped);
      // stop as soon as the run has started: it saves the state it restored, without training a step
      const r = recorder((e) => e.type === 'start' && requestStop());
      await startRun({ resumeDir: dir, reporter: r.reporter });
      expect(r.start().resumedFrom).toEqual({ epoch: 0, batch: 3 });
      expect(r.steps()).toEqual([]);
      expect(tensors(dir)).toEqual(tensors(stopped));
      expect(header(dir)).toMatchObject({ step: 3, position: { epoch: 0, batch: 3 }, optimizer: { step: 3 }, schedule: header(stopped).schedule });
    });

    it('continues at step 3 with the reference losses and ends with its weights', async () => {
      const dir = copyRun(stopped);
      const r = recorder();
      const s = await startRun({ resumeDir: dir, reporter: r.reporter });
      expect(s.status).toBe('finished');
      expect(r.steps().map(stepIndex)).toEqual(Array.from({ length: STEPS - 3 }, (_, i) => i + 3));
      // step 3's loss is computed with the restored weights, step 4's after the first update with the restored velocity
      expect(r.steps().map((e) => e.loss)).toEqual(ref.losses.slice(3));
      expect(tensors(dir)).toEqual(ref.tensors);
    });

    it('a resume whose restored state is the initial one ends differently (so the test above can fail)', async () => {
      // the initial state: a fresh run stopped before its first step
      const fresh = tmp();
      await startRun({ ...base, runDir: fresh, reporter: recorder((e) => e.type === 'start' && requestStop()).reporter });
      const initial = readCheckpoint(join(fresh, CKPT));
      expect(initial.header.step).toBe(0);
      // the stopped run's checkpoint (position, schedule, step) with the initial weights and zero velocity
      const dir = copyRun(stopped);
      const { tensors: _t, payloadSha256: _s, ...rest } = header(stopped) as CheckpointHeader;
      writeCheckpoint(join(dir, CKPT), rest, [...initial.tensors].map(([name, t]) => ({ name, ...t })));
      const r = recorder();
      await startRun({ resumeDir: dir, reporter: r.reporter });
      expect(r.steps().map(stepIndex)[0]).toBe(3);
      expect(r.steps()[0]!.loss).not.toBe(ref.losses[3]);
      expect(tensors(dir)).not.toEqual(ref.tensors);
    });
  });

  it('refuses a damaged checkpoint, naming the file and the problem', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: () => {} });
    const path = join(dir, CKPT);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3]! ^= 0xff;
    writeFileSync(path, bytes);
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: () => {} })).rejects.toThrow(/checkpoint\.ckpt.*checksum/);
    writeFileSync(path, bytes.subarray(0, 100));
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: () => {} })).rejects.toThrow(/checkpoint\.ckpt.*(truncated|bytes)/);
    writeFileSync(path, 'hello');
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: () => {} })).rejects.toThrow(/not a usable netc checkpoint/);
  });

  it("refuses another model's checkpoint", async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir, epochs: 1, reporter: () => {} });
    const other = tmp();
    await startRun({ plan: planOf(specText().replace('units: 16', 'units: 12')), baseDir: '.', backend: 'wasm', runDir: other, epochs: 1, reporter: () => {} });
    writeFileSync(join(dir, CKPT), readFileSync(join(other, CKPT)));
    await expect(startRun({ resumeDir: dir, epochs: 2, reporter: () => {} })).rejects.toThrow(/belongs to model/);
  });

  it('stops a diverging run with a clear message and keeps the last good checkpoint', async () => {
    const dir = tmp();
    // a step schedule computes the rate from the plan's lr, so editing the plan below takes effect on resume
    const stepPlan = planOf(specText().replace(/schedule: \{[^\n]*\}/, 'schedule: { type: step, every: 100 }'));
    await startRun({ plan: stepPlan, baseDir: '.', backend: 'wasm', runDir: dir, epochs: 1, reporter: () => {} });
    const before = readFileSync(join(dir, CKPT));
    const config = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    config.train.optimizer.lr = 3e38; // the first update overflows float32
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(config));
    // the plan's spec hash is unchanged (plan.json was edited by hand), so the checkpoint is accepted and training resumes with a huge rate
    await expect(startRun({ resumeDir: dir, epochs: 3, reporter: () => {} })).rejects.toThrow(expect.objectContaining({ code: 'NETC5401', message: expect.stringMatching(/loss became (NaN|Infinity|-Infinity).*last good checkpoint/) }));
    expect(readFileSync(join(dir, CKPT)).equals(before)).toBe(true);
  });
});
