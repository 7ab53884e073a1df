/**
 * YAML frontend: text -> SpecDocument. Parses into a yaml Document (never
 * straight into plain objects) so each value keeps its range, and guards
 * against hostile input: size, binary junk, nesting depth and alias bombs all
 * get a bounded, positioned error instead of a hang or a stack trace.
 */
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { DiagnosticCode } from '../diagnostics/messages.js';
import { createSourceFile, type SourceFile, type Span } from '../source/source-file.js';
import { joinPointer, type JsonValue, type NodeSpans, type SpecDocument } from './document.js';

export const SOURCE_LIMITS = {
  /** Bytes: a 5,000-layer spec is about 0.5 MB. */
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  /** Values produced in total, counting each alias expansion: stops alias bombs. */
  maxNodes: 2_000_000,
  maxAliases: 1000,
};

export interface ParseResult {
  document?: SpecDocument;
  file: SourceFile;
}

const yamlErrorCodes: Partial<Record<string, DiagnosticCode>> = {
  TAB_AS_INDENT: 'NETC1006',
  DUPLICATE_KEY: 'NETC1007',
  MULTIPLE_DOCS: 'NETC1008',
};

/** Checks that apply to any spec text before a parser sees it. */
export function checkSourceText(file: SourceFile, sink: DiagnosticSink): boolean {
  const text = file.text;
  const bytes = text.length > SOURCE_LIMITS.maxBytes / 4 ? Buffer.byteLength(text, 'utf8') : text.length;
  if (bytes > SOURCE_LIMITS.maxBytes) {
    sink.report('NETC1002', { file, start: 0, end: 0 }, { size: bytes, limit: SOURCE_LIMITS.maxBytes });
    return false;
  }
  // NUL and other C0 controls (but tab, CR, LF) mean binary data, not a spec.
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.exec(text);
  if (bad) {
    const what = bad[0] === '\ufffd' ? 'invalid UTF-8' : `control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`;
    sink.report('NETC1005', { file, start: bad.index, end: bad.index + 1 }, { detail: `${what} at character ${bad.index + 1}` });
    // Binary data (or /proc/self/environ) is no one's spec: say where, never show it.
    file.hideText = true;
    return false;
  }
  // Flow collections nest without indentation; bound them before parsing so a
  // `[[[[...` bomb cannot exhaust the parser's stack. A quote opens a string
  // only where a YAML scalar can start (so `the paper's net` hides nothing).
  let depth = 0;
  let quote = '';
  let previous = '\n'; // the last character that was not a space
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\n' && quote === "'") quote = ''; // unterminated: let the parser say so
      continue;
    }
    if (c === '#' && (previous === '\n' || text[i - 1] === ' ')) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      i = nl - 1;
      continue;
    }
    if ((c === '"' || c === "'") && ':[{,-\n'.includes(previous)) quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > SOURCE_LIMITS.maxDepth) {
        sink.report('NETC1003', { file, start: i, end: i + 1 }, { limit: SOURCE_LIMITS.maxDepth });
        return false;
      }
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    if (c !== ' ' && c !== '\t' && c !== '\r') previous = c;
  }
  return true;
}

