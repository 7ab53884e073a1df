/**
 * The loss and the counts every engine reports, in one place: softmax
 * cross-entropy on the logits with the plan's label smoothing (mean over the
 * batch for training, summed for evaluation), top-1 errors and the class
 * probabilities.
 */
import * as tf from '@tensorflow/tfjs';

/** Mean softmax cross-entropy of the batch, labels smoothed by `smoothing`. */
export function meanLoss(logits: tf.Tensor, labels: tf.Tensor1D, classes: number, smoothing: number): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), logits, undefined, smoothing) as tf.Scalar;
}

/** Rows whose highest logit is not their label. */
export function top1Errors(logits: tf.Tensor, labels: Int32Array): number {
  const predicted = tf.tidy(() => tf.argMax(logits, 1));
  const p = predicted.dataSync();
  predicted.dispose();
  let errors = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] !== labels[i]) errors++;
  return errors;
}

/** Evaluation: the summed (unsmoothed) loss and the class probabilities, count x classes. */
export function lossAndProbabilities(logits: tf.Tensor, labels: Int32Array, classes: number): { lossSum: number; probabilities: Float32Array } {
  const [lossT, probsT] = tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    const losses = tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), logits, undefined, 0, tf.Reduction.NONE);
    return [tf.sum(losses), tf.softmax(logits)];
  });
  const lossSum = lossT.dataSync()[0]!;
  const probabilities = probsT.dataSync() as Float32Array;
  lossT.dispose();
  probsT.dispose();
  return { lossSum, probabilities };
}
