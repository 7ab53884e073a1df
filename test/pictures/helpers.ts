/** Shared helpers for the picture tests: a tiny XML well-formedness checker, temp run dirs, CLI capture. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFile } from '../../compiler/compile.js';
import type { Plan } from '../../plan/types.js';
import type { EpochMetrics } from '../../runtime/train/events.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_][\w.:-]*/y;

/**
 * Parses XML strictly enough to catch what a hand-written SVG gets wrong:
 * unbalanced or misnested tags, unquoted or repeated attributes, a raw `<`
 * or an `&` that does not start an entity. Throws with the offset otherwise.
 */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at ${i}: ${why} near ${JSON.stringify(src.slice(Math.max(0, i - 30), i + 30))}`);
  };
  const checkText = (t: string) => {
    if (t.includes(']]>')) fail('`]]>` in text');
    for (const m of t.matchAll(/&/g)) {
      if (!/^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/.test(t.slice(m.index))) fail('bare `&`');
    }
  };
  const skipWs = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const t = src.slice(i, lt < 0 ? src.length : lt);
    checkText(t);
    if (stack.length === 0 && t.trim() !== '') fail('text outside the root element');
    if (stack.length > 0) stack[stack.length - 1]!.text += t;
    if (lt < 0) break;
    i = lt;
    if (src.startsWith('<!--', i)) {
      const end = src.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
      continue;
    }
    if (src.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipWs();
      if (src[i] !== '>') fail('expected `>`');
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`closing </${name}> does not match <${open?.name ?? 'nothing'}>`);
      continue;
    }
    i++;
    const parent = stack[stack.length - 1];
    const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
    let open = false;
    for (;;) {
      const before = i;
      skipWs();
      if (src.startsWith('/>', i)) {
        i += 2;
        break;
      }
      if (src[i] === '>') {
        i++;
        open = true;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const key = readName();
      if (key in el.attrs) fail(`repeated attribute ${key}`);
      if (src[i] !== '=') fail('expected `=`');
      i++;
      const q = src[i];
      if (q !== '"' && q !== "'") fail('unquoted attribute value');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute value');
      const value = src.slice(i + 1, end);
      if (value.includes('<')) fail('`<` in an attribute value');
      checkText(value);
      el.attrs[key] = value;
      i = end + 1;
    }
    if (parent) parent.children.push(el);
    else if (root) fail('a second root element');
    else root = el;
    if (open) stack.push(el);
  }
  if (stack.length > 0) fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) return fail('no root element');
  return root;
}

/** Every element below `root` (depth first), optionally only those with the class. */
export function findAll(root: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (pred(e)) out.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return out;
}

export const byClass = (cls: string) => (e: XmlElement) => (e.attrs.class ?? '').split(' ').includes(cls);

export function compiledPlan(path: string): Plan {
  const r = compileFile(path);
  if (!r.plan) throw new Error(`${path} does not compile`);
  return r.plan;
}

const made: string[] = [];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netc-pictures-'));
  made.push(dir);
  return dir;
}

/** Removes the folders tempDir() made (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Hand-made epoch records: loss and errors falling, the rate cut after the given epochs. */
export function fakeMetrics(epochs: number, reducedAfter: number[] = [], withValidation = true): EpochMetrics[] {
  let lr = 0.01;
  const out: EpochMetrics[] = [];
  for (let e = 0; e < epochs; e++) {
    const f = Math.exp(-e / 10);
    const reduced = reducedAfter.includes(e);
    out.push({
      epoch: e, lr, train_loss: 0.5 + 6 * f, train_top1_error: 0.2 + 0.75 * f,
      val_loss: withValidation ? 0.8 + 6 * f : null, val_top1_error: withValidation ? 0.35 + 0.6 * f : null, val_top5_error: null,
      images_per_sec: 1000, seconds: 12.5, lr_reduced: reduced,
    });
    if (reduced) lr /= 10;
  }
  return out;
}

export function writeRun(dir: string, plan: Plan | null, metrics: EpochMetrics[] | null): void {
  if (plan) writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');
  if (metrics) writeFileSync(join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m) + '\n').join(''));
}

export const unescapeXml = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The text of every <text> element, unescaped. */
export const texts = (root: XmlElement) => findAll(root, (e) => e.name === 'text').map((e) => unescapeXml(e.text));