export function parseYamlSpec(path: string, text: string, sink: DiagnosticSink): ParseResult {
  const file = createSourceFile(path, text);
  if (!checkSourceText(file, sink)) return { file };
  // yaml can report an end-of-input error one past the end: clamp every span into the text.
  const clamp = (n: number) => Math.max(0, Math.min(n, text.length));
  const span = (start: number, end: number): Span => ({ file, start: clamp(start), end: clamp(Math.max(start, end)) });

  let doc;
  try {
    doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (e) {
    // The yaml parser is iterative, but stay safe: a RangeError is a depth problem.
    sink.report('NETC1003', span(0, 0), { limit: SOURCE_LIMITS.maxDepth });
    return { file };
  }
  for (const err of [...doc.errors, ...doc.warnings]) {
    const code = yamlErrorCodes[err.code] ?? 'NETC1001';
    const [start, end] = err.pos;
    // yaml's messages start with a capital and end with a period; ours do not.
    const detail = err.message.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase());
    if (code === 'NETC1007') {
      const key = /^(?:"[^"]*"|'[^']*'|[^\s:,{}\[\]]+)/.exec(text.slice(start))?.[0] ?? text.slice(start, end);
      sink.report(code, span(start, start + key.length), { key: key.replace(/^["']|["']$/g, '') }, { hint: 'remove one of the two entries' });
    } else if (code === 'NETC1008') sink.report(code, span(start, end), { count: 'more than one' }, { hint: 'remove the `---` separator and keep one document' });
    else if (code === 'NETC1006') sink.report(code, span(start, end), {}, { hint: 'indent with spaces' });
    else sink.report(code, span(start, end), { detail });
  }
  if (doc.errors.length + doc.warnings.length > 0) return { file };
  if (doc.contents === null) {
    sink.report('NETC1009', span(0, text.length));
    return { file };
  }

  const spans = new Map<string, NodeSpans>();
  let produced = 0;
  let aliases = 0;
  let aborted = false;

  const convert = (node: unknown, pointer: string, depth: number, keySpan: Span | undefined, site: Span | undefined): JsonValue => {
    if (aborted) return null;
    if (++produced > SOURCE_LIMITS.maxNodes) {
      aborted = true;
      sink.report('NETC1004', site ?? span(0, 0), { limit: SOURCE_LIMITS.maxAliases });
      return null;
    }
    if (depth > SOURCE_LIMITS.maxDepth) {
      aborted = true;
      sink.report('NETC1003', site ?? span(0, 0), { limit: SOURCE_LIMITS.maxDepth });
      return null;
    }
    const yn = node as YamlNode | null;
    // An alias's values are reported at the alias, where the user wrote them into this place.
    let here = site;
    if (yn && !isAlias(yn) && yn.range && site === undefined) here = span(yn.range[0], yn.range[1]);
    if (isAlias(yn)) {
      if (++aliases > SOURCE_LIMITS.maxAliases) {
        aborted = true;
        sink.report('NETC1004', span(yn.range![0], yn.range![1]), { limit: SOURCE_LIMITS.maxAliases });
        return null;
      }
      const target = yn.resolve(doc);
      const at = span(yn.range![0], yn.range![1]);
      return convert(target ?? null, pointer, depth, keySpan, at);
    }
    if (here) spans.set(pointer, keySpan ? { value: here, key: keySpan } : { value: here });
    if (isMap(yn)) {
      const out: Record<string, JsonValue> = {};
      for (const pair of yn.items) {
        const k = isScalar(pair.key) ? pair.key.value : pair.key;
        const key = typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' ? String(k) : JSON.stringify(k ?? null);
        const kr = (pair.key as YamlNode | null)?.range;
        const ks = site ?? (kr ? span(kr[0], kr[1]) : here);
        // A key with no value (`conv1:`) is null, pointed at by the key itself.
        const valueSite = site ?? ((pair.value as YamlNode | null)?.range ? undefined : ks);
        // defineProperty, not assignment: a `__proto__` key must stay a key (and be reported as unknown).
        Object.defineProperty(out, key, { value: convert(pair.value ?? null, joinPointer(pointer, key), depth + 1, ks, valueSite), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    if (isSeq(yn)) {
      return yn.items.map((item, i) => convert(item, joinPointer(pointer, i), depth + 1, undefined, site));
    }
    if (isScalar(yn)) {
      const v = yn.value;
      if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
      if (typeof v === 'bigint') return Number(v);
      return String(v);
    }
    return null;
  };

  const value = convert(doc.contents, '', 0, undefined, undefined);
  if (aborted) return { file };
  return { file, document: { path, value, spans } };
}
