/**
 * Specs as graphs: layers that name their inputs, merges (add, concat),
 * batch normalization and global pooling, compiled to plan v2. Every count is
 * worked out in the test from the layer sizes, never taken from netc.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';
import { checkPlanConsistency } from '../../plan/check.js';
import type { Plan, PlanOp } from '../../plan/types.js';

function compile(text: string, path = 'model.yaml'): Plan {
  const r = compileSource(path, text);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  // The plan agrees with a second implementation of the shape and parameter arithmetic.
  expect(checkPlanConsistency(r.plan!)).toEqual([]);
  return r.plan!;
}

const codes = (text: string, path = 'model.yaml') => compileSource(path, text).diagnostics.map((d) => d.code);
const op = (plan: Plan, name: string): PlanOp => {
  const found = plan.ops.find((o) => o.name === name);
  expect(found, name).toBeDefined();
  return found!;
};
const inputNames = (plan: Plan, name: string) => op(plan, name).inputs.map((i) => plan.ops[i]!.name);

/** A residual block and an inception-like merge, in both spellings. */
const residualYaml = `netc: 1
name: residual
input: { shape: [16, 16, 8] }
layers:
  - { name: conv1, type: conv, filters: 8, kernel: 3, pad: 1, bias: false }
  - { name: bn1, type: batchnorm, act: relu }
  - { name: conv2, type: conv, filters: 8, kernel: 3, pad: 1, bias: false }
  - { name: bn2, type: batchnorm }
  - { name: sum, type: add, inputs: [bn2, input], act: relu }
  - { name: b1, type: conv, filters: 4, kernel: 1 }
  - { name: b2, type: maxpool, window: 3, stride: 1, pad: 1, input: sum }
  - { name: mix, type: concat, inputs: [b1, b2] }
  - { name: gap, type: globalavgpool }
  - { name: fc, type: dense, units: 10 }
  - { name: prob, type: softmax }
`;
const residualNetc = `netc 1
model residual
input 16x16x8

layers {
  conv1 conv          8 3x3 pad=1 bias=false
  bn1   batchnorm     act=relu
  conv2 conv          8 3x3 pad=1 bias=false
  bn2   batchnorm
  sum   add           inputs=[bn2, input] act=relu
  b1    conv          4 1x1
  b2    maxpool       3x3/1 pad=1 input=sum
  mix   concat        inputs=[b1, b2]
  gap   globalavgpool
  fc    dense         10
  prob  softmax
}
`;

describe('a residual block with an inception-like merge', () => {
  const plan = compile(residualYaml);

  it('reads what each layer names, the layer before by default, in topological order', () => {
    expect(plan.ops[0]).toMatchObject({ id: 0, op: 'input', inputs: [] });
    plan.ops.forEach((o, i) => {
      expect(o.id).toBe(i);
      for (const r of o.inputs) expect(r).toBeLessThan(i);
    });
    expect(inputNames(plan, 'sum')).toEqual(['bn2', 'input']);
    expect(inputNames(plan, 'b1')).toEqual(['sum']);
    expect(inputNames(plan, 'b2')).toEqual(['sum']);
    expect(inputNames(plan, 'mix')).toEqual(['b1', 'b2']);
    expect(inputNames(plan, 'conv2')).toEqual(['bn1']);
    expect(op(plan, 'mix').inputShapes).toEqual([[16, 16, 4], [16, 16, 8]]);
  });

  it('infers the merged and pooled shapes', () => {
    expect(op(plan, 'sum').outputShape).toEqual([16, 16, 8]);
    expect(op(plan, 'mix').outputShape).toEqual([16, 16, 4 + 8]);
    expect(op(plan, 'gap').outputShape).toEqual([12]);
    expect(plan.output).toEqual({ op: 'prob', logits: 'fc', classes: 10 });
  });

  it('counts parameters as torchvision does: BN scale and shift are parameters, running statistics buffers', () => {
    const conv = 3 * 3 * 8 * 8; // no bias
    const bn = 2 * 8; // scale + shift
    const b1 = 1 * 1 * 8 * 4 + 4;
    const fc = 12 * 10 + 10;
    expect(plan.totals.params).toBe(2 * conv + 2 * bn + b1 + fc);
    expect(plan.totals.buffers).toBe(2 * (8 + 8)); // running mean and variance of bn1, bn2
    expect(plan.totals.paramBytes).toBe((plan.totals.params + plan.totals.buffers) * 4);
    expect(op(plan, 'bn1').cost.params).toBe(16);
  });

  it('gives batchnorm PyTorch defaults, non-trainable running statistics and no weight decay on scale and shift', () => {
    expect(op(plan, 'bn1')).toMatchObject({ op: 'batchnorm', attrs: { momentum: 0.1, epsilon: 1e-5, affine: true, activation: { fn: 'relu' } } });
    const bn1 = plan.params.filter((p) => p.op === 'bn1');
    expect(bn1.map((p) => [p.name, p.role, p.trainable, p.shape, p.layout, p.decayMult])).toEqual([
      ['bn1.scale', 'scale', true, [8], 'C', 0],
      ['bn1.shift', 'shift', true, [8], 'C', 0],
      ['bn1.running_mean', 'running_mean', false, [8], 'C', 0],
      ['bn1.running_var', 'running_var', false, [8], 'C', 0],
    ]);
    expect(bn1.map((p) => p.init)).toEqual([{ kind: 'constant', value: 1 }, { kind: 'constant', value: 0 }, { kind: 'constant', value: 0 }, { kind: 'constant', value: 1 }]);
  });

  it('compiles to the same plan bytes from the .netc spelling', () => {
    expect(serializePlan(compile(residualNetc, 'model.netc'))).toBe(serializePlan(plan));
  });

  it('counts the merges as other ops: one add per element per extra input, plus the activation', () => {
    expect(op(plan, 'sum').cost.otherOps).toBe(16 * 16 * 8 * 2);
    expect(op(plan, 'mix').cost.otherOps).toBe(0);
    expect(op(plan, 'gap').cost.otherOps).toBe(16 * 16 * 12);
  });
});

