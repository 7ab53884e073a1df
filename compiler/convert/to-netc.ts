/**
 * JSON spec value -> canonical .netc text: the inverse of
 * compiler/dsl/build-document.ts (parse(toNetc(v)) deep-equals v for every
 * value the schema allows; test/dsl/roundtrip.test.ts checks it on generated
 * specs). Printing goes through a list of lines that carry the JSON pointers
 * they stand for, so `netc fmt` can put comments back (layout.ts renders).
 */
import { joinPointer, type JsonValue } from '../frontend/document.js';
import {
  childContext, COUNT_FIELD, formatNumber, HEAD_RULES, isBareValue, isBareWord, isCallText, isNumberText, isSizeInt, LIST_KEYS, SIZE_FIELD,
  type Context,
} from '../dsl/spelling.js';
import { renderLines, type Comments, type Line } from './layout.js';

type Obj = { [key: string]: JsonValue };

const isObj = (v: JsonValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: JsonValue): boolean => v === null || typeof v !== 'object';

/**
 * How the source spelled the number at a pointer (`1e-4` rather than
 * `0.0001`), so fmt and convert keep it; undefined prints the canonical form.
 */
export type NumberSpelling = (pointer: string) => string | undefined;

export interface NetcPrintOptions {
  comments?: Comments;
  numbers?: NumberSpelling;
}

/** The canonical .netc text of a spec value. */
export function toNetc(value: JsonValue, options: NetcPrintOptions = {}): string {
  return renderLines(new NetcPrinter(options.numbers).lines(value), options.comments);
}

/** A name, key or head: bare when it can be, else quoted. */
export function printHead(s: string): string {
  return isBareWord(s) ? s : quote(s);
}

/** JSON string syntax; U+FFFD escaped because the source check reads it as broken UTF-8. */
export function quote(s: string): string {
  return JSON.stringify(s).replace(/\ufffd/g, '\\ufffd');
}

class NetcPrinter {
  private readonly out: Line[] = [];

  constructor(private readonly spell?: NumberSpelling) {}

