import { NetcError, type NetcErrorOptions } from '../../compiler/diagnostics/netc-error.js';
import type { DiagnosticCode } from '../../compiler/diagnostics/messages.js';

/**
 * Errors raised while locating, reading or checking training data.
 *
 * The CLI prints `message` without a stack trace, so the message must be
 * self-contained: it always starts with the file (or folder) concerned,
 * followed by what is wrong with it and, where we know one, how to fix it.
 * Codes: NETC5302 (the files cannot be used) unless the thrower says
 * NETC5301 (not found) or NETC5303 (does not fit the model).
 */
export class DataError extends NetcError {
  override readonly name = 'DataError';

  /**
   * @param file    the file or directory the problem is about (as the user would type it)
   * @param problem what is wrong, in a sentence or a few lines
   */
  constructor(
    readonly file: string,
    readonly problem: string,
    options: NetcErrorOptions & { code?: DiagnosticCode } = {},
  ) {
    super(options.code ?? 'NETC5302', `${file}: ${problem}`, options);
  }
}

/** True for errors from node:fs that mean "there is nothing at this path". */
export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
