/** `netc convert <file> [--to yaml|netc] [-o out]`: the same spec in the other spelling. */
import type { Command } from 'commander';
import { convertSpec } from '../../compiler/convert/index.js';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { spellingOf } from '../../compiler/frontend/parse-source.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { readSpecText } from '../load-model.js';
import { printDiagnostics } from '../output.js';
import { writeFileAtomic } from '../../files/write.js';

interface ConvertFlags {
  to?: string;
  output?: string;
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('print a spec in the other spelling (.yaml <-> .netc); comments are not carried over')
    .argument('<file>', 'spec file (.yaml, .yml or .netc)')
    .option('--to <spelling>', 'yaml or netc (default: the other one)')
    .option('-o, --output <file>', 'write here instead of to stdout')
    .action((file: string, flags: ConvertFlags) => {
      process.exitCode = runConvert(file, flags);
    });
}

export function runConvert(file: string, flags: ConvertFlags): number {
  const to = flags.to ?? (spellingOf(file) === 'netc' ? 'yaml' : 'netc');
  if (to !== 'yaml' && to !== 'netc') throw new UsageError(`unknown spelling \`${to}\`: use --to yaml or --to netc`);
  const text = readSpecText(file);
  const result = convertSpec(file, text, to);
  printDiagnostics(result.diagnostics);
  if (result.text === undefined || hasErrors(result.diagnostics)) return ExitCode.InputErrors;
  if (flags.output) writeFileAtomic(flags.output, result.text);
  else process.stdout.write(result.text);
  return ExitCode.Ok;
}
