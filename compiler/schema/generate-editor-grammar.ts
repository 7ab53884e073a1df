/**
 * Keeps the VS Code grammar's list of layer types (editors/vscode-netc) in
 * step with the op kinds (compiler/ops): the alternation in its `layer-line`
 * rule is rewritten from LAYER_TYPES. Run by `npm run generate`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LAYER_TYPES } from '../ops/index.js';

/** The grammar text with the layer-type alternation replaced (the one group that starts with `(conv|`). */
export function withLayerTypes(grammar: string): string {
  return grammar.replace(/\(conv\|[a-z_|]+\)/, `(${LAYER_TYPES.join('|')})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = fileURLToPath(new URL('../../../editors/vscode-netc/syntaxes/netc.tmLanguage.json', import.meta.url));
  writeFileSync(path, withLayerTypes(readFileSync(path, 'utf8')));
  console.log(`wrote ${path}`);
}
