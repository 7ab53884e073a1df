/**
 * Renderers for diagnostics: `plain` (one line each, for CI and editors),
 * `pretty` (the source line, a caret under the exact text, hint and notes),
 * and `json`. Line and column are computed here, never stored.
 */
import type { Diagnostic } from './diagnostic.js';
import { getLineAndColumn, getLineRange } from '../source/source-file.js';

export interface RenderOptions {
  color?: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

export function formatLocation(d: Diagnostic): string {
  if (!d.span) return '';
  const { line, column } = getLineAndColumn(d.span.file, d.span.start);
  return `${d.span.file.path}:${line}:${column}: `;
}

export function renderPlain(d: Diagnostic): string {
  return visible(`${formatLocation(d)}${d.severity} ${d.code}: ${d.message}`);
}

export function renderPretty(d: Diagnostic, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const sevColor = d.severity === 'error' ? '1;31' : '1;33';
  const head = `${visible(formatLocation(d))}${paint(color, sevColor, d.severity)} ${paint(color, '1', d.code)}: ${visible(d.message)}`;
  const lines = [head];
  if (d.span) lines.push(...renderSnippet(d.span, color, sevColor));
  for (const r of d.related ?? []) {
    const { line, column } = getLineAndColumn(r.span.file, r.span.start);
    lines.push(visible(`  note: ${r.label} (${r.span.file.path}:${line}:${column})`));
    lines.push(...renderSnippet(r.span, color, '1;36'));
  }
  for (const n of d.notes ?? []) lines.push(`  note: ${visible(n)}`);
  if (d.hint) lines.push(`  ${paint(color, '1;32', 'hint')}: ${visible(d.hint)}`);
  return lines.join('\n');
}

/**
 * Characters never sent to a terminal as they are, in snippets or in
 * messages quoting spec text: C0 controls (but tab and line feed), DEL, C1
 * controls (U+0080-U+009F: CSI and friends), bidirectional embeddings,
 * overrides, isolates and marks (the "Trojan Source" characters that make a
 * line read differently from what it holds), and the Unicode line and
 * paragraph separators. Each becomes U+FFFD, one character for one, so
 * carets stay under the right column.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
export const visible = (s: string): string => s.replace(UNSAFE, '\ufffd');

const SNIPPET_WIDTH = 160;

function renderSnippet(span: NonNullable<Diagnostic['span']>, color: boolean, caretColor: string): string[] {
  if (span.file.hideText) return [];
  const { line, column } = getLineAndColumn(span.file, span.start);
  // Only the window around the caret is read from the line, so a diagnostic
  // costs the same on a 1 MB line as on a short one (linear in their number).
  const range = getLineRange(span.file, line);
  const length = range.end - range.start;
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  // Long lines are shown as a window around the caret.
  let from = 0;
  if (length > SNIPPET_WIDTH && column > SNIPPET_WIDTH / 2) from = Math.min(column - 1 - SNIPPET_WIDTH / 2, length - SNIPPET_WIDTH);
  const window = visible(span.file.text.slice(range.start + from, range.start + Math.min(length, from + SNIPPET_WIDTH))).replace(/\t/g, ' ');
  const text = (from > 0 ? '…' : '') + window + (from + SNIPPET_WIDTH < length ? '…' : '');
  const caretAt = column - 1 - from + (from > 0 ? 1 : 0);
  // The caret covers the span, clipped to the end of its first line.
  const width = Math.max(1, Math.min(span.end - span.start, length - column + 1, SNIPPET_WIDTH));
  return [
    `${pad} |`,
    `${gutter} | ${text}`,
    `${pad} | ${' '.repeat(Math.max(0, caretAt))}${paint(color, caretColor, '^'.repeat(width))}`,
  ];
}

export interface JsonDiagnostic {
  code: string;
  severity: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  hint?: string;
  notes?: readonly string[];
}

export function toJsonDiagnostic(d: Diagnostic): JsonDiagnostic {
  const out: JsonDiagnostic = { code: d.code, severity: d.severity, message: d.message };
  if (d.span) {
    const s = getLineAndColumn(d.span.file, d.span.start);
    const e = getLineAndColumn(d.span.file, d.span.end);
    Object.assign(out, { file: d.span.file.path, line: s.line, column: s.column, endLine: e.line, endColumn: e.column });
  }
  if (d.hint) out.hint = d.hint;
  if (d.notes) out.notes = d.notes;
  return out;
}

export function renderSummary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${part(errors, 'error')}, ${part(warnings, 'warning')}`;
}
