/**
 * Errors raised while locating, reading or checking training data.
 *
 * The CLI prints `message` without a stack trace, so the message must be
 * self-contained: it always starts with the file (or folder) concerned,
 * followed by what is wrong with it and, where we know one, how to fix it.
 */
export class DataError extends Error {
  override readonly name = 'DataError';

  /**
   * @param file    the file or directory the problem is about (as the user would type it)
   * @param problem what is wrong, in a sentence or a few lines
   */
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** True for errors from node:fs that mean "there is nothing at this path". */
export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
