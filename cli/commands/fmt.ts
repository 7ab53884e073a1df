/** `netc fmt [files...] [--check]`: rewrite .netc specs in the canonical layout, comments kept. */
import type { Command } from 'commander';
import { formatNetc } from '../../compiler/convert/index.js';
import { hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { expandSpecArgs } from '../find-specs.js';
import { readSpecText } from '../load-model.js';
import { printDiagnostics } from '../output.js';
import { writeFileAtomic } from '../../files/write.js';

interface FmtFlags {
  check?: boolean;
}

export function registerFmt(program: Command): void {
  program
    .command('fmt')
    .description('format .netc specs in place (no argument: the .netc files in this folder)')
    .argument('[files...]', '.netc files or folders')
    .option('--check', 'write nothing; list the files that are not formatted and exit 1 if there are any')
    .action((files: string[], flags: FmtFlags) => {
      process.exitCode = runFmt(files, flags);
    });
}

export function runFmt(args: string[], flags: FmtFlags): number {
  const explicit = new Set(args);
  const files = expandSpecArgs(args).filter((f) => {
    if (f.endsWith('.netc')) return true;
    // A YAML spec named on the command line is a mistake; one found in a folder is just skipped.
    if (explicit.has(f)) throw new UsageError(`\`${f}\` is not a .netc file: fmt formats .netc specs (\`netc convert ${f}\` writes one)`);
    return false;
  });
  if (files.length === 0) throw new UsageError('no .netc files here: pass a .netc file or a folder that holds one');
  let status: number = ExitCode.Ok;
  for (const file of files) {
    const text = readSpecText(file);
    const result = formatNetc(text, file);
    printDiagnostics(result.diagnostics);
    if (hasErrors(result.diagnostics)) {
      status = ExitCode.InputErrors;
      continue;
    }
    if (!result.changed) continue;
    if (flags.check) {
      process.stdout.write(`${file}\n`);
      status = ExitCode.InputErrors;
    } else {
      writeFileAtomic(file, result.text);
      process.stdout.write(`formatted ${file}\n`);
    }
  }
  return status;
}
