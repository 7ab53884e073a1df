/** Shared helpers for the .netc tests. */
import { DiagnosticSink, sortDiagnostics, type Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import type { JsonValue, SpecDocument } from '../../compiler/frontend/document.js';
import { parseYamlSpec } from '../../compiler/frontend/yaml.js';
import { parseNetc } from '../../compiler/dsl/parse-netc.js';
import { getLineAndColumn } from '../../compiler/source/source-file.js';

export function parseNetcText(text: string, path = 'test.netc'): { document?: SpecDocument; diagnostics: Diagnostic[] } {
  const sink = new DiagnosticSink();
  const { document } = parseNetc(path, text, sink);
  return { document, diagnostics: sink.items };
}

export function parseYamlText(text: string, path = 'test.yaml'): { document?: SpecDocument; diagnostics: Diagnostic[] } {
  const sink = new DiagnosticSink();
  const { document } = parseYamlSpec(path, text, sink);
  return { document, diagnostics: sink.items };
}

/** `line:col CODE` for each diagnostic, in source order: what the tests assert on (not the wording). */
export function where(diagnostics: readonly Diagnostic[]): string[] {
  return sortDiagnostics(diagnostics).map((d) => {
    if (!d.span) return d.code;
    const { line, column } = getLineAndColumn(d.span.file, d.span.start);
    return `${line}:${column} ${d.code}`;
  });
}

/** Deep equality for JSON values that tells -0 from 0 and ignores key order. */
export function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as JsonValue[]).length && a.every((x, i) => sameJson(x, (b as JsonValue[])[i]!));
  const ka = Object.keys(a);
  const ob = b as Record<string, JsonValue>;
  return ka.length === Object.keys(ob).length && ka.every((k) => k in ob && sameJson(a[k]!, ob[k]!));
}