  /** The lines of a spec, before comments: one statement each, blocks opened and closed. */
  lines(value: JsonValue): Line[] {
    const lines = this.out;
    if (!isObj(value)) {
      // Not a spec at all (the schema will say so); keep the data.
      lines.push({ depth: 0, kind: 'stmt', text: `value ${this.value(value, '/value')}`, ids: ['/value'] });
      return lines;
    }
    const modelLine = typeof value.name === 'string' && (value.description === undefined || typeof value.description === 'string');
    for (const key of Object.keys(value)) {
      const v = value[key]!;
      if (modelLine && key === 'description') continue;
      if (modelLine && key === 'name') {
        const desc = value.description;
        const ids = desc === undefined ? ['/name'] : ['/name', '/description'];
        lines.push({ depth: 0, kind: 'stmt', text: `model ${printHead(value.name as string)}${desc === undefined ? '' : ' ' + quote(desc as string)}`, ids });
        continue;
      }
      if (key === 'insert' && Array.isArray(v) && v.length && v.every(isObj)) {
        v.forEach((entry, i) => this.insert(entry as Obj, joinPointer('/insert', i)));
        continue;
      }
      this.statement('top', key, v, joinPointer('', key), 0);
    }
    // A blank line around each top-level block: sections read as sections.
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      const prev = lines[i - 1];
      if (l.depth === 0 && (l.kind === 'open' || (prev?.kind === 'close' && prev.depth === 0))) l.blank = true;
    }
    return lines;
  }

  /** One `key ...` statement (and its block, if it has one) at `depth`. */
  private statement(context: Context, key: string, v: JsonValue, at: string, depth: number): void {
    const head = printHead(key);
    const stmt = (text: string): void => {
      this.out.push({ depth, kind: 'stmt', text: `${head}${text ? ' ' + text : ''}`, ids: [at] });
    };
    const block = (fill: () => void): void => this.block(depth, head, at, fill);

    if (context === 'top') {
      if (key === 'input' && isObj(v) && Object.keys(v).length) return stmt(this.input(v, at));
      if (key === 'layers' && Array.isArray(v) && v.every(isObj)) return block(() => this.layers(v as Obj[], at, depth + 1));
      if (key === 'modify' && isObj(v) && Object.values(v).every(isObj)) {
        return block(() => {
          for (const [name, attrs] of Object.entries(v)) {
            const p = joinPointer(at, name);
            this.out.push({ depth: depth + 1, kind: 'stmt', text: [printHead(name), ...this.named(attrs as Obj, p)].join(' '), ids: [p] });
          }
        });
      }
      if (key === 'blocks' && isObj(v) && Object.values(v).every((b) => isObj(b) && Array.isArray(b.layers) && b.layers.every(isObj))) {
        return block(() => {
          for (const [name, def] of Object.entries(v as Record<string, Obj>)) {
            const p = joinPointer(at, name);
            const head = [printHead(name), ...this.named(def, p, new Set(['layers']))].join(' ');
            this.block(depth + 1, head, p, () => this.layers(def.layers as Obj[], joinPointer(p, 'layers'), depth + 2));
          }
        });
      }
      if ((key === 'train' || key === 'data') && isObj(v)) {
        const inner = childContext(context, key);
        return block(() => {
          for (const [k, x] of Object.entries(v)) this.statement(inner, k, x, joinPointer(at, k), depth + 1);
        });
      }
    }
    const rule = HEAD_RULES[context][key];
    if (rule && isObj(v) && typeof v[rule.field] === 'string') {
      const rest = this.named(v, at, new Set([rule.field]));
      // The kind is a value (`true` would be the boolean), so it is quoted where a value would be.
      const kind = v[rule.field] as string;
      if (rest.length || rule.alone === 'object') return stmt([isBareValue(kind) ? kind : quote(kind), ...rest].join(' '));
      // `dataset cifar10` is the string form: the object needs its key spelled out.
      return stmt(this.named(v, at).join(' '));
    }
    if (LIST_KEYS[context].has(key) && Array.isArray(v)) {
      if (v.length && v.every(isScalar)) return stmt(v.map((x, i) => this.value(x, joinPointer(at, i))).join(' '));
      return stmt(this.value(v, at));
    }
    if (isObj(v)) return stmt(Object.keys(v).length ? this.named(v, at).join(' ') : '{}');
    stmt(this.value(v, at));
  }

  /** `input 227x227x3 dtype=float32` */
  private input(v: Obj, at: string): string {
    const shape = v.shape;
    const words: string[] = [];
    if (Array.isArray(shape)) {
      if (shape.length >= 2 && shape.every(isSizeInt)) words.push(shape.join('x'));
      else if (shape.length === 1 && typeof shape[0] === 'number') words.push(this.number(shape[0], joinPointer(at, 'shape/0')));
      else words.push(this.value(shape, joinPointer(at, 'shape')));
    }
    words.push(...this.named(v, at, new Set(words.length ? ['shape'] : [])));
    return words.join(' ');
  }

  /** One line per layer, name and type in columns so the block reads like the paper's table. */
  private layers(layers: readonly Obj[], at: string, depth: number): void {
    const parts = layers.map((l, i) => this.layerParts(l, joinPointer(at, i)));
    // Columns as wide as their widest cell, up to a limit (one long name should not push every line).
    const column = (cells: (string | undefined)[]) => Math.min(16, Math.max(0, ...cells.map((c) => c?.length ?? 0)));
    const nameWidth = column(parts.map((p) => p.name));
    const typeWidth = column(parts.map((p) => (p.rest ? p.type : undefined)));
    parts.forEach((p, i) => {
      let text = p.rest;
      if (p.type !== undefined) {
        const typed = p.rest ? `${p.type.padEnd(typeWidth)} ${p.rest}` : p.type;
        text = nameWidth ? `${(p.name ?? '').padEnd(nameWidth)} ${typed}` : typed;
      }
      this.out.push({ depth, kind: 'stmt', text, ids: [joinPointer(at, i)] });
    });
  }

  /** A layer as columns: name, type, and the rest (`96 11x11/4 act=relu`). */
  private layerParts(layer: Obj, at: string): { name?: string; type?: string; rest: string } {
    const type = typeof layer.type === 'string' ? layer.type : undefined;
    const used = new Set<string>();
    const words: string[] = [];
    let name: string | undefined;
    if (type !== undefined) {
      if (typeof layer.name === 'string') {
        name = layerHead(layer.name);
        used.add('name');
      }
      used.add('type');
      const count = COUNT_FIELD[type];
      if (count && typeof layer[count] === 'number') {
        words.push(this.number(layer[count] as number, joinPointer(at, count)));
        used.add(count);
      } else if (count && typeof layer[count] === 'string' && isParamRef(layer[count] as string)) {
        // `conv1 conv $filters 3x3`: a block parameter in the count's place.
        words.push(layer[count] as string);
        used.add(count);
      }
      const sizeField = SIZE_FIELD[type];
      const size = sizeField === undefined ? undefined : sizeText(layer[sizeField]);
      if (sizeField && size !== undefined) {
        used.add(sizeField);
        const stride = isSizeInt(layer.stride) ? String(layer.stride) : sizeText(layer.stride);
        if (stride !== undefined) used.add('stride');
        words.push(stride === undefined ? size : `${size}/${stride}`);
      }
    }
    words.push(...this.named(layer, at, used));
    const rest = words.join(' ');
    if (type === undefined) return { rest };
    return { ...(name !== undefined ? { name } : {}), type: layerHead(type), rest };
  }

  /** `insert after conv1 { ... }`: one statement per entry. */
  private insert(entry: Obj, at: string): void {
    const words = ['insert'];
    const used = new Set<string>();
    for (const k of ['before', 'after']) {
      if (typeof entry[k] === 'string') {
        words.push(k, printHead(entry[k] as string));
        used.add(k);
      }
    }
    const layers = entry.layers;
    const asBlock = Array.isArray(layers) && layers.every(isObj);
    if (asBlock) used.add('layers');
    words.push(...this.named(entry, at, used));
    if (!asBlock) {
      this.out.push({ depth: 0, kind: 'stmt', text: words.join(' '), ids: [at] });
      return;
    }
    this.block(0, words.join(' '), at, () => this.layers(layers as Obj[], joinPointer(at, 'layers'), 1));
  }

  /** `head {`, the lines `fill` adds, `}` (layout.ts writes an empty block as `head {}`). */
  private block(depth: number, head: string, at: string, fill: () => void): void {
    this.out.push({ depth, kind: 'open', text: `${head} {`, ids: [at] });
    fill();
    this.out.push({ depth, kind: 'close', text: '}', ids: [], blockId: at });
  }

  /** `key=value` for each entry not already printed another way. */
  private named(obj: Obj, at: string, skip: ReadonlySet<string> = new Set()): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(obj)) if (!skip.has(k)) out.push(`${printHead(k)}=${this.value(v, joinPointer(at, k))}`);
    return out;
  }

  /** A value in .netc: bare words, calls, numbers, `[lists]` and `{maps}`. */
  private value(v: JsonValue, at: string): string {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') return this.number(v, at);
    if (typeof v === 'string') return isBareValue(v) || isCallText(v) ? v : quote(v);
    if (Array.isArray(v)) return `[${v.map((x, i) => this.value(x, joinPointer(at, i))).join(', ')}]`;
    return `{${this.named(v, at).join(' ')}}`;
  }

  private number(n: number, at: string): string {
    const text = this.spell?.(at);
    // The source's spelling only where it is a .netc number that reads back to the same value.
    if (text !== undefined && isNumberText(text) && Object.is(Number(text), n)) return text;
    return formatNumber(n);
  }
}

/** A layer's name or type: a bare `$word` there would read as a block parameter (the count). */
function layerHead(s: string): string {
  return s.startsWith('$') ? quote(s) : printHead(s);
}

/** `$filters`: a block parameter, printed bare where a count goes. */
function isParamRef(s: string): boolean {
  return s.startsWith('$') && isBareValue(s);
}

/** `11` -> `11x11`, [3, 5] -> `3x5`; a square pair stays a list (it is a different value). */
function sizeText(v: JsonValue | undefined): string | undefined {
  if (isSizeInt(v)) return `${v}x${v}`;
  if (Array.isArray(v) && v.length === 2 && isSizeInt(v[0]) && isSizeInt(v[1]) && v[0] !== v[1]) return `${v[0]}x${v[1]}`;
  return undefined;
}
