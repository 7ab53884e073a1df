/**
 * The CST typings in compiler/dsl/cst.ts are generated from the grammar, so
 * the typed visitor breaks at compile time when a rule changes. This test keeps
 * the committed file in step; NETC_UPDATE_CST=1 rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { generateCstDts } from '../../compiler/dsl/chevrotain.js';
import { expect, test } from 'vitest';
import { getParser } from '../../compiler/dsl/parser.js';

const path = new URL('../../compiler/dsl/cst.ts', import.meta.url);
const header = '// Generated from the grammar in parser.ts by test/dsl/cst-types.test.ts (NETC_UPDATE_CST=1): do not edit.\n';

test('compiler/dsl/cst.ts matches the grammar', () => {
  const generated = header + generateCstDts(getParser().getGAstProductions()).trimEnd() + '\n';
  if (process.env.NETC_UPDATE_CST === '1') writeFileSync(path, generated);
  expect(readFileSync(path, 'utf8')).toBe(generated);
});
