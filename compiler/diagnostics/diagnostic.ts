import { formatMessage, messages, type DiagnosticCode, type Severity } from './messages.js';
import type { Span } from '../source/source-file.js';

/** A related place that explains the primary one ("the width was set here"). */
export interface RelatedSpan {
  readonly span: Span;
  readonly label: string;
}

/** A diagnostic is plain data: rendering happens at the edge (render.ts). */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for diagnostics about no particular text (e.g. an empty input). */
  readonly span?: Span;
  readonly hint?: string;
  readonly notes?: readonly string[];
  readonly related?: readonly RelatedSpan[];
}

export interface DiagnosticExtras {
  hint?: string;
  notes?: string[];
  related?: RelatedSpan[];
}

export function createDiagnostic(
  code: DiagnosticCode,
  span: Span | undefined,
  args: Record<string, string | number> = {},
  extras: DiagnosticExtras = {},
): Diagnostic {
  const d: Diagnostic = {
    code,
    severity: messages[code].severity,
    message: formatMessage(code, args),
    ...(span ? { span } : {}),
    ...(extras.hint ? { hint: extras.hint } : {}),
    ...(extras.notes?.length ? { notes: extras.notes } : {}),
    ...(extras.related?.length ? { related: extras.related } : {}),
  };
  return d;
}

/** Passes report here instead of throwing: every problem in one run. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  report(code: DiagnosticCode, span: Span | undefined, args?: Record<string, string | number>, extras?: DiagnosticExtras): void {
    this.items.push(createDiagnostic(code, span, args, extras));
  }

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === 'error').length;
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order for output: by file, then position, then code. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.span?.file.path ?? '';
    const fb = b.span?.file.path ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const sa = a.span?.start ?? -1;
    const sb = b.span?.start ?? -1;
    if (sa !== sb) return sa - sb;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
