/** The examples in docs/dsl.md say what they claim: each parses, and each `# NETCnnnn` example raises exactly that code. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { parseNetcText } from './helpers.js';

const md = readFileSync(new URL('../../docs/dsl.md', import.meta.url), 'utf8');
const blocks = [...md.matchAll(/```netc\n([\s\S]*?)```/g)].map((m) => m[1]!);

test.each(blocks.map((b, i) => [i, b] as const))('docs/dsl.md example %i', (_i, block) => {
  const code = /^# (NETC\d{4})/.exec(block)?.[1];
  if (code) expect(compileSource('example.netc', block).diagnostics.map((d) => d.code)).toEqual([code]);
  else if (!block.includes('...')) expect(parseNetcText(block).diagnostics).toEqual([]);
});
