/**
 * Reusable blocks: definitions with parameters, instances with `repeat` and
 * `first`, `when` to leave a layer out, nested blocks, names, and diagnostics
 * that point at both the block's text and the use that instantiated it.
 */
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { convertSpec } from '../../compiler/convert/index.js';
import { getLineAndColumn, type Span } from '../../compiler/source/source-file.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';
import { checkPlanConsistency } from '../../plan/check.js';
import type { Plan } from '../../plan/types.js';

function compile(text: string, path = 'model.yaml'): Plan {
  const r = compileSource(path, text);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  expect(checkPlanConsistency(r.plan!)).toEqual([]);
  return r.plan!;
}
const reads = (plan: Plan, name: string) => {
  const op = plan.ops.find((o) => o.name === name);
  expect(op, name).toBeDefined();
  return op!.inputs.map((i) => plan.ops[i]!.name);
};
const lineOf = (span: Span | undefined) => (span ? getLineAndColumn(span.file, span.start).line : -1);

const basic = `netc: 1
name: resnet-ish
input: { shape: [32, 32, 16] }
defaults: { round: floor }
blocks:
  basic:
    params: { filters: null, stride: 1, project: false }
    layers:
      - { name: conv1, type: conv, filters: $filters, kernel: 3, stride: $stride, pad: 1, bias: false }
      - { name: bn1, type: batchnorm, act: relu }
      - { name: conv2, type: conv, filters: $filters, kernel: 3, pad: 1, bias: false }
      - { name: bn2, type: batchnorm }
      - { name: proj, type: conv, filters: $filters, kernel: 1, stride: $stride, bias: false, input: input, when: $project }
      - { name: projbn, type: batchnorm, when: $project }
      - { name: sum, type: add, inputs: [bn2, projbn], act: relu }
layers:
  - { name: stem, type: conv, filters: 16, kernel: 3, pad: 1 }
  - { name: stage1, type: basic, repeat: 2, filters: 16 }
  - { name: stage2, type: basic, repeat: 2, filters: 32, first: { stride: 2, project: true } }
  - { name: pool, type: globalavgpool }
  - { name: fc, type: dense, units: 10 }
`;

describe('a ResNet basic block used with repeat and first', () => {
  const plan = compile(basic);
  const names = plan.ops.map((o) => o.name);

  it('names the expanded layers <use>.block<i>.<layer>', () => {
    expect(names.filter((n) => n.startsWith('stage1.block1.'))).toEqual(['stage1.block1.conv1', 'stage1.block1.bn1', 'stage1.block1.conv2', 'stage1.block1.bn2', 'stage1.block1.sum']);
    expect(names.filter((n) => n.startsWith('stage2.block1.'))).toEqual(['stage2.block1.conv1', 'stage2.block1.bn1', 'stage2.block1.conv2', 'stage2.block1.bn2', 'stage2.block1.proj', 'stage2.block1.projbn', 'stage2.block1.sum']);
    expect(plan.ops.find((o) => o.name === 'stage1.block1.conv1')!.layer).toBe('stage1.block1.conv1');
  });

  it('leaves out the projection where `when` is false: the add reads the block input', () => {
    expect(reads(plan, 'stage1.block1.sum')).toEqual(['stage1.block1.bn2', 'stem']);
    expect(reads(plan, 'stage1.block2.sum')).toEqual(['stage1.block2.bn2', 'stage1.block1.sum']);
    expect(reads(plan, 'stage2.block1.proj')).toEqual(['stage1.block2.sum']);
    expect(reads(plan, 'stage2.block1.sum')).toEqual(['stage2.block1.bn2', 'stage2.block1.projbn']);
    expect(names).not.toContain('stage2.block2.proj');
  });

  it('chains the instances, gives the first one the `first` arguments, and the layer after the use reads its output', () => {
    expect(reads(plan, 'stage1.block1.conv1')).toEqual(['stem']);
    expect(reads(plan, 'stage1.block2.conv1')).toEqual(['stage1.block1.sum']);
    expect(plan.ops.find((o) => o.name === 'stage2.block1.conv1')).toMatchObject({ attrs: { stride: [2, 2], filters: 32 }, outputShape: [16, 16, 32] });
    expect(plan.ops.find((o) => o.name === 'stage2.block2.conv1')).toMatchObject({ attrs: { stride: [1, 1] } });
    expect(reads(plan, 'pool')).toEqual(['stage2.block2.sum']);
  });

  it('counts the parameters of every instance', () => {
    const conv = (k: number, cin: number, cout: number) => k * k * cin * cout;
    const bn = (c: number) => 2 * c;
    const block = (cin: number, c: number, project: boolean) => conv(3, cin, c) + bn(c) + conv(3, c, c) + bn(c) + (project ? conv(1, cin, c) + bn(c) : 0);
    const expected = conv(3, 16, 16) + 16 + 2 * block(16, 16, false) + block(16, 32, true) + block(32, 32, false) + 32 * 10 + 10;
    expect(plan.totals.params).toBe(expected);
  });

  it('compiles to the same plan bytes from the .netc spelling (convert both ways)', () => {
    const netc = convertSpec('model.yaml', basic).text!;
    expect(netc).toContain('conv1  conv      $filters 3x3 stride=$stride pad=1 bias=false');
    expect(netc).toContain('stage2 basic repeat=2 filters=32 first={stride=2 project=true}');
    expect(serializePlan(compile(netc, 'model.netc'))).toBe(serializePlan(plan));
    const back = convertSpec('model.netc', netc).text!;
    expect(convertSpec('model.yaml', back).text).toBe(netc);
    expect(serializePlan(compile(back))).toBe(serializePlan(plan));
  });
});

