/**
 * The examples in docs/dsl.md say what they claim: each `# NETCnnnn` example
 * raises exactly that code; each other example parses without a diagnostic;
 * an example with `...` is an excerpt of specs/alexnet.netc: without the `...`
 * lines it still parses, and its statements are the spec's, in the spec's order.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { parseNetcText } from './helpers.js';

const md = readFileSync(new URL('../../docs/dsl.md', import.meta.url), 'utf8');
const blocks = [...md.matchAll(/```netc\n([\s\S]*?)```/g)].map((m) => m[1]!);
const alexnet = readFileSync(new URL('../../specs/alexnet.netc', import.meta.url), 'utf8');

/** The statement lines of a .netc text: comments and blank lines dropped, spacing kept. */
const statements = (text: string) => text.split('\n').map((l) => l.replace(/\s*#.*$/, '').trimEnd()).filter((l) => l.trim() !== '');
const isElision = (line: string) => line.trim() === '...';

test('docs/dsl.md has examples, one of them an excerpt of the AlexNet spec', () => {
  expect(blocks.length).toBeGreaterThan(3);
  expect(blocks.filter((b) => b.split('\n').some(isElision))).toHaveLength(1);
});

test.each(blocks.map((b, i) => [i, b] as const))('docs/dsl.md example %i', (_i, block) => {
  const code = /^# (NETC\d{4})/.exec(block)?.[1];
  if (code) {
    expect(compileSource('example.netc', block).diagnostics.map((d) => d.code)).toEqual([code]);
    return;
  }
  const lines = block.split('\n');
  expect(parseNetcText(lines.filter((l) => !isElision(l)).join('\n')).diagnostics).toEqual([]);
  if (!lines.some(isElision)) return;
  // an excerpt: every statement is in specs/alexnet.netc, in the same order
  const spec = statements(alexnet);
  let at = 0;
  for (const s of statements(block).filter((l) => !isElision(l))) {
    const found = spec.indexOf(s, at);
    expect(found, `\`${s}\` is not in specs/alexnet.netc (after line ${at} of its statements)`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
});
