/**
 * The spelling rules the .netc parser and printer share, so that what one
 * writes the other reads back to the same JSON value: which strings may stay
 * bare, how numbers and initializer calls are written, and which layer fields
 * have a positional (table-like) form.
 */
import { LAYER_KINDS } from '../ops/index.js';

/** A bare word: names, enum values, keys, paths (`data/mnist`). `$` opens `$schema`. */
export const WORD_PATTERN = /[A-Za-z_$][A-Za-z0-9_.\/-]*/;
const WORD_ONLY = new RegExp(`^${WORD_PATTERN.source}$`);
/** The JSON number grammar, loosened a little (`1.`, `.5`): what the lexer takes as a number. */
export const NUMBER_PATTERN = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;
const NUMBER_ONLY = new RegExp(`^${NUMBER_PATTERN.source}$`);
const CALL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Bare words that are values, not strings. */
export const KEYWORD_VALUES: Readonly<Record<string, boolean | null>> = { true: true, false: false, null: null };

/** Can this string be written as a bare word in a key or name position? */
export function isBareWord(s: string): boolean {
  return WORD_ONLY.test(s);
}

/** Can this string be written as a bare word in a value position (where `true` is a boolean)? */
export function isBareValue(s: string): boolean {
  return WORD_ONLY.test(s) && !(s in KEYWORD_VALUES);
}

export function isNumberText(s: string): boolean {
  return NUMBER_ONLY.test(s);
}

/** One argument of an initializer call: `0.01` or `std=0.01`, as written. */
export interface CallArg {
  name?: string;
  text: string;
}

/**
 * The string a call such as `normal(0,  0.01)` stands for: the YAML form
 * writes initializers as strings ("normal(0, 0.01)"), so a call is that
 * string, normalised to one space after each comma.
 */
export function callText(fn: string, args: readonly CallArg[]): string {
  return `${fn}(${args.map((a) => (a.name === undefined ? a.text : `${a.name}=${a.text}`)).join(', ')})`;
}

/** Is the string exactly what `callText` makes of some call (so it can be written bare)? */
export function isCallText(s: string): boolean {
  const open = s.indexOf('(');
  if (open <= 0 || !s.endsWith(')') || !CALL_NAME.test(s.slice(0, open))) return false;
  const inner = s.slice(open + 1, -1);
  if (inner === '') return true;
  return inner.split(', ').every((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return isNumberText(part);
    return CALL_NAME.test(part.slice(0, eq)) && isNumberText(part.slice(eq + 1));
  });
}

/** A number as .netc writes it; reads back (Number()) to the same value, -0 and infinities included. */
export function formatNumber(n: number): string {
  if (Object.is(n, -0)) return '-0';
  // 1e999 overflows to Infinity when read: the one spelling of it a number token has.
  if (n === Infinity) return '1e999';
  if (n === -Infinity) return '-1e999';
  return String(n);
}

/** A non-negative safe integer that a `227x227x3` size can spell. */
export function isSizeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0);
}

/** The layer field a bare number fills, by layer type: `conv 96`, `dense 4096` (each kind says, compiler/ops). */
export const COUNT_FIELD: Readonly<Record<string, string>> = spellingTable('count');
/** The layer field a `KxK/S` size fills (the stride goes to `stride`). */
export const SIZE_FIELD: Readonly<Record<string, string>> = spellingTable('size');

function spellingTable(which: 'count' | 'size'): Record<string, string> {
  const table: Record<string, string> = {};
  for (const kind of LAYER_KINDS) {
    const field = kind.spelling?.[which];
    if (field) for (const type of Object.keys(kind.types)) table[type] = field;
  }
  return table;
}

/**
 * Statements whose first value names the object's kind: `optimizer sgd lr=0.01`
 * is { type: sgd, lr: 0.01 }. `alone` says what the head means with no
 * `key=value` after it: still an object ({ type: sgd }), or the bare value
 * (`dataset cifar10` is the string form the schema also allows).
 */
export interface HeadRule {
  field: string;
  alone: 'object' | 'value';
}

export type Context = 'top' | 'train' | 'data' | 'other';

export const HEAD_RULES: Readonly<Record<Context, Readonly<Record<string, HeadRule>>>> = {
  top: {},
  train: { optimizer: { field: 'type', alone: 'object' }, schedule: { field: 'type', alone: 'object' } },
  data: { dataset: { field: 'kind', alone: 'value' } },
  other: {},
};

/** Statements whose values always make a list, even just one: `metrics loss`. */
export const LIST_KEYS: Readonly<Record<Context, ReadonlySet<string>>> = {
  top: new Set(['remove']),
  train: new Set(['metrics']),
  data: new Set(),
  other: new Set(),
};

/** The context a block statement's children are read in. */
export function childContext(context: Context, key: string): Context {
  if (context === 'top' && (key === 'train' || key === 'data')) return key;
  return 'other';
}
