/**
 * The .netc token vocabulary, in match order (chevrotain tries patterns in
 * this order; `longer_alt` lets a longer spelling win, so `96conv` is one bad
 * token rather than a number glued to a word). Line breaks are tokens: a
 * statement is one line. Comments go to their own group, so the parser never
 * sees them but `netc fmt` can put them back.
 */
import type { IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';
import { NUMBER_PATTERN, WORD_PATTERN } from './spelling.js';

/** Digits glued to letters (`96conv`, `1.2.3`): reported, never parsed. */
export const BadNumber = createToken({ name: 'BadNumber', pattern: /-?[0-9.][A-Za-z0-9_./-]*/, label: 'a malformed number' });
/** `227x227x3` (a shape) or `11x11/4` (a kernel and its stride). */
export const Size = createToken({ name: 'Size', pattern: /\d+(?:x\d+)+(?:\/\d+(?:x\d+)?)?/, longer_alt: BadNumber, label: 'a size such as `3x3`' });
export const NumberLit = createToken({ name: 'NumberLit', pattern: NUMBER_PATTERN, longer_alt: [Size, BadNumber], label: 'a number' });
export const StringLit = createToken({ name: 'StringLit', pattern: /"(?:[^"\\\r\n]|\\.)*"/, label: 'a string' });
/** A string missing its closing quote: reported as unclosed, then read as a string. */
export const UnclosedString = createToken({ name: 'UnclosedString', pattern: /"(?:[^"\\\r\n]|\\.)*/, label: 'a string' });
export const Word = createToken({ name: 'Word', pattern: WORD_PATTERN, label: 'a name' });
export const Equals = createToken({ name: 'Equals', pattern: '=', label: '`=`' });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: '`,`' });
export const LCurly = createToken({ name: 'LCurly', pattern: '{', label: '`{`' });
export const RCurly = createToken({ name: 'RCurly', pattern: '}', label: '`}`' });
export const LBracket = createToken({ name: 'LBracket', pattern: '[', label: '`[`' });
export const RBracket = createToken({ name: 'RBracket', pattern: ']', label: '`]`' });
export const LParen = createToken({ name: 'LParen', pattern: '(', label: '`(`' });
export const RParen = createToken({ name: 'RParen', pattern: ')', label: '`)`' });
export const Newline = createToken({ name: 'Newline', pattern: /\r\n|\r|\n/, line_breaks: true, label: 'a line break' });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments' });
// A byte-order mark is whitespace too: editors on Windows add one.
export const Whitespace = createToken({ name: 'Whitespace', pattern: /[ \t\ufeff]+/, group: Lexer.SKIPPED });

export const allTokens: TokenType[] = [
  Whitespace, Newline, Comment, Size, NumberLit, BadNumber, StringLit, UnclosedString, Word,
  Equals, Comma, LCurly, RCurly, LBracket, RBracket, LParen, RParen,
];

// Offsets only: lines and columns are computed when a diagnostic is rendered.
export const netcLexer = new Lexer(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true });

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  /** Offsets and lengths of characters no token matches. */
  errors: { offset: number; length: number }[];
}

export function lexNetc(text: string): LexResult {
  const r = netcLexer.tokenize(text);
  return {
    tokens: r.tokens,
    comments: r.groups.comments ?? [],
    errors: r.errors.map((e) => ({ offset: e.offset, length: e.length })),
  };
}
