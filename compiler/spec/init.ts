/**
 * Initializer and activation expressions: `normal(0, 0.01)`, `1`, `he_normal`,
 * `leaky_relu(0.2)`. A tiny hand-written reader: the grammar is one call with
 * numeric arguments, and errors must say exactly what is wrong.
 */
import type { Activation, InitSpec } from './types.js';
import type { ResolvedInit } from '../../plan/types.js';

type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string; hint?: string };

const INIT_ARITY: Record<string, number> = {
  normal: 2,
  truncated_normal: 2,
  uniform: 2,
  constant: 1,
  zeros: 0,
  ones: 0,
  glorot_uniform: 0,
  glorot_normal: 0,
  he_normal: 0,
  he_uniform: 0,
};
export const INIT_NAMES = Object.keys(INIT_ARITY);

function parseCall(text: string): Parsed<{ fn: string; args: number[] }> {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$/.exec(text);
  if (!m) return { ok: false, detail: 'expected a name such as `normal(0, 0.01)`' };
  const fn = m[1]!;
  const argText = m[2];
  if (argText === undefined || argText.trim() === '') return { ok: true, value: { fn, args: [] } };
  const args: number[] = [];
  for (const part of argText.split(',')) {
    const t = part.trim().replace(/^(mean|std|low|high|value|slope)\s*=\s*/, '');
    const v = Number(t);
    if (t === '' || !Number.isFinite(v)) return { ok: false, detail: `\`${part.trim()}\` is not a number` };
    args.push(v);
  }
  return { ok: true, value: { fn, args } };
}

export function parseInit(value: number | string): Parsed<InitSpec> {
  if (typeof value === 'number') return { ok: true, value: { kind: 'constant', value } };
  const call = parseCall(value);
  if (!call.ok) return call;
  const { fn, args } = call.value;
  const arity = INIT_ARITY[fn];
  if (arity === undefined) return { ok: false, detail: `unknown initializer \`${fn}\``, hint: `initializers: ${INIT_NAMES.join(', ')}` };
  if (args.length !== arity) {
    return { ok: false, detail: `\`${fn}\` takes ${arity} argument${arity === 1 ? '' : 's'}, found ${args.length}`, hint: arity === 2 ? `write \`${fn}(${fn === 'uniform' ? 'low, high' : 'mean, std'})\`` : undefined };
  }
  switch (fn) {
    case 'normal':
    case 'truncated_normal':
      return { ok: true, value: { kind: fn, mean: args[0]!, std: args[1]! } };
    case 'uniform':
      return { ok: true, value: { kind: 'uniform', low: args[0]!, high: args[1]! } };
    case 'constant':
      return { ok: true, value: { kind: 'constant', value: args[0]! } };
    case 'zeros':
      return { ok: true, value: { kind: 'constant', value: 0 } };
    case 'ones':
      return { ok: true, value: { kind: 'constant', value: 1 } };
    default:
      return { ok: true, value: { kind: fn as 'he_normal' } };
  }
}

export function parseActivation(text: string): Parsed<Activation> {
  const call = parseCall(text);
  if (!call.ok) return call;
  const { fn, args } = call.value;
  if (fn === 'leaky_relu') {
    if (args.length > 1) return { ok: false, detail: '`leaky_relu` takes one slope' };
    return { ok: true, value: { fn, slope: args[0] ?? 0.01 } };
  }
  if (fn === 'relu' || fn === 'tanh' || fn === 'sigmoid' || fn === 'linear') {
    if (args.length) return { ok: false, detail: `\`${fn}\` takes no arguments` };
    return { ok: true, value: { fn } };
  }
  return { ok: false, detail: `unknown activation \`${fn}\`` };
}

/** The spelling a spec would use; used by reports, diff and the converters. */
export function formatInit(init: InitSpec | null): string {
  if (init === null) return 'none';
  switch (init.kind) {
    case 'normal':
    case 'truncated_normal':
      return `${init.kind}(${init.mean}, ${init.std})`;
    case 'uniform':
      return `uniform(${init.low}, ${init.high})`;
    case 'constant':
      return String(init.value);
    default:
      return init.kind;
  }
}

export function formatActivation(act: Activation): string {
  return act.fn === 'leaky_relu' ? `leaky_relu(${act.slope})` : act.fn;
}

/** A resolved initializer as the spec would write it (the Glorot/He name where it came from one). */
export function formatResolvedInit(init: ResolvedInit): string {
  if ('from' in init && init.from) return init.from;
  switch (init.kind) {
    case 'uniform':
      return `uniform(${init.low}, ${init.high})`;
    case 'constant':
      return String(init.value);
    default:
      return `${init.kind}(${init.mean}, ${init.std})`;
  }
}
