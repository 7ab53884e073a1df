/**
 * Broken input never breaks the frontend: random edits of a real spec (and
 * random text) give diagnostics or a document, never an exception, and every
 * diagnostic has a span inside the text. Where an edited spec still parses,
 * `netc fmt` keeps its value and is idempotent.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatNetc } from '../../compiler/convert/index.js';
import { lexNetc } from '../../compiler/dsl/lexer.js';
import { parseNetcText, sameJson } from './helpers.js';

const alexnet = readFileSync(new URL('../../specs/alexnet.netc', import.meta.url), 'utf8');

/** One edit: delete, duplicate or insert a few characters (often brackets, quotes, `=`, line breaks). */
const edit = fc.record({
  at: fc.nat({ max: alexnet.length }),
  del: fc.nat({ max: 4 }),
  ins: fc.oneof(fc.constantFrom('{', '}', '[', ']', '(', ')', '"', '=', '\n', ',', '#', ' x ', '96', '/', '@', ''), fc.string({ maxLength: 3 })),
});

function applyEdits(text: string, edits: { at: number; del: number; ins: string }[]): string {
  let t = text;
  for (const e of edits) {
    const at = Math.min(e.at, t.length);
    t = t.slice(0, at) + e.ins + t.slice(at + e.del);
  }
  return t;
}

function commentPieces(text: string): string[] {
  return lexNetc(text)
    .comments.flatMap((c) => c.image.split('#'))
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .sort();
}

function check(text: string): void {
  const { document, diagnostics } = parseNetcText(text);
  for (const d of diagnostics) {
    expect(d.code).not.toBe('NETC9001');
    expect(d.span!.start).toBeGreaterThanOrEqual(0);
    expect(d.span!.end).toBeLessThanOrEqual(text.length);
  }
  if (document) {
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const f = formatNetc(text);
    expect(sameJson(parseNetcText(f.text).document!.value, document.value)).toBe(true);
    expect(formatNetc(f.text).text).toBe(f.text);
    // No comment lost (two end-of-line comments may share a line, so compare the pieces between `#`s).
    expect(commentPieces(f.text)).toEqual(commentPieces(text));
  } else {
    expect(diagnostics.length).toBeGreaterThan(0);
  }
}

describe('robustness', () => {
  test('random edits of alexnet.netc', () => {
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => check(applyEdits(alexnet, edits))), { numRuns: 150 });
  });

  test('random text', () => {
    const chars = fc.constantFrom(...'ab1 =,{}[]()"#\n\tx/-.e$'.split(''));
    fc.assert(fc.property(fc.array(chars, { maxLength: 60 }).map((a) => a.join('')), check), { numRuns: 300 });
  });
});
