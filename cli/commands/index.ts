/** Commands beyond compile and report, each in its own module. */
import type { Command } from 'commander';
import { registerDiff } from './diff.js';
import { registerConvert } from './convert.js';
import { registerExplain } from './explain.js';
import { registerExport } from './export.js';
import { registerFmt } from './fmt.js';
import { registerPlot } from './plot.js';
import { registerPredict } from './predict.js';
import { registerPrepare } from './prepare.js';
import { registerSchema } from './schema.js';
import { registerTrain } from './train.js';

export function registerExtraCommands(program: Command): void {
  registerTrain(program);
  registerSchema(program);
  registerExplain(program);
  registerDiff(program);
  registerFmt(program);
  registerConvert(program);
  registerPlot(program);
  registerExport(program);
  registerPrepare(program);
  registerPredict(program);
}
