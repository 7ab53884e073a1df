/**
 * What flows between ops: a value is `whole` (one tensor, the same on every
 * tower) or split into `towers` (one tensor per tower held here, channels or
 * units in tower order). Keeping towers apart mirrors the paper's two GPUs:
 * grouped layers never split or concatenate activations, and the only
 * concatenations are the plan's exchange and merge ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { Site } from './lowering.js';

export type Value = { kind: 'whole'; t: tf.Tensor } | { kind: 'towers'; parts: tf.Tensor[] };

export const whole = (t: tf.Tensor): Value => ({ kind: 'whole', t });
export const towers = (parts: tf.Tensor[]): Value => ({ kind: 'towers', parts });

/** Applies an elementwise or per-tower op to each part. */
export function mapParts(v: Value, f: (t: tf.Tensor, part: number) => tf.Tensor): Value {
  return v.kind === 'whole' ? whole(f(v.t, 0)) : towers(v.parts.map(f));
}

/** The value as one tensor: tower parts are gathered by the site (an exchange; plans make it explicit). */
export function wholeOf(v: Value, site: Site): tf.Tensor {
  return v.kind === 'whole' ? v.t : site.gather(v.parts);
}

/** The value as this site's tower parts: a whole value is cut along its last axis. */
export function partsOf(v: Value, site: Site): tf.Tensor[] {
  return v.kind === 'towers' ? v.parts : site.mine(v.t);
}

/** Splits a tensor into n equal parts along an axis (n = 1: the tensor itself). */
export function splitN<T extends tf.Tensor>(t: T, n: number, axis: number): T[] {
  return n === 1 ? [t] : (tf.split(t, n, axis) as T[]);
}

/** Joins tensors along the last axis (one tensor: itself). */
export function joinLast(ts: readonly tf.Tensor[]): tf.Tensor {
  return ts.length === 1 ? ts[0]! : tf.concat(ts as tf.Tensor[], ts[0]!.rank - 1);
}
