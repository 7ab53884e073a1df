import type { DiagnosticCode } from '../compiler/diagnostics/messages.js';
import { NetcError, type NetcErrorOptions } from '../compiler/diagnostics/netc-error.js';

/** Exit statuses, as documented in the README: 0 fine, 1 the input has errors, 2 the command was used wrongly. */
export const ExitCode = {
  Ok: 0,
  InputErrors: 1,
  Usage: 2,
  /** netc's own bug (NETC9001) */
  Internal: 3,
  /** interrupted by SIGINT/SIGTERM after saving a checkpoint */
  Interrupted: 130,
} as const;

/** Thrown by commands for wrong usage (missing file, bad flag value): printed without a stack, exit 2. */
export class UsageError extends Error {}

/** Bad input that is not a spec diagnostic (a run directory's files, a picture's source): exit 1. */
export class InputError extends NetcError {
  constructor(message: string, code: DiagnosticCode = 'NETC5405', options: NetcErrorOptions = {}) {
    super(code, message, options);
  }
}
