/**
 * `netc fmt`: .netc text -> its canonical layout, comments kept. The spec is
 * parsed, printed again by toNetc (so the layout is the printer's, and
 * formatting twice changes nothing), and each comment goes back with the
 * statement it was attached to: an own-line comment to the statement below
 * it, an end-of-line comment to its line, the last comments of a block before
 * its `}`. A single blank line between statements inside a block is kept.
 * A file with syntax errors is returned unchanged, with the errors.
 */
import type { IToken } from 'chevrotain';
import { DiagnosticSink, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseNetc } from '../dsl/parse-netc.js';
import { endOfStatement } from '../dsl/build-document.js';
import type { Block } from '../dsl/syntax.js';
import { getLineAndColumn, type SourceFile } from '../source/source-file.js';
import { emptyComments, type Comments } from './layout.js';
import { sourceNumbers } from './source-numbers.js';
import { toNetc } from './to-netc.js';

export interface FormatResult {
  text: string;
  diagnostics: Diagnostic[];
  /** The formatted text differs from the input. */
  changed: boolean;
}

export function formatNetc(text: string, path = '<input>.netc'): FormatResult {
  const sink = new DiagnosticSink();
  const parsed = parseNetc(path, text, sink);
  if (!parsed.document || !parsed.root || sink.hasErrors) return { text, diagnostics: sortDiagnostics(sink.items), changed: false };
  const comments = attachComments(parsed.root, parsed.comments, parsed.file);
  const out = toNetc(parsed.document.value, { comments, numbers: sourceNumbers(parsed.document) });
  return { text: out, diagnostics: sortDiagnostics(sink.items), changed: out !== text };
}

/** Assigns each comment to a statement of the tree (see the header for the rules). */
export function attachComments(root: Block, tokens: readonly IToken[], file: SourceFile): Comments {
  const comments = emptyComments();
  const lineOf = (offset: number) => getLineAndColumn(file, offset).line;
  const items = tokens.map((t) => ({ text: t.image.trimEnd(), offset: t.startOffset, line: lineOf(t.startOffset) }));
  let next = 0;
  const push = <T>(map: Map<string, T[]>, id: string, item: T) => map.set(id, [...(map.get(id) ?? []), item]);

  const walk = (block: Block, blockId: string) => {
    // Line of the last thing seen in this block: a gap of two or more lines is a blank line.
    let lastLine = block.open < 0 ? 0 : lineOf(block.open);
    const first = block.open < 0;
    let seen = !first;
    const gap = (line: number) => {
      const blank = seen && line - lastLine > 1;
      seen = true;
      return blank;
    };
    for (const stmt of block.statements) {
      const id = stmt.ids[0] ?? '';
      while (next < items.length && items[next]!.offset < stmt.start) {
        const c = items[next++]!;
        push(comments.leading, id, { text: c.text, blank: gap(c.line) });
        lastLine = c.line;
      }
      const headerLine = lineOf(stmt.start);
      if (gap(headerLine) && id) comments.blank.add(id);
      lastLine = headerLine;
      if (next < items.length && items[next]!.line === headerLine && items[next]!.offset < endOfStatement(stmt)) {
        push(comments.trailing, id, items[next++]!.text);
      }
      if (stmt.block) {
        walk(stmt.block, id);
        lastLine = lineOf(stmt.block.close);
        if (next < items.length && items[next]!.line === lastLine && items[next]!.offset > stmt.block.close) {
          push(comments.closeTrailing, id, items[next++]!.text);
        }
      } else if (next < items.length && items[next]!.line === headerLine) {
        push(comments.trailing, id, items[next++]!.text);
      }
    }
    while (next < items.length && items[next]!.offset < block.close) {
      const c = items[next++]!;
      push(comments.blockEnd, blockId, { text: c.text, blank: gap(c.line) });
      lastLine = c.line;
    }
  };
  walk(root, '');
  return comments;
}
