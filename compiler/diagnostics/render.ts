/**
 * Renderers for diagnostics: `plain` (one line each, for CI and editors),
 * `pretty` (the source line, a caret under the exact text, hint and notes),
 * and `json`. Line and column are computed here, never stored.
 */
import type { Diagnostic } from './diagnostic.js';
import { getLineAndColumn, getLineText } from '../source/source-file.js';

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
  return `${formatLocation(d)}${d.severity} ${d.code}: ${d.message}`;
}

export function renderPretty(d: Diagnostic, options: RenderOptions = {}): string {
  const color = options.color ?? false;
  const sevColor = d.severity === 'error' ? '1;31' : '1;33';
  const head = `${formatLocation(d)}${paint(color, sevColor, d.severity)} ${paint(color, '1', d.code)}: ${d.message}`;
  const lines = [head];
  if (d.span) lines.push(...renderSnippet(d.span, color, sevColor));
  for (const r of d.related ?? []) {
    const { line, column } = getLineAndColumn(r.span.file, r.span.start);
    lines.push(`  note: ${r.label} (${r.span.file.path}:${line}:${column})`);
    lines.push(...renderSnippet(r.span, color, '1;36'));
  }
  for (const n of d.notes ?? []) lines.push(`  note: ${n}`);
  if (d.hint) lines.push(`  ${paint(color, '1;32', 'hint')}: ${d.hint}`);
  return lines.join('\n');
}

/** Control characters (ESC, NUL, ...) are shown as visible symbols, never sent to the terminal. */
const visible = (s: string) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\ufffd').replace(/\t/g, ' ');

const SNIPPET_WIDTH = 160;

function renderSnippet(span: NonNullable<Diagnostic['span']>, color: boolean, caretColor: string): string[] {
  const { line, column } = getLineAndColumn(span.file, span.start);
  const full = visible(getLineText(span.file, line));
  const gutter = String(line);
  const pad = ' '.repeat(gutter.length);
  // Long lines are shown as a window around the caret.
  let from = 0;
  if (full.length > SNIPPET_WIDTH && column > SNIPPET_WIDTH / 2) from = Math.min(column - 1 - SNIPPET_WIDTH / 2, full.length - SNIPPET_WIDTH);
  const text = (from > 0 ? '…' : '') + full.slice(from, from + SNIPPET_WIDTH) + (from + SNIPPET_WIDTH < full.length ? '…' : '');
  const caretAt = column - 1 - from + (from > 0 ? 1 : 0);
  // The caret covers the span, clipped to the end of its first line.
  const width = Math.max(1, Math.min(span.end - span.start, full.length - column + 1, SNIPPET_WIDTH));
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
