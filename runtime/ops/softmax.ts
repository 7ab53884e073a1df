/** The output softmax (training applies softmax cross-entropy to its input, the logits: runtime/model/loss.ts). */
import * as tf from '@tensorflow/tfjs';
import type { SoftmaxOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';
import { whole, wholeOf } from './value.js';

export const softmaxLowering: Lowering<SoftmaxOp> = {
  build: (_op, { site }) => ([x]) => whole(tf.softmax(wholeOf(x!, site))),
};
