/** `netc explain NETC3101`: prints the documentation of a diagnostic code. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { messages } from '../../compiler/diagnostics/messages.js';
import { UsageError } from '../exit-codes.js';

/** docs/errors sits at the package root; this file runs from dist/cli/commands. */
export function errorDocPath(code: string): string {
  return fileURLToPath(new URL(`../../../docs/errors/${code}.md`, import.meta.url));
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('explain a diagnostic code, e.g. `netc explain NETC3101`')
    .argument('<code>', 'a code such as NETC3101 or 3101')
    .action((raw: string) => {
      const code = /^\d+$/.test(raw) ? `NETC${raw}` : raw.toUpperCase();
      if (!(code in messages)) throw new UsageError(`unknown code \`${raw}\``);
      try {
        process.stdout.write(readFileSync(errorDocPath(code), 'utf8'));
      } catch {
        throw new UsageError(`no documentation found for ${code}`);
      }
    });
}
