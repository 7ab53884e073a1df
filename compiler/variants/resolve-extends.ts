/**
 * Variants: a spec that `extends` another. Resolution happens on the document
 * level, before the schema check, so a variant's result is checked like any
 * spec and every value keeps the span of the file that wrote it.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { CompilerHost } from '../host.js';

export function resolveExtends(doc: SpecDocument, _host: CompilerHost, sink: DiagnosticSink): SpecDocument | undefined {
  const root = doc.value;
  if (root !== null && typeof root === 'object' && !Array.isArray(root) && 'extends' in root) {
    sink.report('NETC3501', spanAt(doc, '/extends'), { path: String(root.extends), detail: 'variants are not supported yet' });
    return undefined;
  }
  return doc;
}
