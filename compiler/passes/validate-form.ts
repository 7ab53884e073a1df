/**
 * Pass 1: the form of the spec, checked by ajv against spec-schema.ts. ajv's
 * raw errors are many and low-level (an `anyOf` miss yields one error per
 * branch); this pass turns them into one diagnostic per cause, at the exact
 * text, with a "did you mean" where a key or type is misspelt.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { isInstanceLayer, spanAt, valueAt, type JsonValue, type SpecDocument } from '../frontend/document.js';
import { validateSpec } from '../schema/generated/validators.js';
import { LAYER_TYPES, SPEC_VERSION } from '../schema/spec-schema.js';
import { closestMatch, didYouMean, listChoices } from '../text/suggest.js';

type Schema = Record<string, unknown>;

/** The ajv validator compiled ahead of time (compiler/schema/generate-validators.ts). */
interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}
const getValidator = (): Validator => validateSpec as Validator;

/** JSON Schema cannot say "finite": YAML's .inf/.nan and 1e400 are found here. */
function reportNonFinite(doc: SpecDocument, sink: DiagnosticSink): boolean {
  let ok = true;
  const walk = (v: JsonValue, pointer: string) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      sink.report('NETC2006', spanAt(doc, pointer), { key: keyOf(pointer), bound: 'a finite number', found: String(v) });
      ok = false;
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${pointer}/${i}`));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(doc.value, '');
  return ok;
}

export function validateForm(doc: SpecDocument, sink: DiagnosticSink): boolean {
  const validate = getValidator();
  const finite = reportNonFinite(doc, sink);
  if (validate(doc.value)) return finite;
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  reportErrors(doc, errors, sink);
  return false;
}

/**
 * The layers of block instances, after expansion: a block's layers hold
 * `$param` values, so their form can only be checked once the arguments are
 * in. Errors point at the block's text (and, through the span, at the use).
 */
export function validateExpandedLayers(doc: SpecDocument, sink: DiagnosticSink): boolean {
  const layers = (doc.value as Record<string, JsonValue>).layers;
  if (!Array.isArray(layers)) return true;
  // Only instance layers are unchecked: their spans come through a use (`via`).
  const unchecked = layers.flatMap((_, k) => (isInstanceLayer(doc, `/layers/${k}`) ? [k] : []));
  if (unchecked.length === 0) return true;
  // The spec validator checks them, as the layers of a minimal spec (they are all of a layer kind by now).
  const validate = getValidator();
  if (validate({ netc: SPEC_VERSION, name: 'blocks', input: { shape: [1] }, layers: unchecked.map((k) => layers[k]!) })) return true;
  const errors = (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map((e) => ({ ...e, instancePath: e.instancePath.replace(/^\/layers\/(\d+)/, (_m, i: string) => `/layers/${unchecked[Number(i)]}`) }));
  reportErrors(doc, errors, sink);
  return false;
}

function jsonType(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function showValue(v: JsonValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (v === null) return 'null (an empty value)';
  const t = jsonType(v);
  if (t === 'array' || t === 'object') return `a${t === 'array' ? 'n' : 'n'} ${t}`;
  return `\`${JSON.stringify(v)}\``;
}

/** Human words for what a schema accepts. */
export function describeSchema(s: Schema): string {
  if (Array.isArray(s.anyOf)) return (s.anyOf as Schema[]).map(describeSchema).join(' or ');
  if (Array.isArray(s.enum)) return listChoices(s.enum as string[]);
  if ('const' in s) return `\`${String(s.const)}\``;
  if (s.type === 'integer') return typeof s.minimum === 'number' ? `an integer >= ${s.minimum}` : 'an integer';
  if (s.type === 'number') return 'a number';
  if (s.type === 'string') return 'a string';
  if (s.type === 'boolean') return '`true` or `false`';
  if (s.type === 'object') return 'a mapping';
  if (s.type === 'array') {
    const n = s.minItems === s.maxItems && typeof s.minItems === 'number' ? `${s.minItems} ` : '';
    const item = s.items ? describeSchema(s.items as Schema) : 'a value';
    // "an integer >= 1" -> "integers >= 1"
    const plural = item.replace(/^an? (integer|number|string|mapping|value)/, '$1s');
    return `a list of ${n}${plural}`;
  }
  return 'a valid value';
}

