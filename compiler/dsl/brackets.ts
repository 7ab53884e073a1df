/**
 * Bracket repair before parsing. A missing `}` or `]` is the one mistake that
 * derails a line-based parser for the rest of the file, so it is found here,
 * reported once with where the bracket opened, and repaired with a zero-width
 * closing token; the parser then sees balanced input and every later line
 * still gets checked.
 *
 *  - `[`, `(` and a `{` value (after `=` or in a list) close on their own line.
 *  - A block `{` left open is closed before the first later line that is
 *    indented no deeper than the line that opened it (else at the end).
 *  - A closer with nothing to close is reported and dropped.
 *
 * It also makes each statement end in a line break (before a block's `}` and
 * at the end of the file), so the grammar can say "a statement is one line".
 */
import type { IToken, TokenType } from 'chevrotain';
import { createTokenInstance } from './chevrotain.js';
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { getLineAndColumn, type SourceFile, type Span } from '../source/source-file.js';
import { Comma, Equals, LBracket, LCurly, LParen, Newline, RBracket, RCurly, RParen, Word } from './lexer.js';

type Kind = 'block' | 'map' | 'list' | 'call';

interface Open {
  kind: Kind;
  token: IToken;
  /** How the opening is quoted in messages: `layers {`, `[`, `normal(`. */
  label: string;
}

const closerOf: Record<Kind, TokenType> = { block: RCurly, map: RCurly, list: RBracket, call: RParen };
const lineBound = (k: Kind) => k !== 'block';

function virtualToken(type: TokenType, offset: number): IToken {
  // Zero width (end before start, chevrotain's convention for an empty image).
  return createTokenInstance(type, '', offset, offset - 1, NaN, NaN, NaN, NaN);
}

export function balanceBrackets(tokens: readonly IToken[], file: SourceFile, sink: DiagnosticSink): IToken[] {
  const { out, openBlocks, blockOpeners } = matchLineBrackets(tokens, file, sink);
  let result = out;
  // Innermost first: closing it shifts what the outer ones contain.
  for (let i = openBlocks.length - 1; i >= 0; i--) result = closeBlock(result, openBlocks[i]!, file, sink);
  return terminateStatements(result, blockOpeners, file.text.length);
}

/** One pass: repairs line-bound brackets and stray closers; returns the blocks still open at the end. */
function matchLineBrackets(
  tokens: readonly IToken[],
  file: SourceFile,
  sink: DiagnosticSink,
): { out: IToken[]; openBlocks: Open[]; blockOpeners: Set<IToken> } {
  const out: IToken[] = [];
  const blockOpeners = new Set<IToken>();
  const stack: Open[] = [];
  let statementHead: IToken | undefined;
  const unclosed = (o: Open, at: number, found?: string) => reportUnclosed(o, at, file, sink, found);

  for (const tok of tokens) {
    const type = tok.tokenType;
    if (type === Newline) {
      while (stack.length && lineBound(stack[stack.length - 1]!.kind)) {
        const o = stack.pop()!;
        unclosed(o, tok.startOffset);
        out.push(virtualToken(closerOf[o.kind], tok.startOffset));
      }
      out.push(tok);
      statementHead = undefined;
      continue;
    }
    if (type === LCurly || type === LBracket || type === LParen) {
      const prev = out[out.length - 1];
      const top = stack[stack.length - 1];
      let kind: Kind;
      if (type === LBracket) kind = 'list';
      else if (type === LParen) kind = 'call';
      else kind = prev?.tokenType === Equals || (top !== undefined && top.kind !== 'block') ? 'map' : 'block';
      let label = tok.image;
      if (kind === 'block' && statementHead) label = `${statementHead.image} {`;
      if (kind === 'call' && prev?.tokenType === Word) label = `${prev.image}(`;
      stack.push({ kind, token: tok, label });
      out.push(tok);
      if (kind === 'block') {
        blockOpeners.add(tok);
        statementHead = undefined;
      }
      continue;
    }
    if (type === RCurly || type === RBracket || type === RParen) {
      const top = stack[stack.length - 1];
      if (top && closerOf[top.kind] === type) {
        stack.pop();
        out.push(tok);
      } else {
        const j = findMatch(stack, type);
        if (j >= 0) {
          // Close what was left open inside, then the match.
          while (stack.length - 1 > j) {
            const o = stack.pop()!;
            unclosed(o, tok.startOffset);
            out.push(virtualToken(closerOf[o.kind], tok.startOffset));
          }
          stack.pop();
          out.push(tok);
        } else if (top && lineBound(top.kind)) {
          // `[1, 2)`: the wrong closer for this line's bracket; read it as the right one.
          stack.pop();
          unclosed(top, tok.startOffset, tok.image);
          out.push(virtualToken(closerOf[top.kind], tok.startOffset));
        } else {
          sink.report('NETC1102', spanOf(file, tok), { detail: `unexpected \`${tok.image}\`: nothing is open here to close` }, { hint: 'remove it' });
        }
      }
      if (type === RCurly && (!top || top.kind === 'block')) statementHead = undefined;
      continue;
    }
    if (statementHead === undefined && (type === Equals || type === Comma)) {
      // No statement starts with these, and the parser would stop at one: report and skip it.
      sink.report('NETC1102', spanOf(file, tok), { detail: `unexpected \`${tok.image}\` at the start of a line` }, { hint: 'a line starts with a name, as in `seed 1` or `p=0.5`' });
      continue;
    }
    statementHead ??= tok;
    out.push(tok);
  }
  while (stack.length && lineBound(stack[stack.length - 1]!.kind)) {
    const o = stack.pop()!;
    unclosed(o, file.text.length);
    out.push(virtualToken(closerOf[o.kind], file.text.length));
  }
  return { out, openBlocks: stack, blockOpeners };
}