describe('batchnorm options', () => {
  const spec = (bn: string) => `netc: 1\nname: bn\ninput: { shape: [4, 4, 6] }\nlayers:\n  - { name: bn, type: batchnorm${bn} }\n  - { type: globalmaxpool }\n`;

  it('without affine has running statistics only', () => {
    const plan = compile(spec(', affine: false, momentum: 0.01, epsilon: 0.001'));
    expect(plan.params.map((p) => p.role)).toEqual(['running_mean', 'running_var']);
    expect(op(plan, 'bn')).toMatchObject({ attrs: { momentum: 0.01, epsilon: 0.001, affine: false }, params: { scale: null, shift: null } });
    expect(plan.totals).toMatchObject({ params: 0, buffers: 12 });
  });

  it('decays scale and shift only when the spec says so', () => {
    const plan = compile(spec(', decay_mult: [1, 0], lr_mult: 2'));
    expect(plan.params.filter((p) => p.trainable).map((p) => [p.role, p.lrMult, p.decayMult])).toEqual([['scale', 2, 1], ['shift', 2, 0]]);
  });

  it('keeps momentum in [0, 1] and epsilon above 0', () => {
    expect(codes(spec(', momentum: 1.5'))).toEqual(['NETC2006']);
    expect(codes(spec(', epsilon: 0'))).toEqual(['NETC2006']);
  });

  it('normalizes a flat input over its units', () => {
    const plan = compile(`netc: 1\nname: bn\ninput: { shape: [20] }\nlayers:\n  - { type: dense, units: 6 }\n  - { type: batchnorm }\n`);
    expect(plan.params.filter((p) => p.role === 'scale').map((p) => p.shape)).toEqual([[6]]);
  });
});

