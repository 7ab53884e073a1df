/**
 * Writing Python source from TypeScript values: literals (numbers, strings, lists, dicts with
 * snake_case keys) and identifiers made from spec names.
 */

/** A JS number as a Python literal (integers stay integers; infinities become float("inf")). */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'float("nan")';
  if (!Number.isFinite(n)) return n > 0 ? 'float("inf")' : '-float("inf")';
  return String(n);
}

/** A float literal: always with a decimal point or exponent, so Python reads a float. */
export function pyFloat(n: number): string {
  const s = pyNumber(n);
  return /^-?\d+$/.test(s) ? `${s}.0` : s;
}

export const pyString = (s: string): string => JSON.stringify(s);

/** camelCase -> snake_case, for dict keys read by the Python code. */
export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A JSON-like value as a Python literal; object keys become snake_case. */
export function pyLiteral(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyLiteral(v, indent)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  const inner = indent + '    ';
  return `{\n${entries.map(([k, v]) => `${inner}${pyString(snakeCase(k))}: ${pyLiteral(v, inner)},`).join('\n')}\n${indent}}`;
}

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

/** Python builtins a local variable should not shadow (a layer called `sum` or `max`). */
export const PY_BUILTINS =
  'abs all any bool dict dir divmod enumerate filter float format hash id input int iter len list map max min next object open pow print range repr round set slice sorted str sum super tuple type vars zip'.split(' ');

/** nn.Module attributes a submodule must not shadow. */
const MODULE_ATTRIBUTES = new Set(
  'training train eval forward parameters buffers children modules named_parameters named_buffers named_children named_modules state_dict load_state_dict to cpu cuda float double half apply zero_grad register_buffer register_parameter add_module get_submodule requires_grad_ type extra_repr dump_patches call_super_init predict'.split(' '),
);

/**
 * Unique Python identifiers for spec names: `conv1` stays `conv1`; `stage2.block1.conv1`
 * becomes `stage2_block1_conv1`; keywords and nn.Module attributes get a trailing `_`.
 */
export class Identifiers {
  private readonly used = new Set<string>();
  private readonly byName = new Map<string, string>();
  private readonly reserved: Set<string>;

  /** `reserved`: names taken already (a name equal to one gets a trailing `_`). */
  constructor(reserved: string[] = []) {
    this.reserved = new Set(reserved);
  }

  get(name: string): string {
    const known = this.byName.get(name);
    if (known) return known;
    let id = name.replace(/[^A-Za-z0-9_]/g, '_');
    if (/^[0-9]/.test(id)) id = `_${id}`;
    if (PY_KEYWORDS.has(id) || MODULE_ATTRIBUTES.has(id) || this.reserved.has(id)) id = `${id}_`;
    let unique = id;
    for (let n = 2; this.used.has(unique) || this.reserved.has(unique); n++) unique = `${id}_${n}`;
    this.used.add(unique);
    this.byName.set(name, unique);
    return unique;
  }
}

/** A class name from a model name: `fmnist-alexnet` -> `FmnistAlexnet`. */
export function className(model: string): string {
  const words = model.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z]/.test(name) ? name : `Model${name}`;
}
