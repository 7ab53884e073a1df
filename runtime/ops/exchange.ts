/**
 * The exchange: every tower gets the whole of a split value (an all-gather;
 * backward, each tower's part of the summed gradients). On one device it is a
 * concatenation; on devices of tower placement the site moves the parts.
 */
import type { ExchangeOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';
import { whole, wholeOf } from './value.js';

export const exchangeLowering: Lowering<ExchangeOp> = {
  build: (_op, { site }) => ([x]) => (x!.kind === 'whole' ? x! : whole(wholeOf(x!, site))),
};
