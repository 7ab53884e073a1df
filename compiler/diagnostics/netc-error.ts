/**
 * The one base class of errors netc raises about what it was given: a file it
 * cannot read or write, a run directory, a checkpoint, data, a backend. Each
 * carries a stable code from the one table (messages.ts, band 5xxx), so
 * `netc explain NETC5101` documents it like a compiler diagnostic. The CLI
 * prints the message without a stack and exits 1; anything else that is
 * thrown is netc's own bug (exit 3).
 *
 * When a spec value is the cause (the dataset folder, the class count), the
 * error carries `specPointer`, the JSON pointer of that value in the spec
 * (`/data/dataset/path`): the runtime reads plans, not specs, so it cannot
 * point at a line; the CLI, which compiled the spec, maps the pointer to it.
 */
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { Span } from '../source/source-file.js';
import type { Diagnostic } from './diagnostic.js';
import { formatMessage, messages, type DiagnosticCode } from './messages.js';

export interface NetcErrorOptions {
  /** How to get out of it. */
  hint?: string;
  /** JSON pointer of the spec value that caused it, in the spec's own key names. */
  specPointer?: string;
  /** The options were used wrongly (flags that conflict): exit status 2, not 1. */
  usage?: boolean;
}

export class NetcError extends Error {
  readonly hint?: string;
  readonly specPointer?: string;
  readonly usage: boolean;
  /** The spec text of specPointer, set by the CLI when it compiled the spec (locateInSpec). */
  span?: Span;

  constructor(
    readonly code: DiagnosticCode,
    message: string,
    options: NetcErrorOptions = {},
  ) {
    super(message);
    // The subclass's own name (DataError, RunDirError...), also across bundles.
    this.name = new.target.name;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.specPointer !== undefined) this.specPointer = options.specPointer;
    this.usage = options.usage ?? false;
  }
}

/** True for a NetcError, also one created by another copy of this module (a worker's bundle, a second install). */
export function isNetcError(e: unknown): e is NetcError {
  if (e instanceof NetcError) return true;
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^NETC\d{4}$/.test(code);
}

/** A NetcError whose message is its code's template filled with `args` (for codes with a specific template). */
export function errorFromTemplate(code: DiagnosticCode, args: Record<string, string | number>, options: NetcErrorOptions = {}): NetcError {
  return new NetcError(code, formatMessage(code, args), options);
}

/** Points a NetcError that names a spec value at that value's text, when the spec was compiled here. */
export function locateInSpec(e: unknown, document: Pick<SpecDocument, 'spans'> | undefined): unknown {
  if (document && isNetcError(e) && e.specPointer !== undefined && !e.span) {
    const span = spanAt(document, e.specPointer);
    if (span) e.span = span;
  }
  return e;
}

/** A NetcError as a diagnostic, for the same renderers (pretty, plain, JSON). */
export function errorToDiagnostic(e: NetcError): Diagnostic {
  return {
    code: e.code,
    severity: messages[e.code]?.severity ?? 'error',
    message: e.message,
    ...(e.span ? { span: e.span } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
  };
}