describe('names and references', () => {
  const head = 'netc: 1\nname: b\ninput: { shape: [8, 8, 4] }\n';
  const unit = 'blocks:\n  unit:\n    params: { c: 4 }\n    layers:\n      - { name: conv, type: conv, filters: $c, kernel: 3, pad: 1 }\n      - { name: act, type: relu }\n';

  it('an instance without repeat is <use>.<layer>; an unnamed use is <block><n>', () => {
    const plan = compile(`${head}${unit}layers:\n  - { type: unit }\n  - { type: unit }\n  - { type: globalavgpool }\n`);
    expect(plan.ops.map((o) => o.name)).toEqual(['input', 'unit1.conv', 'unit1.act', 'unit2.conv', 'unit2.act', 'globalavgpool1']);
  });

  it('the name of a use stands for its output, in `input`, `inputs` and the model `output`', () => {
    const plan = compile(`${head}${unit}layers:\n  - { name: a, type: unit }\n  - { name: b, type: unit, input: input }\n  - { name: sum, type: add, inputs: [a, b] }\n`);
    expect(reads(plan, 'sum')).toEqual(['a.act', 'b.act']);
    expect(reads(plan, 'b.conv')).toEqual(['input']);
    const r = compileSource('m.yaml', `${head}${unit}output: a\nlayers:\n  - { name: a, type: unit }\n  - { name: b, type: unit, input: input }\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['NETC3009']);
    expect(r.plan!.output.op).toBe('a.act');
  });

  it('blocks nest, with dotted names all the way down', () => {
    const nested = `${head}${unit}  pair:\n    layers:\n      - { name: first, type: unit, c: 8 }\n      - { name: second, type: unit }\nlayers:\n  - { name: p, type: pair, repeat: 2 }\n  - { type: globalavgpool }\n`;
    const plan = compile(nested);
    expect(plan.ops.map((o) => o.name).slice(1, 5)).toEqual(['p.block1.first.conv', 'p.block1.first.act', 'p.block1.second.conv', 'p.block1.second.act']);
    expect(reads(plan, 'p.block2.first.conv')).toEqual(['p.block1.second.act']);
    expect(plan.ops.find((o) => o.name === 'p.block1.first.conv')!.outputShape).toEqual([8, 8, 8]);
  });

  it('a block output other than its last layer: what follows reads it, the rest of the block is a dead branch', () => {
    const r = compileSource('x.yaml', `${head}blocks:\n  two:\n    output: a\n    layers:\n      - { name: a, type: conv, filters: 2, kernel: 1 }\n      - { name: b, type: relu }\nlayers:\n  - { name: t, type: two }\n  - { name: pool, type: globalavgpool }\n`);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(['NETC3009 the output of `t.b` is never read: it is left out of the plan']);
    expect(reads(r.plan!, 'pool')).toEqual(['t.a']);
  });
});

describe('diagnostics inside blocks', () => {
  it('point at the block text and, in a note, at the use that instantiated it', () => {
    const broken = basic.replace('first: { stride: 2, project: true }', 'first: { stride: 2 }');
    const r = compileSource('model.yaml', broken);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['NETC3112']);
    const d = r.diagnostics[0]!;
    expect(d.span!.file.text.slice(d.span!.start, d.span!.end)).toBe('[bn2, projbn]');
    const use = d.related!.find((x) => x.label === 'in `stage2.block1`, an instance of block `basic`');
    expect(use).toBeDefined();
    expect(use!.span.file.text.slice(use!.span.start, use!.span.end)).toBe('basic');
    expect(lineOf(use!.span)).toBe(lineOf(d.span) + 4);
  });

  it('a mistake in the block text is one error for all instances, naming the others', () => {
    const r = compileSource('model.yaml', basic.replace('kernel: 3, pad: 1, bias: false }\n      - { name: bn2', 'kernel: 3, pad: 1, bias: flase }\n      - { name: bn2'));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['NETC2007']);
    expect(r.diagnostics[0]!.notes).toEqual(['the same in `stage1.block2`, `stage2.block1`, `stage2.block2`']);
  });

  it('a value from an argument also points at the argument', () => {
    const r = compileSource('model.yaml', basic.replace("input: { shape: [32, 32, 16] }", "input: { shape: [32, 32, 16] }\ntowers: 3").replace('{ name: stem, type: conv, filters: 16,', '{ name: stem, type: conv, filters: 18,'));
    const tower = r.diagnostics.find((d) => d.code === 'NETC3103' && d.message.includes('stage1.block1.conv1'));
    expect(tower).toBeDefined();
    expect(tower!.span!.file.text.slice(tower!.span!.start, tower!.span!.end)).toBe('$filters');
    expect(tower!.related!.map((x) => x.label)).toContain('`$filters` is 16 here');
  });

  it('refuse a `when` that removes a merge, and one that is not a boolean', () => {
    const merge = basic.replace("{ name: sum, type: add, inputs: [bn2, projbn], act: relu }", "{ name: sum, type: add, inputs: [bn2, projbn], act: relu, when: $project }");
    expect(compileSource('m.yaml', merge).diagnostics.map((d) => d.code)).toEqual(['NETC3406']);
    expect(compileSource('m.yaml', basic.replace('project: true', 'project: 1')).diagnostics.map((d) => d.code)).toEqual(['NETC3405']);
  });
});
