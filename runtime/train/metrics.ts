/** Classification metrics from logits on the host: loss is computed by tfjs, errors here. */

/** Counts samples whose label is not among the k highest scores (ties broken towards the label, as top-k). */
export function countTopKErrors(scores: Float32Array, labels: ArrayLike<number>, classes: number, k: number): number {
  let errors = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = i * classes;
    const target = scores[row + labels[i]!]!;
    let higher = 0;
    for (let c = 0; c < classes && higher < k; c++) if (scores[row + c]! > target) higher++;
    if (higher >= k) errors++;
  }
  return errors;
}

/** Sums over an evaluation pass, turned into rates at the end. */
export class MetricSums {
  loss = 0;
  top1 = 0;
  top5 = 0;
  count = 0;

  add(lossSum: number, scores: Float32Array, labels: ArrayLike<number>, classes: number): void {
    this.loss += lossSum;
    this.top1 += countTopKErrors(scores, labels, classes, 1);
    if (classes > 5) this.top5 += countTopKErrors(scores, labels, classes, 5);
    this.count += labels.length;
  }

  result(classes: number): { loss: number; top1_error: number; top5_error: number | null } {
    const n = Math.max(1, this.count);
    return { loss: this.loss / n, top1_error: this.top1 / n, top5_error: classes > 5 ? this.top5 / n : null };
  }
}
