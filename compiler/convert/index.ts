/**
 * Converting between the two spellings of a spec, and `netc fmt`. Both
 * printers are canonical: the same JSON value always prints the same text.
 */
import { DiagnosticSink, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseSpecSource, spellingOf, type Spelling } from '../frontend/parse-source.js';
import '../dsl/index.js';
import { sourceNumbers } from './source-numbers.js';
import { toNetc } from './to-netc.js';
import { toYaml } from './to-yaml.js';

export { formatNetc, type FormatResult } from './format.js';
export { toNetc, type NetcPrintOptions, type NumberSpelling } from './to-netc.js';
export { toYaml, type YamlPrintOptions } from './to-yaml.js';
export { sourceNumbers } from './source-numbers.js';

export interface ConvertResult {
  /** Absent when the input has syntax errors. */
  text?: string;
  diagnostics: Diagnostic[];
}

/**
 * Converts spec text (its spelling read from the path) to the other spelling.
 * Only syntax is checked: a spec with schema errors still converts, so it can
 * be fixed in either spelling. Comments are not carried across.
 */
export function convertSpec(path: string, text: string, to: Spelling = spellingOf(path) === 'yaml' ? 'netc' : 'yaml'): ConvertResult {
  const sink = new DiagnosticSink();
  const { document } = parseSpecSource(path, text, sink);
  if (!document || sink.hasErrors) return { diagnostics: sortDiagnostics(sink.items) };
  const numbers = sourceNumbers(document);
  const out = to === 'netc' ? toNetc(document.value, { numbers }) : toYaml(document.value, { numbers });
  return { text: out, diagnostics: sortDiagnostics(sink.items) };
}