/** The stack index of an opening this closer can close, when only line-bound openings lie above it. */
function findMatch(stack: readonly Open[], closer: TokenType): number {
  for (let j = stack.length - 1; j >= 0; j--) {
    if (closerOf[stack[j]!.kind] === closer) return j;
    if (!lineBound(stack[j]!.kind)) return -1;
  }
  return -1;
}

/** Closes a block left open: before the first later line, directly inside it, indented no deeper than its opening line. */
function closeBlock(tokens: IToken[], open: Open, file: SourceFile, sink: DiagnosticSink): IToken[] {
  const start = tokens.indexOf(open.token);
  const indent = indentOf(file, open.token.startOffset);
  let depth = 0;
  let at = tokens.length;
  for (let i = start + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.tokenType === LCurly) depth++;
    else if (t.tokenType === RCurly) depth--;
    else if (depth === 0 && t.tokenType !== Newline && tokens[i - 1]?.tokenType === Newline && indentOf(file, t.startOffset) <= indent) {
      at = i;
      break;
    }
  }
  // At the end of the file, point just after the last token rather than at an empty last line.
  let offset = file.text.length;
  if (at < tokens.length) offset = tokens[at]!.startOffset;
  else {
    const last = [...tokens].reverse().find((t) => t.tokenType !== Newline);
    if (last) offset = last.startOffset + last.image.length;
  }
  reportUnclosed(open, offset, file, sink);
  return [...tokens.slice(0, at), virtualToken(RCurly, offset), virtualToken(Newline, offset), ...tokens.slice(at)];
}

/** Ensures a line break before every `}` of a block and at the end, so each statement ends in one. */
function terminateStatements(tokens: readonly IToken[], blockOpeners: ReadonlySet<IToken>, end: number): IToken[] {
  const out: IToken[] = [];
  const isBlock: boolean[] = [];
  for (const t of tokens) {
    if (t.tokenType === LCurly) isBlock.push(blockOpeners.has(t));
    // Braces are balanced by now, so each `}` pops its own `{`.
    else if (t.tokenType === RCurly && (isBlock.pop() ?? true) && out[out.length - 1]?.tokenType !== Newline) {
      out.push(virtualToken(Newline, t.startOffset));
    }
    out.push(t);
  }
  if (out.length && out[out.length - 1]!.tokenType !== Newline) out.push(virtualToken(Newline, end));
  return out;
}

function reportUnclosed(open: Open, at: number, file: SourceFile, sink: DiagnosticSink, found?: string): void {
  const { line, column } = getLineAndColumn(file, open.token.startOffset);
  const close = closerOf[open.kind] === RCurly ? '}' : closerOf[open.kind] === RBracket ? ']' : ')';
  const span: Span = { file, start: at, end: found === undefined ? at : at + found.length };
  sink.report('NETC1103', span, { close, open: open.label, line, column }, {
    related: [{ span: spanOf(file, open.token), label: `\`${open.label}\` opens here` }],
    ...(found !== undefined ? { hint: `\`${found}\` does not close \`${open.label}\`` } : {}),
  });
}

export function spanOf(file: SourceFile, token: IToken): Span {
  return { file, start: token.startOffset, end: token.startOffset + token.image.length };
}

function indentOf(file: SourceFile, offset: number): number {
  // Column of the line's first character that is not a space or tab.
  const lineStart = offset - getLineAndColumn(file, offset).column + 1;
  let i = lineStart;
  while (file.text[i] === ' ' || file.text[i] === '\t') i++;
  return i - lineStart;
}
