/**
 * Top-1 and top-5 error from class scores, against counts worked out by hand
 * on scores chosen so that the label's rank is known.
 */
import { describe, expect, it } from 'vitest';
import { countTopKErrors, MetricSums } from '../../runtime/train/metrics.js';

/** Seven classes; each row's label is class 0, ranked as the comment says. */
const scores = Float32Array.from([
  // label ranked 1st: no top-1 error, no top-5 error
  0.9, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0,
  // ranked 2nd: top-1 error only
  0.3, 0.4, 0.1, 0.1, 0.05, 0.05, 0.0,
  // ranked 5th (four classes higher): top-1 error, still within the top 5
  0.1, 0.2, 0.2, 0.2, 0.2, 0.05, 0.05,
  // ranked 6th (five classes higher): both errors
  0.05, 0.2, 0.2, 0.2, 0.2, 0.1, 0.05,
  // tied with the highest: a tie counts for the label (no error)
  0.3, 0.3, 0.1, 0.1, 0.1, 0.05, 0.05,
]);
const labels = [0, 0, 0, 0, 0];

describe('top-k errors', () => {
  it('top-1: some class is scored above the label (rows 2, 3 and 4)', () => {
    expect(countTopKErrors(scores, labels, 7, 1)).toBe(3);
  });

  it('top-5: five or more classes scored above the label (only row 4)', () => {
    expect(countTopKErrors(scores, labels, 7, 5)).toBe(1);
  });

  it('MetricSums turns the counts into rates over every batch added, with the mean loss', () => {
    const sums = new MetricSums();
    sums.add(2, scores.subarray(0, 14), labels.slice(0, 2), 7);
    sums.add(3, scores.subarray(14), labels.slice(2), 7);
    expect(sums.result(7)).toEqual({ loss: 5 / 5, top1_error: 3 / 5, top5_error: 1 / 5 });
  });

  it('has no top-5 error with 5 classes or fewer (every label would be in the top 5)', () => {
    const sums = new MetricSums();
    sums.add(1, Float32Array.from([0.1, 0.9]), [0], 2);
    expect(sums.result(2)).toEqual({ loss: 1, top1_error: 1, top5_error: null });
  });
});
