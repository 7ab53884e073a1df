/**
 * Learning-rate schedules through their public methods (lrAt, onEpochEnd),
 * built from specs as the compiler normalizes them. Every expected rate is
 * worked out by hand in the test: one behaviour per test, tiny sequences.
 */
import { describe, expect, it } from 'vitest';
import { Schedule } from '../../runtime/train/schedule.js';
import { trainOf } from './helpers.js';

/** A schedule for `epochs` epochs with initial rate `lr`, from the spec's `schedule:` mapping. */
function schedule(yaml: string, lr = 1, epochs = 10): Schedule {
  const train = trainOf(`  epochs: ${epochs}\n  optimizer: { type: sgd, lr: ${lr} }\n  schedule: ${yaml}`);
  return new Schedule(train.schedule, train.optimizer.lr, train.epochs);
}

/** Feeds validation metrics one epoch at a time; returns [reduced?, lr after] per epoch. */
function feed(s: Schedule, metrics: (number | null)[]): [boolean, number][] {
  return metrics.map((m) => {
    const reduced = s.onEpochEnd(m);
    return [reduced, s.lrAt(100)];
  });
}

const close = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(g, `item ${i}`).toBeCloseTo(want[i]!, 12));
};

describe('epoch-based schedules', () => {
  it('constant keeps the rate', () => {
    const s = schedule('{ type: constant }', 0.01);
    close([0, 0.5, 3, 9.9].map((e) => s.lrAt(e)), [0.01, 0.01, 0.01, 0.01]);
  });

  it('step: lr * factor^floor(epoch / every)', () => {
    const s = schedule('{ type: step, every: 2, factor: 0.5 }', 0.8);
    // epochs 0, 1.99 -> 0.8; 2, 3.5 -> 0.4; 4 -> 0.2; 6 -> 0.1
    close([0, 1.99, 2, 3.5, 4, 6].map((e) => s.lrAt(e)), [0.8, 0.8, 0.4, 0.4, 0.2, 0.1]);
  });

  it('step: the default factor is 0.1', () => {
    const s = schedule('{ type: step, every: 3 }', 1);
    close([2.9, 3, 6].map((e) => s.lrAt(e)), [1, 0.1, 0.01]);
  });

  it('multistep: one factor per milestone passed', () => {
    const s = schedule('{ type: multistep, milestones: [2, 5], factor: 0.5 }', 1);
    // before 2: 1; from 2: 0.5; from 5: 0.25; and no further reduction after the last milestone
    close([0, 1.9, 2, 4.9, 5, 9].map((e) => s.lrAt(e)), [1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('cosine: min + (lr - min)(1 + cos(pi t)) / 2 over the run, then stays at min', () => {
    const s = schedule('{ type: cosine, min_lr: 0.1 }', 1, 4);
    // t = epoch / 4: t=0 -> 1; t=1/4 -> 0.1 + 0.45 (1 + sqrt(2)/2); t=1/2 -> 0.55; t=1 -> 0.1; beyond the end -> 0.1
    close([0, 1, 2, 4, 6].map((e) => s.lrAt(e)), [1, 0.1 + 0.45 * (1 + Math.SQRT1_2), 0.55, 0.1, 0.1]);
  });

  it('cosine decreases over the run (its first half is above the mid-point)', () => {
    const s = schedule('{ type: cosine }', 1, 10);
    const rates = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((e) => s.lrAt(e));
    for (let i = 1; i < rates.length; i++) expect(rates[i]!).toBeLessThan(rates[i - 1]!);
    expect(rates[2]).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.2)), 12);
  });

  it('warmup ramps linearly from `from` x lr to lr over its epochs, fractional epochs included', () => {
    const s = schedule('{ type: constant, warmup: { epochs: 2, from: 0.1 } }', 1);
    // factor from + (1 - from) * epoch / 2: 0 -> 0.1, 0.5 -> 0.325, 1 -> 0.55, 1.5 -> 0.775, 2 -> 1
    close([0, 0.5, 1, 1.5, 2, 3].map((e) => s.lrAt(e)), [0.1, 0.325, 0.55, 0.775, 1, 1]);
  });

  it('warmup multiplies the schedule under it', () => {
    const s = schedule('{ type: step, every: 1, factor: 0.5, warmup: { epochs: 2, from: 0.5 } }', 1);
    // ramp 0.5 + 0.5 * epoch / 2. Epoch 0.5: step 1 x ramp 0.625; epoch 1: step 0.5 x ramp 0.75; epoch 2: step 0.25, ramp over
    close([0.5, 1, 2].map((e) => s.lrAt(e)), [0.625, 0.375, 0.25]);
  });

  it('warmup starts at 0.1 x lr when `from` is not given', () => {
    const s = schedule('{ type: constant, warmup: { epochs: 1 } }', 2);
    expect(s.lrAt(0)).toBeCloseTo(0.2, 12);
  });
});

describe('plateau: divide the rate when the watched metric stops improving', () => {
  it('waits `patience` epochs without improvement, then reduces once and starts counting again', () => {
    const s = schedule('{ type: plateau, factor: 0.1, patience: 2 }', 1);
    // best 0.9 at epoch 2; epochs 3 and 4 are bad but within patience; epoch 5 is the third bad one: reduce.
    // After the reduction the count restarts: epochs 6 and 7 bad, 8 reduces again.
    expect(feed(s, [1, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95])).toEqual([
      [false, 1], [false, 1], [false, 1], [false, 1], [true, 0.1], [false, 0.1], [false, 0.1], [true, expect.closeTo(0.01, 12)],
    ]);
  });

  it('patience 0 reduces at the first epoch that does not improve', () => {
    const s = schedule('{ type: plateau, factor: 0.5, patience: 0 }', 1);
    expect(feed(s, [1, 1])).toEqual([[false, 1], [true, 0.5]]);
  });

  it('an improvement resets the count of bad epochs', () => {
    const s = schedule('{ type: plateau, factor: 0.5, patience: 1 }', 1);
    // 1 (best), 1.1 (bad 1), 0.8 (best, reset), 0.9 (bad 1), 0.9 (bad 2 > 1: reduce)
    expect(feed(s, [1, 1.1, 0.8, 0.9, 0.9]).map(([r]) => r)).toEqual([false, false, false, false, true]);
  });

  it('min_delta: a smaller improvement does not count', () => {
    const s = schedule('{ type: plateau, factor: 0.5, patience: 0, min_delta: 0.05 }', 1);
    // 1 -> best; 0.97 is not below 1 - 0.05: bad, reduce; 0.9 is below 0.95: new best
    expect(feed(s, [1, 0.97, 0.9, 0.86])).toEqual([[false, 1], [true, 0.5], [false, 0.5], [true, 0.25]]);
  });

  it('cooldown: epochs right after a reduction are not counted', () => {
    const s = schedule('{ type: plateau, factor: 0.5, patience: 0, cooldown: 2 }', 1);
    // epoch 2 reduces; epochs 3 and 4 are cooldown; epoch 5 reduces again
    expect(feed(s, [1, 1, 1, 1, 1]).map(([r]) => r)).toEqual([false, true, false, false, true]);
    expect(s.lrAt(0)).toBe(0.25);
  });

  it('max_reductions: no reduction after the last allowed one', () => {
    const s = schedule('{ type: plateau, factor: 0.1, patience: 0, max_reductions: 2 }', 1);
    expect(feed(s, [1, 1, 1, 1, 1]).map(([r]) => r)).toEqual([false, true, true, false, false]);
    expect(s.lrAt(0)).toBeCloseTo(0.01, 12);
    expect(s.state.reductions).toBe(2);
  });

  it('min_lr: the rate stops at the floor, and a reduction that would not lower it is not one', () => {
    const s = schedule('{ type: plateau, factor: 0.1, patience: 0, min_lr: 0.005 }', 0.1);
    // 0.1 -> 0.01 -> max(0.001, 0.005) = 0.005 -> stays (no reduction reported)
    expect(feed(s, [1, 1, 1, 1])).toEqual([[false, 0.1], [true, expect.closeTo(0.01, 12)], [true, 0.005], [false, 0.005]]);
  });

  it('ignores epochs without the metric (no validation, or a NaN)', () => {
    const s = schedule('{ type: plateau, factor: 0.1, patience: 0 }', 1);
    expect(feed(s, [1, null, Number.NaN, 1]).map(([r]) => r)).toEqual([false, false, false, true]);
  });

  it('epoch-based schedules never react to the metric', () => {
    const s = schedule('{ type: step, every: 100 }', 1);
    expect(feed(s, [1, 2, 3]).map(([r]) => r)).toEqual([false, false, false]);
    expect(s.lrAt(5)).toBe(1);
  });

  it('a schedule rebuilt from its saved state continues where it was (resume)', () => {
    const yaml = '{ type: plateau, factor: 0.5, patience: 1, cooldown: 1 }';
    const a = schedule(yaml, 1);
    const b = schedule(yaml, 1);
    feed(a, [1, 1, 1]); // reduced at the third epoch, cooldown 1 pending
    const saved = JSON.parse(JSON.stringify(a.state)) as typeof a.state;
    const resumed = new Schedule(b.spec, b.initialLr, b.totalEpochs, saved);
    expect(resumed.lrAt(0)).toBe(0.5);
    // the same future on both: cooldown, then one bad epoch within patience, then a reduction
    expect(feed(resumed, [1, 1, 1])).toEqual(feed(a, [1, 1, 1]));
    expect(resumed.lrAt(0)).toBe(0.25);
    // the saved object is copied, not shared
    expect(saved.lr).toBe(0.5);
  });
});
