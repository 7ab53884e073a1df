/**
 * The update rules, written out rather than borrowed from tf.train, because
 * the paper's rule is not TensorFlow's momentum: there the learning rate
 * multiplies the velocity, here it multiplies each new step, so a change of
 * lr only scales new steps (shared/paper-notes.md):
 *
 *   sgd (the paper):  v <- m v - lr_p (wd_p w + g);   w <- w + v
 *   momentum:         a <- m a + (g + wd_p w);        w <- w - lr_p a   (nesterov: w <- w - lr_p (g' + m a))
 *   adam:             g' = g + wd_p w; bias-corrected moments; w <- w - lr_p m^ / (sqrt(v^) + eps)
 *
 * with lr_p = lr x lr_mult and wd_p = weight_decay x decay_mult of the parameter.
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '../../plan/types.js';

export interface TrainableParam {
  name: string;
  variable: tf.Variable;
  lrMult: number;
  decayMult: number;
}

/** The state each trainable parameter has under an optimizer, as named in checkpoints (`<param>.<slot>`). */
export function optimizerSlotNames(type: OptimizerSpec['type']): string[] {
  return type === 'adam' ? ['m', 'v'] : [type === 'sgd' ? 'velocity' : 'accumulator'];
}

export class Optimizer {
  /** Optimizer state tensors by name (`conv1.weight.velocity`, ...), for checkpoints. */
  readonly slots = new Map<string, tf.Variable>();
  /** Updates applied so far (Adam's bias correction needs it). */
  step = 0;

  constructor(
    readonly spec: OptimizerSpec,
    readonly params: readonly TrainableParam[],
  ) {
    const names = optimizerSlotNames(spec.type);
    for (const p of params) {
      for (const slot of names) {
        this.slots.set(`${p.name}.${slot}`, tf.variable(tf.zerosLike(p.variable), false, `${p.variable.name}.${slot}`));
      }
    }
  }

  /** Applies one update with learning rate `lr` (before per-parameter multipliers); `grads` by parameter name. */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    this.step++;
    const s = this.spec;
    // One tidy per parameter: its temporaries (five or six tensors of its size) are freed before the
    // next one's are made, so the update never holds temporaries for every parameter at once
    // (for AlexNet on wasm that was about 2.5 GiB at the step's peak).
    for (const p of this.params) {
      const g = grads[p.name];
      if (!g) continue;
      tf.tidy(() => {
        const w = p.variable;
        const lrP = lr * p.lrMult;
        const wdP = s.weightDecay * p.decayMult;
        if (s.type === 'sgd') {
          const v = this.slots.get(`${p.name}.velocity`)!;
          const decayed = wdP === 0 ? g : tf.add(g, tf.mul(w, wdP));
          const vNew = tf.sub(tf.mul(v, s.momentum), tf.mul(decayed, lrP));
          v.assign(vNew);
          w.assign(tf.add(w, vNew));
        } else if (s.type === 'momentum') {
          const a = this.slots.get(`${p.name}.accumulator`)!;
          const gd = wdP === 0 ? g : tf.add(g, tf.mul(w, wdP));
          const aNew = tf.add(tf.mul(a, s.momentum), gd);
          a.assign(aNew);
          const direction = s.nesterov ? tf.add(gd, tf.mul(aNew, s.momentum)) : aNew;
          w.assign(tf.sub(w, tf.mul(direction, lrP)));
        } else {
          const m = this.slots.get(`${p.name}.m`)!;
          const v = this.slots.get(`${p.name}.v`)!;
          const gd = wdP === 0 ? g : tf.add(g, tf.mul(w, wdP));
          const mNew = tf.add(tf.mul(m, s.beta1), tf.mul(gd, 1 - s.beta1));
          const vNew = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(gd), 1 - s.beta2));
          m.assign(mNew);
          v.assign(vNew);
          const mHat = tf.div(mNew, 1 - Math.pow(s.beta1, this.step));
          const vHat = tf.div(vNew, 1 - Math.pow(s.beta2, this.step));
          w.assign(tf.sub(w, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), s.epsilon)), lrP)));
        }
      });
    }
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }
}
