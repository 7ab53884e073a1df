/**
 * Variants: a spec that `extends` another. Resolution happens on the document
 * level, before the schema check, so a variant's result is checked like any
 * spec and every value keeps the span of the file that wrote it. The base is
 * resolved first (chains work), so each variant applies to a finished spec.
 */
import { resolve as absolutePath } from 'node:path';
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type JsonValue, type SpecDocument } from '../frontend/document.js';
import { looksLikeSpecText, parseSpecSource, SPEC_EXTENSIONS, spellingOf } from '../frontend/parse-source.js';
import type { CompilerHost } from '../host.js';
import { mergeVariant } from './merge.js';
import { isObject, LAYER_EDIT_KEYS, readVariantEdits } from './variant-form.js';

/** How many `extends` one spec may follow: deeper chains are a mistake, not a design. */
export const MAX_EXTENDS_DEPTH = 16;

interface ChainLink {
  /** Absolute, normalized: one file, however it was spelt. */
  key: string;
  /** As shown to the user. */
  path: string;
}

export function resolveExtends(doc: SpecDocument, host: CompilerHost, sink: DiagnosticSink): SpecDocument | undefined {
  return resolveChain(doc, host, sink, [{ key: absolutePath(doc.path), path: doc.path }]);
}

function describeFound(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'nothing';
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `\`${JSON.stringify(v)}\``;
}

function resolveChain(doc: SpecDocument, host: CompilerHost, sink: DiagnosticSink, chain: ChainLink[]): SpecDocument | undefined {
  const root = doc.value;
  if (!isObject(root)) return doc; // not a mapping: the schema check says so
  if (root.extends === undefined) {
    for (const key of LAYER_EDIT_KEYS) {
      if (root[key] === undefined) continue;
      sink.report('NETC2009', spanAt(doc, `/${key}`, 'key'), { key, detail: 'only applies with `extends`: it edits the layers of a base spec' }, { hint: 'add `extends: ./<base>.yaml`, or remove it' });
    }
    return doc;
  }

  const extendsSpan = spanAt(doc, '/extends');
  if (typeof root.extends !== 'string' || root.extends === '') {
    sink.report('NETC2002', extendsSpan, { key: 'extends', expected: 'the path of the base spec, relative to this file', found: describeFound(root.extends) });
    return undefined;
  }
  const edits = readVariantEdits(doc, sink);
  if (!edits) return undefined;

  const basePath = host.resolve(doc.path, root.extends);
  const key = absolutePath(basePath);
  const seen = chain.findIndex((link) => link.key === key);
  if (seen >= 0) {
    const cycle = [...chain.slice(seen).map((link) => link.path), basePath].join(' -> ');
    sink.report('NETC3502', extendsSpan, { cycle }, { hint: 'a spec cannot extend itself, directly or through others' });
    return undefined;
  }
  if (chain.length > MAX_EXTENDS_DEPTH) {
    sink.report('NETC3504', extendsSpan, { limit: MAX_EXTENDS_DEPTH }, { notes: [`the chain starts ${chain.slice(0, 3).map((l) => l.path).join(' -> ')} -> ...`] });
    return undefined;
  }
  // Only spec files are read, and only specs are shown: a base that is not
  // one (a typo, or `extends: /etc/passwd` in a spec from someone else) is
  // refused without quoting a byte of it.
  const notSpec = (reason: string) => sink.report('NETC3510', extendsSpan, { path: basePath, reason }, { hint: '`extends` names the base spec\'s file (.yaml, .yml or .netc), relative to this one' });
  if (!SPEC_EXTENSIONS.some((e) => basePath.endsWith(e))) {
    notSpec('spec files end in .yaml, .yml or .netc');
    return undefined;
  }
  const read = host.readFile(basePath);
  if ('error' in read) {
    sink.report('NETC3501', extendsSpan, { path: basePath, detail: read.error }, { hint: `the path is relative to \`${doc.path}\`` });
    return undefined;
  }
  if (!looksLikeSpecText(basePath, read.text)) {
    notSpec(spellingOf(basePath) === 'netc' ? 'it has no `netc 1` or `extends` line' : 'it has no `netc:` or `extends:` key');
    return undefined;
  }
  const parsed = parseSpecSource(basePath, read.text, sink);
  if (!parsed.document) return undefined;
  const base = resolveChain(parsed.document, host, sink, [...chain, { key, path: basePath }]);
  if (!base) return undefined;

  if (root.name === undefined) {
    const baseName = isObject(base.value) && typeof base.value.name === 'string' ? base.value.name : 'unnamed';
    // Two models with one name would be indistinguishable in reports, diffs, plans and runs.
    sink.report('NETC3506', extendsSpan, { base: baseName }, { hint: `add \`name: ${baseName}-<what changed>\`` });
  }
  return mergeVariant(base, doc, edits, host, sink);
}
