#!/usr/bin/env node
/**
 * The `netc` binary: parses arguments and calls the compiler and runtime.
 * Every failure ends as a message and an exit status, never a stack trace:
 * 0 ok, 1 the input has errors, 2 the command was used wrongly, 3 netc's bug.
 */
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { registerCompile } from './commands/compile.js';
import { registerReport } from './commands/report.js';
import { registerExtraCommands } from './commands/index.js';
import { ExitCode, InputError, UsageError } from './exit-codes.js';

/**
 * Errors the runtime raises about the user's input (data files, checkpoints,
 * run directories, backends, a diverged run): a message, exit 1, no stack.
 * Matched by class name so the CLI need not load the runtime to know them.
 */
const USER_FACING_ERRORS = new Set(['DataError', 'CheckpointError', 'RunDirError', 'DivergenceError', 'BackendUnavailableError', 'DeviceError', 'PictureError', 'ExportError', 'EngineError']);
function isUserFacing(e: unknown): e is Error {
  return e instanceof Error && (USER_FACING_ERRORS.has(e.name) || USER_FACING_ERRORS.has(e.constructor.name));
}

export function createProgram(): Command {
  const program = new Command('netc')
    .description('a declarative neural-network spec compiler')
    .version('0.1.0')
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
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.Ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`netc: error: ${e.message}\n`);
      return ExitCode.Usage;
    }
    if (e instanceof InputError || isUserFacing(e)) {
      process.stderr.write(`netc: error: ${e.message}\n`);
      return ExitCode.InputErrors;
    }
    process.stderr.write(`netc: internal error: ${(e as Error)?.stack ?? String(e)}\nplease report this as a bug\n`);
    return ExitCode.Internal;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
