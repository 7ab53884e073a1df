/**
 * Concatenation along the last axis. `plain`: whole inputs joined.
 * `tower-major`: split inputs, tower t's output is every input's part t
 * joined, so no data crosses towers.
 */
import type { ConcatOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';
import { joinLast, partsOf, towers, whole, wholeOf } from './value.js';

export const concatLowering: Lowering<ConcatOp> = {
  build(op, { site }) {
    if (op.attrs.order === 'plain') return (inputs) => whole(joinLast(inputs.map((v) => wholeOf(v, site))));
    return (inputs) => {
      const parts = inputs.map((v) => partsOf(v, site));
      return towers(parts[0]!.map((_, t) => joinLast(parts.map((p) => p[t]!))));
    };
  },
};