describe('towers at merges', () => {
  const towers = `netc: 1
name: towers
input: { shape: [8, 8, 4] }
towers: 2
layers:
  - { name: conv1, type: conv, filters: 4, kernel: 3, pad: 1 }
  - { name: conv2, type: conv, filters: 4, kernel: 3, pad: 1, connect: tower }
  - { name: sum, type: add, inputs: [conv2, input] }
  - { name: bn, type: batchnorm }
  - { name: b1, type: conv, filters: 2, kernel: 1, connect: tower }
  - { name: mix, type: concat, inputs: [b1, bn] }
  - { name: mix2, type: concat, inputs: [input, input] }
  - { name: both, type: concat, inputs: [mix, mix2] }
  - { name: conv3, type: conv, filters: 4, kernel: 1 }
  - { name: gap, type: globalavgpool }
  - { name: fc, type: dense, units: 4 }
`;
  const plan = compile(towers);

  it('a merge of a split and a replicated value is split (each tower takes its slice, no exchange)', () => {
    expect(op(plan, 'sum').towers).toEqual({ count: 2, connect: 'local', output: 'split' });
    expect(inputNames(plan, 'sum')).toEqual(['conv2', 'input']);
    expect(op(plan, 'bn').towers.output).toBe('split');
  });

  it('concat of split values is tower-major, of replicated ones plain', () => {
    expect(op(plan, 'mix')).toMatchObject({ attrs: { order: 'tower-major' }, towers: { output: 'split' }, outputShape: [8, 8, 6] });
    expect(op(plan, 'mix2')).toMatchObject({ attrs: { order: 'plain' }, towers: { output: 'replicated' }, outputShape: [8, 8, 8] });
    expect(op(plan, 'both')).toMatchObject({ attrs: { order: 'tower-major' }, outputShape: [8, 8, 14] });
  });

  it('a layer seeing every tower after a merge is preceded by an exchange with its byte count', () => {
    expect(inputNames(plan, 'conv3')).toEqual(['conv3.gather']);
    const gather = op(plan, 'conv3.gather');
    expect(inputNames(plan, 'conv3.gather')).toEqual(['both']);
    // (towers - 1) x the gathered tensor, float32
    expect(gather).toMatchObject({ op: 'exchange', attrs: { kind: 'allgather', consumer: 'conv3', forwardBytes: 1 * 8 * 8 * 14 * 4 } });
  });

  it('a concat that cannot cut a replicated input into tower slices says so', () => {
    const odd = towers.replace('input: { shape: [8, 8, 4] }', 'input: { shape: [8, 8, 3] }').replace(/  - \{ name: sum.*\n/, '  - { name: sum, type: add, inputs: [conv2, conv1] }\n').replace('inputs: [input, input] }', 'inputs: [input, input, input] }');
    expect(codes(odd)).toEqual(['NETC3103']);
  });
});

describe('the graph', () => {
  const head = 'netc: 1\nname: g\ninput: { shape: [8, 8, 3] }\n';

  it('leaves dead branches out of the plan, with a warning', () => {
    const r = compileSource('g.yaml', `${head}output: fc\nlayers:\n  - { name: c1, type: conv, filters: 4, kernel: 3 }\n  - { name: side, type: conv, filters: 5, kernel: 1 }\n  - { name: gap, type: globalavgpool, input: c1 }\n  - { name: fc, type: dense, units: 2 }\n`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['NETC3009']);
    expect(r.plan!.ops.map((o) => o.name)).toEqual(['input', 'c1', 'gap', 'fc']);
    expect(r.plan!.totals.params).toBe(3 * 3 * 3 * 4 + 4 + 4 * 2 + 2);
    expect(r.plan!.ops.map((o) => o.inputs)).toEqual([[], [0], [1], [2]]);
  });

  it('takes the declared output over the last layer', () => {
    const r = compileSource('g.yaml', `${head}output: a\nlayers:\n  - { name: c1, type: conv, filters: 4, kernel: 3 }\n  - { name: a, type: globalavgpool }\n  - { name: b, type: globalmaxpool, input: c1 }\n`);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(['NETC3009 the output of `b` is never read: it is left out of the plan']);
    expect(r.plan!.output.op).toBe('a');
  });

  it('reports an error in each independent branch and none at the merge that reads them', () => {
    const text = `${head}layers:\n  - { name: l, type: conv, filters: 4, kernel: 2, stride: 4 }\n  - { name: r, type: conv, filters: 4, kernel: 4, stride: 3, input: input }\n  - { name: m, type: add, inputs: [l, r] }\n`;
    expect(codes(text)).toEqual(['NETC3101', 'NETC3101']);
  });

  it('keeps the meaning of chains: a duplicate name does not break the chain after it', () => {
    const text = `${head}layers:\n  - { name: c, type: conv, filters: 4, kernel: 3 }\n  - { name: c, type: conv, filters: 4, kernel: 3 }\n  - { type: globalavgpool }\n`;
    expect(codes(text)).toEqual(['NETC3001']);
  });
});

describe('docs/graphs.md', () => {
  const md = readFileSync(new URL('../../docs/graphs.md', import.meta.url), 'utf8');
  const blocks = [...md.matchAll(/```(yaml|netc)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));

  it.each(blocks.map((b, i) => [i, b] as const))('example %i compiles cleanly', (_i, b) => {
    compile(b.text, `example.${b.lang}`);
  });

  it('gives each YAML example and the .netc one after it the same plan', () => {
    for (let i = 0; i + 1 < blocks.length; i++) {
      if (blocks[i]!.lang !== 'yaml' || blocks[i + 1]!.lang !== 'netc') continue;
      expect(serializePlan(compile(blocks[i + 1]!.text, 'example.netc'))).toBe(serializePlan(compile(blocks[i]!.text, 'example.yaml')));
    }
  });
});
