/**
 * A source text and the index that turns offsets into line/column.
 * Nodes and diagnostics store offsets only; lines are computed when rendering
 * (the habit of eemeli/yaml's LineCounter).
 */
export interface SourceFile {
  /** The path as the user named it (shown in diagnostics). */
  readonly path: string;
  readonly text: string;
  /** Offsets at which each line starts; built lazily. */
  lineStarts?: number[];
  /**
   * Set for a file whose text must never be shown (it is not text, or not a
   * spec): its diagnostics keep their position but print no snippet.
   */
  hideText?: boolean;
}

export function createSourceFile(path: string, text: string): SourceFile {
  return { path, text };
}

function getLineStarts(file: SourceFile): number[] {
  if (!file.lineStarts) {
    const starts = [0];
    const text = file.text;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) starts.push(i + 1);
    }
    file.lineStarts = starts;
  }
  return file.lineStarts;
}

/** 1-based line and column of an offset (binary search over line starts). */
export function getLineAndColumn(file: SourceFile, offset: number): { line: number; column: number } {
  const starts = getLineStarts(file);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** Offsets of a 1-based line's first character and of its end (before the line break). */
export function getLineRange(file: SourceFile, line: number): { start: number; end: number } {
  const starts = getLineStarts(file);
  const start = starts[line - 1] ?? file.text.length;
  const next = starts[line];
  let end = next === undefined ? file.text.length : next - 1;
  if (end > start && file.text.charCodeAt(end - 1) === 13) end--;
  return { start, end };
}

/** The text of a 1-based line, without its line break. */
export function getLineText(file: SourceFile, line: number): string {
  const { start, end } = getLineRange(file, line);
  return file.text.slice(start, end);
}

/** A range of text in one file: the unit every diagnostic points at. */
export interface Span {
  readonly file: SourceFile;
  readonly start: number;
  readonly end: number;
  /**
   * Text of a block's layers reached through an instance: the uses that
   * instantiated it, innermost first. A diagnostic here also points at them.
   */
  readonly via?: readonly SpanVia[];
}

/** A place that led to a span (the use of a block), with what it says. */
export interface SpanVia {
  readonly span: Span;
  readonly label: string;
  /** Set on the use of a block: the instance's name (`stage2.block1`). */
  readonly instance?: string;
}
