/** `netc schema [spec|plan]`: prints a JSON Schema (specs/*.schema.json are generated with it). */
import type { Command } from 'commander';
import { planSchema } from '../../compiler/plan/plan-schema.js';
import { renderSpecReference } from '../../compiler/schema/schema-docs.js';
import { specSchema } from '../../compiler/schema/spec-schema.js';
import { UsageError } from '../exit-codes.js';

export function schemaText(which: string): string {
  return JSON.stringify(which === 'plan' ? planSchema : specSchema, null, 2) + '\n';
}

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of specs (default) or plans')
    .argument('[which]', 'spec or plan', 'spec')
    .option('--markdown', 'the spec reference as markdown (docs/spec.md)')
    .action((which: string, flags: { markdown?: boolean }) => {
      if (which !== 'spec' && which !== 'plan') throw new UsageError(`unknown schema \`${which}\`: use spec or plan`);
      process.stdout.write(flags.markdown ? renderSpecReference() : schemaText(which));
    });
}
