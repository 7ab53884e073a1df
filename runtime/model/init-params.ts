/**
 * Initial parameter values, exactly as the plan states them, drawn in JS from
 * netc's own seeded generator: the same seed gives the same weights on every
 * backend, and nothing depends on tfjs' random kernels.
 */
import { deriveSeed, Rng } from '../data/rng.js';
import type { PlanParam, ResolvedInit } from '../../plan/types.js';

const INIT_STREAM = 101;

export function fillInit(init: ResolvedInit, out: Float32Array, rng: Rng): void {
  switch (init.kind) {
    case 'constant':
      out.fill(init.value);
      return;
    case 'uniform': {
      const width = init.high - init.low;
      for (let i = 0; i < out.length; i++) out[i] = init.low + width * rng.next();
      return;
    }
    case 'normal':
      for (let i = 0; i < out.length; i++) out[i] = rng.normal(init.mean, init.std);
      return;
    case 'truncated_normal':
      // As TensorFlow: redraw values more than two standard deviations from the mean.
      for (let i = 0; i < out.length; i++) {
        let z: number;
        do z = rng.normal();
        while (Math.abs(z) > 2);
        out[i] = init.mean + init.std * z;
      }
      return;
  }
}

/** The initial values of one parameter; each parameter has its own stream, so adding a layer does not change the others. */
export function initialValues(param: PlanParam, index: number, seed: number): Float32Array {
  const out = new Float32Array(param.count);
  fillInit(param.init, out, new Rng(deriveSeed(seed, INIT_STREAM, index)));
  return out;
}
