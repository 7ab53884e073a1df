/**
 * The .netc frontend: text -> SpecDocument, in the stages of the other
 * frontends and chevrotain's own tutorial:
 *
 *   lex (lexer.ts) -> repair brackets (brackets.ts) -> parse to a CST (parser.ts)
 *   -> read statements (syntax.ts) -> build the JSON value and spans (build-document.ts)
 *
 * Every stage reports into the sink and carries on, so one run shows every
 * syntax error; the document is only returned when there were none.
 */
import type { IRecognitionException, IToken } from 'chevrotain';
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { SpecDocument } from '../frontend/document.js';
import { checkSourceText } from '../frontend/yaml.js';
import { createSourceFile, getLineAndColumn, type SourceFile } from '../source/source-file.js';
import { balanceBrackets, spanOf } from './brackets.js';
import { DocumentBuilder } from './build-document.js';
import { BadNumber, lexNetc, StringLit, UnclosedString } from './lexer.js';
import { parseTokens } from './parser.js';
import { SyntaxReader, type Block } from './syntax.js';

export interface NetcParse {
  file: SourceFile;
  document?: SpecDocument;
  /** The statement tree (each statement knows the pointers it wrote); absent when the text was refused outright. */
  root?: Block;
  /** `#` comments, in order, for `netc fmt`. */
  comments: IToken[];
}

export function parseNetcSpec(path: string, text: string, sink: DiagnosticSink): { document?: SpecDocument; file: SourceFile } {
  const { document, file } = parseNetc(path, text, sink);
  return document ? { document, file } : { file };
}

export function parseNetc(path: string, text: string, sink: DiagnosticSink): NetcParse {
  const file = createSourceFile(path, text);
  const before = sink.errorCount;
  const reported = sink.items.length;
  if (!checkSourceText(file, sink)) return { file, comments: [] };

  const lexed = lexNetc(text);
  for (const e of lexed.errors) {
    const char = text.slice(e.offset, e.offset + 1);
    sink.report('NETC1101', { file, start: e.offset, end: e.offset + e.length }, { char }, unexpectedCharHint(char));
  }
  const tokens: IToken[] = [];
  for (const t of lexed.tokens) {
    if (t.tokenType === BadNumber) {
      sink.report('NETC1102', spanOf(file, t), { detail: `\`${t.image}\` is not a number` }, { hint: 'put a space between a number and what follows it, or quote text in `"`' });
      continue;
    }
    if (t.tokenType === UnclosedString) {
      const { line, column } = getLineAndColumn(file, t.startOffset);
      const end = t.startOffset + t.image.length;
      sink.report('NETC1103', { file, start: end, end }, { close: '"', open: '"', line, column }, { hint: 'a string ends on the line it starts' });
      // Read on as a string, so the rest of the line still parses.
      t.tokenType = StringLit;
      t.tokenTypeIdx = StringLit.tokenTypeIdx!;
    }
    tokens.push(t);
  }

  const balanced = balanceBrackets(tokens, file, sink);
  const { cst, errors } = parseTokens(balanced);
  for (const e of errors) reportParseError(e, file, sink);

  const root = new SyntaxReader(file, sink).body(cst.children.body[0], -1, text.length);
  // A line with a lexing or parsing error already has its diagnostic: its meaning is not checked too.
  const lineOf = (offset: number) => getLineAndColumn(file, offset).line;
  const broken = new Set(sink.items.slice(reported).flatMap((d) => (d.span ? [lineOf(d.span.start)] : [])));
  if (broken.size) markBroken(root, broken, lineOf);
  const builder = new DocumentBuilder(file, sink);
  if (root.statements.length === 0) {
    if (sink.errorCount === before) sink.report('NETC1009', { file, start: 0, end: text.length });
    return { file, root, comments: lexed.comments };
  }
  const value = builder.build(root);
  if (sink.errorCount > before) return { file, root, comments: lexed.comments };
  return { file, root, comments: lexed.comments, document: { path, value, spans: builder.spans } };
}

function markBroken(block: Block, lines: ReadonlySet<number>, lineOf: (offset: number) => number): void {
  for (const stmt of block.statements) {
    if (lines.has(lineOf(stmt.start))) stmt.recovered = true;
    if (stmt.block) markBroken(stmt.block, lines, lineOf);
  }
}

function reportParseError(e: IRecognitionException, file: SourceFile, sink: DiagnosticSink): void {
  const token = e.token;
  // At the end of input chevrotain's EOF token has no offset: point at the end of the text.
  const start = Number.isFinite(token.startOffset) ? token.startOffset : file.text.length;
  const span = { file, start, end: start + (token.image?.length ?? 0) };
  sink.report('NETC1102', span, { detail: e.message }, parseHint(e.message));
}

function parseHint(message: string): { hint?: string } {
  if (message.startsWith('expected the end of the line')) return { hint: 'one statement per line: start a new line here, or quote text that has spaces' };
  if (message.startsWith('expected a value after')) return { hint: 'write `key=value`' };
  if (message.startsWith('expected a number')) return { hint: 'an initializer call takes numbers: `normal(0, 0.01)`' };
  return {};
}

function unexpectedCharHint(char: string): { hint?: string } {
  if (char === "'") return { hint: 'strings are in double quotes: "text"' };
  if (char === ':') return { hint: 'this is not YAML: write `key value` or `key=value`' };
  if (char === '-') return { hint: 'a list is `[a, b]`; a negative number has no space after `-`' };
  return {};
}
