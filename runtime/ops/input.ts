/** Op 0: the model input, handed to the program as a whole value. */
import type { InputOp } from '../../plan/types.js';
import type { Lowering } from './lowering.js';

export const inputLowering: Lowering<InputOp> = {
  build: () => ([x]) => x!,
};
