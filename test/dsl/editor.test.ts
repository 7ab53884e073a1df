/** The VS Code grammar stays in step with the language: valid JSON, regexes that compile, every layer type known. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { LAYER_TYPES } from '../../compiler/schema/spec-schema.js';

const dir = new URL('../../editors/vscode-netc/', import.meta.url);
const grammar = JSON.parse(readFileSync(new URL('syntaxes/netc.tmLanguage.json', dir), 'utf8')) as { repository: Record<string, unknown> };

function regexes(node: unknown, out: string[] = []): string[] {
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') out.push(v);
      else regexes(v, out);
    }
  }
  return out;
}

test('the grammar is valid and its patterns compile', () => {
  const all = regexes(grammar);
  expect(all.length).toBeGreaterThan(5);
  for (const r of all) expect(() => new RegExp(r)).not.toThrow();
  JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));
  JSON.parse(readFileSync(new URL('language-configuration.json', dir), 'utf8'));
});

test('the grammar knows every layer type and finds the layers of alexnet.netc', () => {
  const layer = new RegExp((grammar.repository['layer-line'] as { match: string }).match);
  for (const t of LAYER_TYPES) expect(layer.test(`  x ${t} `), t).toBe(true);
  const text = readFileSync(new URL('../../specs/alexnet.netc', import.meta.url), 'utf8');
  const found = text.split('\n').filter((l) => layer.test(l) && !l.trimStart().startsWith('#')).length;
  expect(found).toBe(17);
});
