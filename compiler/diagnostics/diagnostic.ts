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
  // Text inside a block instance also points at the use that instantiated it.
  const related = [...(extras.related ?? []), ...(span?.via ?? [])];
  const d: Diagnostic = {
    code,
    severity: messages[code].severity,
    message: formatMessage(code, args),
    ...(span ? { span } : {}),
    ...(extras.hint ? { hint: extras.hint } : {}),
    ...(extras.notes?.length ? { notes: extras.notes } : {}),
    ...(related.length ? { related } : {}),
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

/**
 * One diagnostic per cause: the same code at the same text of a block,
 * reached through several instances, is reported once, naming the others.
 */
export function mergeInstanceDuplicates(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const first = new Map<string, { index: number; others: string[] }>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const via = d.span?.via;
    if (!d.span || !via?.length) {
      out.push(d);
      continue;
    }
    const key = `${d.code}|${d.span.file.path}|${d.span.start}|${d.span.end}`;
    const seen = first.get(key);
    if (seen) {
      seen.others.push(`\`${via.find((v) => v.instance)?.instance ?? '?'}\``);
      continue;
    }
    first.set(key, { index: out.length, others: [] });
    out.push(d);
  }
  for (const { index, others } of first.values()) {
    if (!others.length) continue;
    const d = out[index]!;
    const shown = others.length <= 3 ? others.join(', ') : `${others.slice(0, 3).join(', ')} and ${others.length - 3} more`;
    out[index] = { ...d, notes: [...(d.notes ?? []), `the same in ${shown}`] };
  }
  return out;
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