/** Names the thing at a pointer in words: layer `conv2`, `train.optimizer`, the spec. */
export function describePlace(root: JsonValue, pointer: string): string {
  const m = /^\/layers\/(\d+)$/.exec(pointer);
  if (m) {
    const layer = valueAt(root, pointer) as Record<string, JsonValue> | undefined;
    const name = layer && typeof layer.name === 'string' ? layer.name : `#${Number(m[1]) + 1}`;
    return `layer \`${name}\``;
  }
  if (pointer === '') return 'the spec';
  return `\`${pointer.slice(1).replace(/\//g, '.')}\``;
}

function keyOf(pointer: string): string {
  const seg = pointer.slice(pointer.lastIndexOf('/') + 1);
  const parts = pointer.split('/');
  // A list item is named by its list: `kernel[1]`.
  if (/^\d+$/.test(seg) && parts.length >= 3) return `${parts[parts.length - 2]}[${seg}]`;
  return seg || 'spec';
}

function reportErrors(doc: SpecDocument, errors: ErrorObject[], sink: DiagnosticSink): void {
  const root = doc.value;
  // anyOf: one diagnostic for the whole alternative, unless exactly one branch
  // has the value's type and fails only deeper down (then its errors say more).
  const anyOfPaths = new Map<string, ErrorObject>();
  for (const e of errors) if (e.keyword === 'anyOf') anyOfPaths.set(e.instancePath, e);
  const consumed = new Set<ErrorObject>();
  for (const [path, e] of anyOfPaths) {
    const value = valueAt(root, path);
    const branches = (e.schema as Schema[]) ?? [];
    const vt = jsonType(value);
    const matching = branches.filter((b) => b.type === vt || (b.type === 'number' && vt === 'integer'));
    const inner = errors.filter((x) => x !== e && x.schemaPath.startsWith(e.schemaPath.replace(/\/anyOf$/, '/anyOf/')));
    const deeper = inner.filter((x) => x.instancePath !== path);
    inner.forEach((x) => consumed.add(x));
    consumed.add(e);
    // Exactly one alternative has the value's type: its own complaint (a range, an item) says more.
    if (matching.length === 1) {
      const branchIndex = branches.indexOf(matching[0]!);
      const prefix = `${e.schemaPath}/${branchIndex}/`;
      const own = inner.filter((x) => x.schemaPath.startsWith(prefix) && x.keyword !== 'type');
      if (own.length > 0) {
        own.forEach((x) => consumed.delete(x));
        continue;
      }
    }
    const parent = e.parentSchema as Schema;
    const description = typeof parent.description === 'string' ? parent.description : undefined;
    sink.report('NETC2002', spanAt(doc, path), { key: keyOf(path), expected: describeSchema(parent), found: showValue(value) }, description ? { hint: description } : {});
  }
  // A misspelt required key is one mistake: the unknown key's "did you mean" covers the missing one.
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    const allowed = Object.keys(((e.parentSchema as Schema)?.properties as Schema) ?? {});
    const meant = closestMatch(extra, allowed);
    for (const r of errors) {
      if (r.keyword === 'required' && r.instancePath === e.instancePath && (r.params as { missingProperty: string }).missingProperty === meant) consumed.add(r);
    }
  }
  // The same problem can come back through several schema paths: report it once.
  const seen = new Set<string>();
  for (const e of errors) {
    if (consumed.has(e) || e.keyword === 'anyOf' || e.keyword === 'allOf') continue;
    const id = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    reportOne(doc, e, sink);
  }
}

