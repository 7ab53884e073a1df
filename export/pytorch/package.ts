/**
 * `netc export --to pytorch`: a standalone Python package that trains the plan with PyTorch.
 * Generated: model.py (the network), config.py (training and data settings), README.md,
 * requirements.txt, plan.json; copied as they are: the trainer and its helpers (python/).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../plan/types.js';
import { assetPath } from '../assets.js';
import { writeWeightsFile, type WeightSet } from '../weights.js';
import { configFile } from './config-file.js';
import { modelFile } from './model-file.js';
import { packageReadme } from './readme.js';

/** The fixed modules every package carries. */
export const PYTHON_MODULES = ['train.py', 'data.py', 'optimizers.py', 'schedules.py', 'layers.py', 'checkpoints.py'];

export interface PytorchExportOptions {
  /** Weights to start from (written as weights.ckpt), and what they are, for the README. */
  weights?: { set: WeightSet; describe: string } | null;
}

/** Writes the package into `dir` (created if needed); returns the files written. */
export function writePytorchPackage(plan: Plan, dir: string, o: PytorchExportOptions = {}): string[] {
  const files: [string, string][] = [
    ['model.py', modelFile(plan)],
    ['config.py', configFile(plan)],
    ['plan.json', JSON.stringify(plan, null, 2) + '\n'],
    ['requirements.txt', `torch>=1.13\nnumpy\n${plan.data?.dataset.kind === 'image-folder' ? 'Pillow\n' : ''}`],
    ['README.md', packageReadme(plan, { withWeights: o.weights?.describe ?? null, folder: dir })],
  ];
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  for (const name of PYTHON_MODULES) copyFileSync(assetPath(`pytorch/python/${name}`), join(dir, name));
  const written = [...files.map(([n]) => n), ...PYTHON_MODULES];
  if (o.weights) {
    writeWeightsFile(join(dir, 'weights.ckpt'), plan, o.weights.set);
    written.push('weights.ckpt');
  }
  return written.map((n) => join(dir, n));
}
