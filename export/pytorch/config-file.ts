/** config.py of the generated package: the plan's training and data sections as Python literals. */
import type { Plan } from '../../plan/types.js';
import { pyLiteral, pyNumber, pyString } from './python-source.js';

export function configFile(plan: Plan): string {
  const shape = plan.input.shape.map(pyNumber).join(', ');
  return [
    `"""Training and data settings of ${plan.model.name}, from its netc plan (netc's names, in snake_case).`,
    '',
    'train.py reads these; edit them here or re-export from the spec.',
    '"""',
    `MODEL = ${pyString(plan.model.name)}`,
    `SPEC_HASH = ${pyString(plan.model.specHash)}  # checkpoints record it, so another model's is refused`,
    `SEED = ${plan.seed}`,
    `INPUT_SHAPE = (${shape}${plan.input.shape.length === 1 ? ',' : ''})  # ${plan.input.shape.length === 3 ? 'H, W, C as netc writes shapes; the model takes N x C x H x W' : 'features'}`,
    `CLASSES = ${pyLiteral(plan.output.classes)}`,
    '',
    `TRAIN = ${pyLiteral(plan.train)}`,
    '',
    `DATA = ${pyLiteral(plan.data)}`,
    '',
  ].join('\n');
}
