#!/usr/bin/env node
/**
 * The `netc` binary: parses arguments and calls the compiler and runtime.
 * Every failure ends as a message and an exit status, never a stack trace:
 * 0 ok, 1 the input (a spec, plan, run directory, checkpoint, data, a file
 * or folder the OS refused) has errors, 2 the command was used wrongly,
 * 3 netc's own bug, 130 a training run interrupted after its checkpoint.
 */
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { isNetcError } from '../compiler/diagnostics/netc-error.js';
import { registerCompile } from './commands/compile.js';
import { registerReport } from './commands/report.js';
import { registerExtraCommands } from './commands/index.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { printError } from './output.js';

export const VERSION = '0.1.0';

export function createProgram(): Command {
  const program = new Command('netc')
    .description('a declarative neural-network spec compiler')
    .version(VERSION)
    .showHelpAfterError('(run `netc --help` for usage)')
    .exitOverride();
  registerCompile(program);
  registerReport(program);
  registerExtraCommands(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // sharp decodes on libuv's thread pool (4 threads by default): give every data worker one.
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism() + 1));
  const program = createProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (e instanceof UsageError) {
      process.stderr.write(json ? JSON.stringify({ error: { kind: 'usage', message: e.message } }) + '\n' : `netc: error: ${e.message}\n`);
      return ExitCode.Usage;
    }
    if (isNetcError(e)) {
      printError(e, { json });
      return e.usage ? ExitCode.Usage : ExitCode.InputErrors;
    }
    process.stderr.write(`netc: internal error: ${(e as Error)?.stack ?? String(e)}\nplease report this as a bug\n`);
    return ExitCode.Internal;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
