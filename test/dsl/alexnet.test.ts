/**
 * specs/alexnet.netc is the paper's network in the .netc spelling: it must
 * compile to exactly the plan specs/alexnet.yaml gives, byte for byte.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { convertSpec, formatNetc } from '../../compiler/convert/index.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';
import { parseNetcText, parseYamlText, sameJson } from './helpers.js';

const specs = new URL('../../specs/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, specs), 'utf8');

describe('specs/alexnet.netc', () => {
  const netc = compileSource('specs/alexnet.netc', read('alexnet.netc'));
  const yaml = compileSource('specs/alexnet.yaml', read('alexnet.yaml'));

  test('compiles without diagnostics to the paper\'s 60,965,224 parameters', () => {
    expect(netc.diagnostics).toEqual([]);
    expect(netc.plan?.totals.params).toBe(60_965_224);
  });

  test('gives the same plan bytes as specs/alexnet.yaml', () => {
    expect(yaml.plan).toBeDefined();
    expect(serializePlan(netc.plan!)).toBe(serializePlan(yaml.plan!));
  });

  test('is the same JSON value with spans at the same pointers', () => {
    const n = parseNetcText(read('alexnet.netc')).document!;
    const y = parseYamlText(read('alexnet.yaml')).document!;
    expect(sameJson(n.value, y.value)).toBe(true);
    expect([...n.spans.keys()].sort()).toEqual([...y.spans.keys()].sort());
  });

  test('converting the YAML gives the same layers, numbers spelled as in the source', () => {
    const text = convertSpec('specs/alexnet.yaml', read('alexnet.yaml')).text!;
    const layerLines = (t: string) => t.split('\n').filter((l) => /^ {2}\w+ +(conv|lrn|maxpool|flatten|dense|dropout|softmax)\b/.test(l)).map((l) => l.replace(/ +#.*$/, ''));
    expect(layerLines(text)).toEqual(layerLines(read('alexnet.netc')));
    expect(text).toContain('alpha=1e-4');
  });

  test('is already formatted', () => {
    const text = read('alexnet.netc');
    expect(formatNetc(text).text).toBe(text);
  });
});

/** Every spec in specs/ (and specs/variants/), converted to the other spelling, compiles to the same plan. */
describe('every spec converts both ways to the same plan', () => {
  const files: string[] = [];
  for (const dir of ['', 'variants/']) {
    let names: string[] = [];
    try {
      names = readdirSync(new URL(dir, specs));
    } catch {
      continue;
    }
    for (const n of names) if (/\.(ya?ml|netc)$/.test(n)) files.push(dir + n);
  }

  test.each(files)('%s', (name) => {
    const path = join('specs', name);
    const text = read(name);
    const original = compileSource(path, text);
    const isNetc = name.endsWith('.netc');
    const converted = convertSpec(path, text);
    expect(converted.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // The converted text sits beside the original, so a relative `extends` still resolves.
    const otherPath = path.replace(/\.(ya?ml|netc)$/, isNetc ? '.converted.yaml' : '.converted.netc');
    const again = compileSource(otherPath, converted.text!);
    if (original.plan) {
      expect(again.diagnostics.map((d) => d.code)).toEqual(original.diagnostics.map((d) => d.code));
      expect(serializePlan(again.plan!)).toBe(serializePlan(original.plan));
    } else {
      expect(again.diagnostics.map((d) => d.code)).toEqual(original.diagnostics.map((d) => d.code));
    }
    // And back: the round trip gives the same text as converting once more.
    const back = convertSpec(otherPath, converted.text!);
    expect(convertSpec(otherPath.replace(/\.converted\.(yaml|netc)$/, isNetc ? '.netc' : '.yaml'), back.text!).text).toBe(converted.text);
  });
});

describe('a .netc variant of specs/alexnet.netc', () => {
  const variant = [
    'extends "../alexnet.netc"',
    'model alexnet-wide "wider fc6 and fc7, dropout after pool5, no norm1"',
    'remove norm1',
    'modify {',
    '  fc6 units=8192',
    '  fc7 units=8192',
    '}',
    'insert after pool5 {',
    '  drop5 dropout p=0.2',
    '}',
  ].join('\n');

  test('extends, removes, modifies and inserts', () => {
    const r = compileSource('specs/variants/wide.netc', variant);
    expect(r.diagnostics).toEqual([]);
    const layers = [...new Set(r.plan!.ops.filter((o) => o.op !== 'input').map((o) => o.layer))];
    expect(layers.slice(0, 3)).toEqual(['conv1', 'pool1', 'conv2']);
    expect(layers.slice(layers.indexOf('pool5'), layers.indexOf('pool5') + 2)).toEqual(['pool5', 'drop5']);
  });

  test('an error in the variant points into the variant', () => {
    const r = compileSource('specs/variants/wide.netc', variant.replace('  fc7 units', '  fc9 units'));
    expect(r.diagnostics.map((d) => `${d.span?.file.path} ${d.code}`)).toEqual(['specs/variants/wide.netc NETC3503']);
  });
});
