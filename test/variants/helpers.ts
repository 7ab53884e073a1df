/** In-memory spec files for the variant tests: compile one, find where a diagnostic points. */
import { compileSource, type CompileResult } from '../../compiler/compile.js';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { memoryHost } from '../../compiler/host.js';
import { getLineAndColumn, type Span } from '../../compiler/source/source-file.js';

export function compileIn(files: Record<string, string>, entry: string): CompileResult {
  return compileSource(entry, files[entry]!, { host: memoryHost(files) });
}

/** "file:line:column" of a span. */
export function placeOf(span: Span | undefined): string {
  if (!span) return '(nowhere)';
  const { line, column } = getLineAndColumn(span.file, span.start);
  return `${span.file.path}:${line}:${column}`;
}

/** "file:line:column" of the text `needle` (its first occurrence, or the n-th), `skip` characters in. */
export function placeOfText(files: Record<string, string>, path: string, needle: string, nth = 0, skip = 0): string {
  const text = files[path]!;
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`\`${needle}\` not in ${path}`);
  }
  const before = text.slice(0, at + skip).split('\n');
  return `${path}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

export const codes = (r: CompileResult) => r.diagnostics.map((d) => d.code);
export const errors = (r: CompileResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity === 'error');

export const BASE = `netc: 1
name: base
input: { shape: [32, 32, 3] }
layers:
  - { name: conv1, type: conv, filters: 16, kernel: 3, pad: 1, act: relu }
  - { name: norm1, type: lrn }
  - { name: pool1, type: maxpool, window: 2 }
  - { name: conv2, type: conv, filters: 32, kernel: 3, pad: 1, act: relu }
  - { name: pool2, type: maxpool, window: 2 }
  - { type: flatten }
  - { name: fc, type: dense, units: 10 }
  - { type: softmax }
train: { batch: 32, epochs: 2, optimizer: { type: sgd, lr: 0.01 }, metrics: [loss, top1_error] }
`;
