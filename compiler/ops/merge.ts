/** What the merge kinds (add, concat) share: naming two inputs that do not fit, with notes at the layers that made them. */
import type { RelatedSpan } from '../diagnostics/diagnostic.js';
import type { Value } from './kind.js';
import { showShape } from './shared.js';

/** "`bn2` (28x28x128) and `input` (56x56x64)", and a note at each input's layer. */
export function mergeInputs(pair: Value[]): { inputs: string; related: RelatedSpan[] } {
  const inputs = pair.map((x) => `\`${x.layer}\` (${showShape(x.shape)})`).join(' and ');
  const related = pair.flatMap((x) => (x.origin.span ? [{ span: x.origin.span, label: x.modelInput ? `the model input is ${showShape(x.shape)}` : `\`${x.layer}\` makes ${showShape(x.shape)}` }] : []));
  return { inputs, related };
}
