/** Op kinds no layer is written as: the model input (op 0) and the exchanges between towers. */
import { planFragments } from '../schema/fragments.js';
import type { KindModule } from './kind.js';

export const input: KindModule = { ops: { input: { attrs: planFragments.none, typeName: () => 'input' } } };
export const exchange: KindModule = { ops: { exchange: { attrs: { required: ['kind', 'consumer', 'forwardBytes', 'backwardBytes'] }, typeName: () => 'exchange' } } };
