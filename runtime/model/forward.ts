/**
 * The forward pass as a plain function of a parameter map, on one device: for
 * tests and tools (exporters compare against it). Engines build their program
 * once (interpreter.ts); this rebuilds it on every call.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Plan } from '../../plan/types.js';
import type { RunContext } from '../ops/index.js';
import { buildProgram, oneDevice } from './interpreter.js';

export type ParamTensors = ReadonlyMap<string, tf.Tensor>;
export type ForwardContext = RunContext;
export type { SliceOf } from '../ops/index.js';

export type Forward = (params: ParamTensors, x: tf.Tensor, ctx: ForwardContext) => tf.Tensor2D;

/** The logits of the plan's model for these parameters (the softmax is the loss's). */
export function createForward(plan: Plan, target?: string): Forward {
  return (params, x, ctx) => {
    const env = { site: oneDevice(plan.towers), param: (name: string | null) => (name === null ? null : (params.get(name) ?? null)) };
    return buildProgram(plan, env, target).run(x, ctx) as tf.Tensor2D;
  };
}
