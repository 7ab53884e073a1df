/** A plan the exporters cannot express in the target engine, or an output they cannot write: the user's problem, exit 1. */
export class ExportError extends Error {
  override readonly name = 'ExportError';
}