function reportOne(doc: SpecDocument, e: ErrorObject, sink: DiagnosticSink): void {
  const root = doc.value;
  const path = e.instancePath;
  const value = valueAt(root, path);
  const key = keyOf(path);
  const parent = (e.parentSchema ?? {}) as Schema;
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((parent.properties as Schema) ?? {});
      const ptr = `${path}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const layerType = /^\/layers\/\d+$/.test(path) ? (valueAt(root, `${path}/type`) as string) : undefined;
      const where = layerType ? `${describePlace(root, path)} (${layerType})` : describePlace(root, path);
      const hint = didYouMean(extra, allowed) ?? `allowed keys: ${allowed.filter((k) => k !== 'comment').join(', ')}`;
      sink.report('NETC2001', spanAt(doc, ptr, 'key'), { key: extra, where }, { hint });
      return;
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const prop = ((parent.properties as Schema) ?? {})[missing] as Schema | undefined;
      const hint = prop?.description ? `add \`${missing}\`: ${String(prop.description)}` : `add \`${missing}\``;
      sink.report('NETC2003', spanAt(doc, path), { where: describePlace(root, path), key: missing }, { hint });
      return;
    }
    case 'type':
      sink.report('NETC2002', spanAt(doc, path), { key, expected: describeSchema(parent), found: showValue(value) }, typeof parent.description === 'string' ? { hint: parent.description } : {});
      return;
    case 'enum': {
      const allowed = (e.params as { allowedValues: string[] }).allowedValues;
      if (/^\/layers\/\d+\/type$/.test(path)) {
        const hint = (typeof value === 'string' && didYouMean(value, LAYER_TYPES)) || `layer types: ${LAYER_TYPES.join(', ')}`;
        sink.report('NETC2005', spanAt(doc, path), { type: String(value) }, { hint });
        return;
      }
      const hint = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : undefined;
      sink.report('NETC2004', spanAt(doc, path), { key, allowed: listChoices(allowed), found: showValue(value) }, hint ? { hint } : {});
      return;
    }
    case 'const':
      if (path === '/netc') {
        sink.report('NETC2008', spanAt(doc, path), { supported: SPEC_VERSION, found: JSON.stringify(value) }, { hint: `write \`netc: ${SPEC_VERSION}\`` });
      } else {
        sink.report('NETC2004', spanAt(doc, path), { key, allowed: `\`${String((e.params as { allowedValue: unknown }).allowedValue)}\``, found: showValue(value) });
      }
      return;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const p = e.params as { comparison: string; limit: number };
      sink.report('NETC2006', spanAt(doc, path), { key, bound: `${p.comparison} ${p.limit}`, found: showValue(value) });
      return;
    }
    case 'pattern':
      if (path.endsWith('/act')) {
        sink.report('NETC2010', spanAt(doc, path), { text: String(value), detail: 'not a known activation' }, { hint: didYouMean(String(value), ['relu', 'tanh', 'sigmoid', 'linear', 'leaky_relu']) ?? 'use relu, tanh, sigmoid, linear, leaky_relu or leaky_relu(0.2)' });
      } else {
        sink.report('NETC2009', spanAt(doc, path), { key, detail: `has the wrong form (${showValue(value)})` }, { hint: 'names start with a letter or _ and hold letters, digits, _, . and -' });
      }
      return;
    case 'minItems':
    case 'maxItems': {
      const n = (e.params as { limit: number }).limit;
      sink.report('NETC2009', spanAt(doc, path), { key, detail: `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${n} item${n === 1 ? '' : 's'}` });
      return;
    }
    case 'uniqueItems':
      sink.report('NETC2009', spanAt(doc, path), { key, detail: 'lists the same item twice' });
      return;
    default:
      sink.report('NETC2009', spanAt(doc, path), { key, detail: e.message ?? 'is not valid' });
  }
}
