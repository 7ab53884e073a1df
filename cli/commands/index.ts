/** Commands beyond compile and report, each in its own module. */
import type { Command } from 'commander';
import { registerExplain } from './explain.js';
import { registerSchema } from './schema.js';

export function registerExtraCommands(program: Command): void {
  registerSchema(program);
  registerExplain(program);
}
