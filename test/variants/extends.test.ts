import { describe, expect, it } from 'vitest';
import { spanAt } from '../../compiler/frontend/document.js';
import { OVERRIDE_LABEL } from '../../compiler/variants/override-notes.js';
import { BASE, codes, compileIn, errors, placeOf, placeOfText } from './helpers.js';

const withBase = (variant: string, extra: Record<string, string> = {}) => ({ '/m/base.yaml': BASE, '/m/v.yaml': variant, ...extra });
const opNames = (r: ReturnType<typeof compileIn>) => r.plan!.ops.filter((o) => o.op !== 'input').map((o) => o.name);

describe('extends: modify', () => {
  it('changes attributes of named layers, and the change reaches the layers downstream', () => {
    const r = compileIn(withBase('extends: ./base.yaml\nname: wide\nmodify:\n  conv1: { filters: 24 }\n'), '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    const conv1 = r.plan!.ops.find((o) => o.name === 'conv1')!;
    const conv2 = r.plan!.ops.find((o) => o.name === 'conv2')!;
    expect(conv1.outputShape).toEqual([32, 32, 24]);
    expect(conv2.inputShapes[0]).toEqual([16, 16, 24]);
    expect(r.plan!.model.name).toBe('wide');
  });

  it('deletes an attribute with null (back to the default), keeping every other value where the base wrote it', () => {
    const files = withBase('extends: ./base.yaml\nname: k1\nmodify:\n  conv1: { pad: null, kernel: 1 }\n');
    const r = compileIn(files, '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.plan!.ops[1]!.outputShape).toEqual([32, 32, 16]);
    const doc = r.document!;
    const conv1 = (doc.value as { layers: Record<string, unknown>[] }).layers[0];
    expect(conv1).toMatchObject({ name: 'conv1', kernel: 1 });
    expect(conv1).not.toHaveProperty('pad');
    expect(placeOf(spanAt(doc, '/layers/0/kernel'))).toBe(placeOfText(files, '/m/v.yaml', '1 }'));
    expect(placeOf(spanAt(doc, '/layers/0/filters'))).toBe(placeOfText(files, '/m/base.yaml', '16'));
    expect(doc.spans.has('/layers/0/pad')).toBe(false);
  });

  it('reports a bad overridden value at the variant, in the variant file', () => {
    const files = withBase('extends: ./base.yaml\nname: bad\nmodify:\n  conv1: { filters: many, filtres: 3 }\n');
    const r = compileIn(files, '/m/v.yaml');
    expect(codes(r).sort()).toEqual(['NETC2001', 'NETC2002']);
    const byCode = Object.fromEntries(r.diagnostics.map((d) => [d.code, placeOf(d.span)]));
    expect(byCode.NETC2002).toBe(placeOfText(files, '/m/v.yaml', 'many'));
    expect(byCode.NETC2001).toBe(placeOfText(files, '/m/v.yaml', 'filtres'));
  });

  it('names both places when an override breaks a shape downstream', () => {
    // pad 0: conv1 gives 30, pool1 15, conv2 15, and pool2's 2/2 cannot split 15.
    const files = withBase('extends: ./base.yaml\nname: nopad\nremove: [norm1]\nmodify:\n  conv1: { pad: 0 }\n  fc: { act: relu }\n');
    const r = compileIn(files, '/m/v.yaml');
    expect(codes(r)).toEqual(['NETC3101']);
    const d = r.diagnostics[0]!;
    expect(placeOf(d.span)).toBe(placeOfText(files, '/m/base.yaml', '{ name: pool2'));
    const notes = d.related!.filter((x) => x.label === OVERRIDE_LABEL).map((x) => placeOf(x.span));
    expect(notes).toContain(placeOfText(files, '/m/v.yaml', '0 }'));
    // Neither removing an LRN nor fc's activation (downstream anyway) can change a shape: not named.
    expect(notes).toHaveLength(1);
  });
});

describe('extends: insert and remove', () => {
  it('inserts after and before named layers, in order, with automatic names that do not renumber the base', () => {
    const files = withBase(`extends: ./base.yaml
name: more
insert:
  - after: conv1
    layers: [{ type: dropout, p: 0.2 }]
  - before: fc
    layers:
      - { name: fc0, type: dense, units: 64, act: relu }
      - { type: dropout }
`);
    const r = compileIn(files, '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(opNames(r)).toEqual(['conv1', 'dropout1', 'norm1', 'pool1', 'conv2', 'pool2', 'flatten1', 'fc0', 'dropout2', 'fc', 'softmax1']);
    const doc = r.document!;
    expect(placeOf(spanAt(doc, '/layers/1/p'))).toBe(placeOfText(files, '/m/v.yaml', '0.2'));
    expect(placeOf(spanAt(doc, '/layers/7/units'))).toBe(placeOfText(files, '/m/v.yaml', '64'));
    // Base layers keep their spans under their new indices.
    expect(placeOf(spanAt(doc, '/layers/3/window'))).toBe(placeOfText(files, '/m/base.yaml', 'window: 2', 0, 8));
    expect(placeOf(spanAt(doc, '/layers/9/units'))).toBe(placeOfText(files, '/m/base.yaml', '10'));
  });

  it('removes layers and re-indexes the spans of the rest', () => {
    const files = withBase('extends: ./base.yaml\nname: fewer\nremove: [norm1, pool2]\n');
    const r = compileIn(files, '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(opNames(r)).toEqual(['conv1', 'pool1', 'conv2', 'flatten1', 'fc', 'softmax1']);
    expect(placeOf(spanAt(r.document!, '/layers/2/filters'))).toBe(placeOfText(files, '/m/base.yaml', 'filters: 32', 0, 9));
  });

  it('inserts next to a removed layer at its place (a replacement)', () => {
    const r = compileIn(withBase('extends: ./base.yaml\nname: swap\nremove: [norm1]\ninsert: [{ after: norm1, layers: [{ name: act1, type: tanh }] }]\n'), '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(opNames(r).slice(0, 3)).toEqual(['conv1', 'act1', 'pool1']);
  });

  it('refers to unnamed base layers by their automatic names', () => {
    const base = 'netc: 1\nname: anon\ninput: { shape: [8] }\nlayers:\n  - { type: dense, units: 4 }\n  - { type: dense, units: 2 }\n  - { type: softmax }\n';
    const files = { '/m/base.yaml': base, '/m/v.yaml': 'extends: base.yaml\nname: anon2\nmodify: { dense2: { units: 3 } }\ninsert: [{ before: dense1, layers: [{ type: dense, units: 8 }] }]\n' };
    const r = compileIn(files, '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.plan!.ops.filter((o) => o.op !== 'input').map((o) => [o.name, o.outputShape[0]])).toEqual([['dense3', 8], ['dense1', 4], ['dense2', 3], ['softmax1', 3]]);
  });
});

describe('extends: whole keys, chains and names', () => {
  it('replaces any other top-level key wholesale: `train` as a section, not merged', () => {
    const files = withBase('extends: ./base.yaml\nname: adam\ntrain: { batch: 8, optimizer: { type: adam, lr: 0.001 } }\n');
    const r = compileIn(files, '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.plan!.train.batch).toBe(8);
    expect(r.plan!.train.epochs).toBe(90); // the default, not the base's 2
    expect(r.plan!.train.optimizer.type).toBe('adam');
    expect(placeOf(spanAt(r.document!, '/train/batch'))).toBe(placeOfText(files, '/m/v.yaml', '8'));
  });

  it('follows a chain, each value keeping the span of the file that wrote it', () => {
    const files = withBase('extends: ./base.yaml\nname: b\nmodify: { conv1: { filters: 24 } }\n', {
      '/m/sub/c.yaml': 'extends: ../v.yaml\nname: c\nremove: [norm1]\ntowers: 2\nmodify: { conv2: { connect: tower } }\n',
    });
    const r = compileIn(files, '/m/sub/c.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.plan!.towers).toBe(2);
    expect(opNames(r)).not.toContain('norm1');
    expect(r.plan!.ops[1]!.outputShape).toEqual([32, 32, 24]);
    const doc = r.document!;
    expect(placeOf(spanAt(doc, '/layers/0/filters'))).toBe(placeOfText(files, '/m/v.yaml', '24'));
    expect(placeOf(spanAt(doc, '/layers/0/kernel'))).toBe(placeOfText(files, '/m/base.yaml', '3, pad'));
    expect(placeOf(spanAt(doc, '/layers/2/connect'))).toBe(placeOfText(files, '/m/sub/c.yaml', 'tower }'));
  });

  it('requires a variant to set its own name', () => {
    const files = withBase('extends: ./base.yaml\nremove: [norm1]\n');
    const r = compileIn(files, '/m/v.yaml');
    expect(codes(r)).toEqual(['NETC3506']);
    expect(r.diagnostics[0]!.message).toContain('`base`');
    expect(placeOf(r.diagnostics[0]!.span)).toBe(placeOfText(files, '/m/v.yaml', './base.yaml'));
  });

  it('rewrites an inherited data folder relative to a variant in another folder', () => {
    const files = {
      '/m/base.yaml': BASE + 'data: { dataset: { kind: idx, path: mydata, classes: 10 } }\n',
      '/m/mnist.yaml': BASE.replace('[32, 32, 3]', '[28, 28, 1]') + 'data: { dataset: fashion-mnist }\n',
      '/m/v/a.yaml': 'extends: ../base.yaml\nname: a\n',
      '/m/v/b.yaml': 'extends: ../mnist.yaml\nname: b\n',
      '/m/c.yaml': 'extends: ./mnist.yaml\nname: c\n',
    };
    expect(compileIn(files, '/m/v/a.yaml').plan!.data!.dataset).toEqual({ kind: 'idx', path: '../mydata', classes: 10, labels: null });
    expect(compileIn(files, '/m/v/b.yaml').plan!.data!.dataset).toEqual({ kind: 'fashion-mnist', path: '../data', classes: null, labels: null });
    expect(compileIn(files, '/m/c.yaml').plan!.data!.dataset).toEqual({ kind: 'fashion-mnist', path: null, classes: null, labels: null });
  });
});

describe('extends: errors point into the right file', () => {
  it('a missing base: NETC3501 at the `extends` value', () => {
    const files = { '/m/v.yaml': 'name: v\nextends: ./nowhere.yaml\n' };
    const r = compileIn(files, '/m/v.yaml');
    expect(codes(r)).toEqual(['NETC3501']);
    expect(placeOf(r.diagnostics[0]!.span)).toBe('/m/v.yaml:2:10');
    expect(r.diagnostics[0]!.message).toContain('/m/nowhere.yaml');
  });

  it('a cycle: NETC3502 listing it, at the `extends` that closes it', () => {
    const files = { '/m/a.yaml': 'extends: ./b.yaml\nname: a\n', '/m/b.yaml': 'name: b\nextends: a.yaml\n' };
    const r = compileIn(files, '/m/a.yaml');
    expect(codes(r)).toEqual(['NETC3502']);
    expect(r.diagnostics[0]!.message).toContain('/m/a.yaml -> /m/b.yaml -> /m/a.yaml');
    expect(placeOf(r.diagnostics[0]!.span)).toBe('/m/b.yaml:2:10');
    expect(codes(compileIn({ '/m/self.yaml': 'extends: ./self.yaml\nname: s\n' }, '/m/self.yaml'))).toEqual(['NETC3502']);
  });

  it('a chain deeper than the limit: NETC3504', () => {
    const files: Record<string, string> = { '/m/s0.yaml': BASE };
    for (let i = 1; i <= 20; i++) files[`/m/s${i}.yaml`] = `extends: ./s${i - 1}.yaml\nname: s${i}\n`;
    expect(codes(compileIn(files, '/m/s20.yaml'))).toEqual(['NETC3504']);
    expect(codes(compileIn(files, '/m/s10.yaml'))).toEqual([]);
  });

  it('an unknown layer in modify, insert or remove: NETC3503 with a suggestion, in the variant file', () => {
    const files = withBase('extends: ./base.yaml\nname: typo\nmodify:\n  cnv1: { filters: 8 }\ninsert: [{ after: pool3, layers: [{ type: relu }] }]\nremove: [norm2]\n');
    const r = compileIn(files, '/m/v.yaml');
    expect(codes(r)).toEqual(['NETC3503', 'NETC3503', 'NETC3503']);
    const [modify, insert, remove] = r.diagnostics;
    expect(placeOf(modify!.span)).toBe(placeOfText(files, '/m/v.yaml', 'cnv1'));
    expect(modify!.hint).toBe('did you mean `conv1`?');
    expect(placeOf(insert!.span)).toBe(placeOfText(files, '/m/v.yaml', 'pool3'));
    expect(insert!.hint).toMatch(/pool[12]/);
    expect(placeOf(remove!.span)).toBe(placeOfText(files, '/m/v.yaml', 'norm2'));
    expect(remove!.hint).toBe('did you mean `norm1`?');
    expect(remove!.notes).toEqual(['the base is `/m/base.yaml`']);
  });

  it('an error inside the base is reported in the base file', () => {
    const files = { '/m/base.yaml': BASE.replace('filters: 32', 'filters: 0'), '/m/v.yaml': 'extends: ./base.yaml\nname: v\n' };
    const r = compileIn(files, '/m/v.yaml');
    expect(errors(r).map((d) => placeOf(d.span))).toEqual([placeOfText(files, '/m/base.yaml', '0, kernel')]);
  });
});

describe('extends: the form of the variant keys', () => {
  const form = (variant: string) => compileIn(withBase(`extends: ./base.yaml\nname: f\n${variant}`), '/m/v.yaml');

  it('rejects a modify entry that is not a mapping, pointing at `remove`', () => {
    const r = form('modify: { norm1: null }\n');
    expect(codes(r)).toEqual(['NETC2002']);
    expect(r.diagnostics[0]!.hint).toContain('remove');
  });

  it('rejects insert entries without an anchor, on an edge that does not exist, or without layers', () => {
    expect(codes(form('insert: [{ layers: [] }]\n'))).toEqual(['NETC2009']);
    expect(codes(form('insert: [{ before: conv1, after: conv1, layers: [] }]\n'))).toEqual(['NETC3509']);
    expect(codes(form('insert: [{ after: conv1, layers: [] }]\n'))).toEqual([]);
    expect(codes(form('insert: [{ after: conv1 }]\n'))).toEqual(['NETC2003']);
    expect(codes(form('insert: [{ after: conv1, layer: [] }]\n')).sort()).toEqual(['NETC2001', 'NETC2003']);
    expect(codes(form('insert: { after: conv1 }\n'))).toEqual(['NETC2002']);
  });

  it('rejects remove as a bare name, with the list spelling as a hint', () => {
    const r = form('remove: norm1\n');
    expect(codes(r)).toEqual(['NETC2002']);
    expect(r.diagnostics[0]!.hint).toBe('write `remove: [norm1]`');
  });

  it('rejects removing and modifying one layer', () => {
    const r = form('remove: [norm1]\nmodify: { norm1: { size: 3 } }\n');
    expect(codes(r)).toEqual(['NETC3505']);
    expect(r.diagnostics[0]!.related?.[0]?.label).toBe('removed here');
  });

  it('rejects layer edits together with a replaced `layers`, and edits without `extends`', () => {
    expect(codes(form('layers: [{ type: softmax }]\nremove: [norm1]\n'))).toEqual(['NETC2009']);
    const alone = compileIn({ '/m/a.yaml': BASE + 'remove: [norm1]\n' }, '/m/a.yaml');
    expect(codes(alone)).toEqual(['NETC2009']);
    expect(alone.diagnostics[0]!.message).toContain('only applies with `extends`');
  });
});
