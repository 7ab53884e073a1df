/**
 * JSON spec value -> canonical YAML, laid out like specs/alexnet.yaml: scalars
 * and small mappings on one line, one flow mapping per layer, `train` and
 * `data` as blocks of one-line entries, a blank line before each section.
 * The layout is written here; the quoting of each scalar is left to the yaml
 * library (in flow context, where `,` `[` `]` `{` `}` also need quotes), so
 * the frontend reads back exactly the same value.
 */
import { Document, type YAMLSeq } from 'yaml';
import { joinPointer, type JsonValue } from '../frontend/document.js';
import type { NumberSpelling } from './to-netc.js';

type Obj = { [key: string]: JsonValue };

const isObj = (v: JsonValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Top-level keys printed as blocks (one entry per line) rather than one flow line. */
const SECTIONS = new Set(['train', 'data', 'modify']);

export interface YamlPrintOptions {
  numbers?: NumberSpelling;
}

export function toYaml(value: JsonValue, options: YamlPrintOptions = {}): string {
  const spell = options.numbers;
  /** A value on one line: `{ a: 1, b: [1, 2] }`. */
  const flow = (v: JsonValue, at: string): string => {
    if (Array.isArray(v)) return `[${v.map((x, i) => flow(x, joinPointer(at, i))).join(', ')}]`;
    if (isObj(v)) {
      const entries = Object.entries(v).map(([k, x]) => `${scalar(k)}: ${flow(x, joinPointer(at, k))}`);
      return entries.length ? `{ ${entries.join(', ')} }` : '{}';
    }
    if (typeof v === 'number' && spell) {
      const text = spell(at);
      // The source's spelling where YAML reads it as the same number.
      if (text !== undefined && YAML_NUMBER.test(text) && Object.is(Number(text), v)) return text;
    }
    return scalar(v);
  };
  if (!isObj(value)) return flow(value, '') + '\n';
  const out: string[] = [];
  const section = () => {
    if (out.length && out[out.length - 1] !== '') out.push('');
  };
  let afterSection = false;
  for (const [key, v] of Object.entries(value)) {
    const k = scalar(key);
    const at = joinPointer('', key);
    if (key === 'layers' && Array.isArray(v) && v.length) {
      section();
      out.push(`${k}:`, ...v.map((l, i) => `  - ${flow(l, joinPointer(at, i))}`));
      afterSection = true;
    } else if (key === 'insert' && Array.isArray(v) && v.length && v.every(isObj)) {
      section();
      out.push(`${k}:`);
      (v as Obj[]).forEach((entry, i) => {
        const ep = joinPointer(at, i);
        const lines = Object.entries(entry).flatMap(([ek, ev]) => {
          const lp = joinPointer(ep, ek);
          if (ek === 'layers' && Array.isArray(ev) && ev.length) return [`${scalar(ek)}:`, ...ev.map((l, j) => `  - ${flow(l, joinPointer(lp, j))}`)];
          return [`${scalar(ek)}: ${flow(ev, lp)}`];
        });
        if (!lines.length) lines.push('{}');
        out.push(...lines.map((l, j) => (j === 0 ? `  - ${l}` : `    ${l}`)));
      });
      afterSection = true;
    } else if (key === 'blocks' && isObj(v) && Object.keys(v).length && Object.values(v).every(isObj)) {
      // One block per entry: its keys on their own lines, its layers one flow mapping each.
      section();
      out.push(`${k}:`);
      for (const [name, def] of Object.entries(v as Record<string, Obj>)) {
        const bp = joinPointer(at, name);
        out.push(`  ${scalar(name)}:`);
        for (const [dk, dv] of Object.entries(def)) {
          const dp = joinPointer(bp, dk);
          if (dk === 'layers' && Array.isArray(dv) && dv.length) out.push(`    ${scalar(dk)}:`, ...dv.map((l, j) => `      - ${flow(l, joinPointer(dp, j))}`));
          else out.push(`    ${scalar(dk)}: ${flow(dv, dp)}`);
        }
        if (Object.keys(def).length === 0) out[out.length - 1] += ' {}';
      }
      afterSection = true;
    } else if (SECTIONS.has(key) && isObj(v) && Object.keys(v).length) {
      section();
      out.push(`${k}:`, ...Object.entries(v).map(([ek, ev]) => `  ${scalar(ek)}: ${flow(ev, joinPointer(at, ek))}`));
      afterSection = true;
    } else {
      if (afterSection) section();
      out.push(`${k}: ${flow(v, at)}`);
      afterSection = false;
    }
  }
  return out.join('\n') + '\n';
}

/** YAML 1.2 core-schema numbers (what the frontend reads as a number). */
const YAML_NUMBER = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const RESERVED = /^(true|false|null|y|n|yes|no|on|off|~)$/i;
const cache = new Map<string, string>();

/** One scalar, safe in flow context. */
function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (v === Infinity) return '.inf';
    if (v === -Infinity) return '-.inf';
    return Object.is(v, -0) ? '-0' : String(v);
  }
  // Fast path for the common names and keywords; the rest asks the yaml library.
  if (PLAIN.test(v) && !RESERVED.test(v)) return v;
  // Beyond printable ASCII the library may fold lines or leave characters YAML forbids raw:
  // a JSON string is a valid YAML double-quoted scalar, so write that, escaping the rest.
  if (/[^\x20-\x7e]/.test(v)) return JSON.stringify(v).replace(/[\x7f-\x9f\u2028\u2029\ufeff\ufffd-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  let s = cache.get(v);
  if (s === undefined) {
    const doc = new Document([v]);
    (doc.contents as YAMLSeq).flow = true;
    s = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trim().slice(1, -1);
    cache.set(v, s);
  }
  return s;
}
