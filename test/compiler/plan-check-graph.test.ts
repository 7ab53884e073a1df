/**
 * plan/check.ts, one edit per check: each kind of contradiction a hand edit or a buggy tool can
 * put in a plan, on the graph ops (batchnorm, add, concat, global pooling) as well as AlexNet's,
 * with the sentence the checker must say. The expected numbers are worked out by hand in each
 * case's name or comment (conv/pool formula, parameter shapes, byte counts), not taken from
 * the checker.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile, compileSource } from '../../compiler/compile.js';
import { checkPlanConsistency } from '../../plan/check.js';
import type { Plan, PlanOp } from '../../plan/types.js';

const root = new URL('../../', import.meta.url).pathname;
const compiled = (file: string) => compileFile(join(root, file)).plan!;
/**
 * A small residual network for 28x28x1 images, written out here so its numbers stay put:
 * conv1 3x3x1x16 (144), bn1 (16 + 16 learned, 16 + 16 running), 2x2 pooling to 14x14x16, a
 * basic block of 16, two strided blocks of 32 and 64 with 1x1 projections (7x7, 4x4), global
 * average pooling, fc 64 -> 10 (650). 77,754 learned parameters, 672 running statistics,
 * 2,636,672 mult-adds.
 */
const RESNET = `
netc: 1
name: small-resnet
input: { shape: [28, 28, 1] }
defaults: { init: he_normal, bias: false }
layers:
  - { name: conv1, type: conv, filters: 16, kernel: 3, pad: 1 }
  - { name: bn1, type: batchnorm, act: relu }
  - { name: pool1, type: maxpool, window: 2, stride: 2 }
${[
  ['block1', 16, 1, 'pool1'],
  ['block2', 32, 2, 'block1.add'],
  ['block3', 64, 2, 'block2.add'],
]
  .map(([b, f, stride, from]) => [
    `  - { name: ${b}.conv1, type: conv, filters: ${f}, kernel: 3, stride: ${stride}, round: floor, pad: 1 }`,
    `  - { name: ${b}.bn1, type: batchnorm, act: relu }`,
    `  - { name: ${b}.conv2, type: conv, filters: ${f}, kernel: 3, pad: 1 }`,
    `  - { name: ${b}.bn2, type: batchnorm }`,
    ...(stride === 1
      ? [`  - { name: ${b}.add, type: add, inputs: [${b}.bn2, ${from}], act: relu }`]
      : [
          `  - { name: ${b}.proj, type: conv, input: ${from}, filters: ${f}, kernel: 1, stride: 2, round: floor }`,
          `  - { name: ${b}.proj_bn, type: batchnorm }`,
          `  - { name: ${b}.add, type: add, inputs: [${b}.bn2, ${b}.proj_bn], act: relu }`,
        ]),
  ])
  .flat()
  .join('\n')}
  - { name: gap, type: globalavgpool }
  - { name: fc, type: dense, units: 10, bias: 0 }
  - { name: prob, type: softmax }
`;
const plans = {
  resnet: compileSource('small-resnet.yaml', RESNET).plan!,
  inception: compiled('examples/graphs/inception-module.yaml'),
  alexnet: compiled('specs/alexnet.yaml'),
};
/** The problems in a copy of a shipped plan after `f` edited it. */
function problemsAfter(which: keyof typeof plans, f: (p: Plan, op: (name: string) => PlanOp) => void): string[] {
  const copy = structuredClone(plans[which]);
  f(copy, (name) => copy.ops.find((o) => o.name === name)!);
  return checkPlanConsistency(copy);
}
const param = (p: Plan, name: string) => p.params.find((x) => x.name === name)!;

it('the three plans are consistent to start with, and the residual one has the numbers worked out above', () => {
  expect(plans.resnet.totals).toMatchObject({ params: 77754, buffers: 672, macs: 2636672 });
  for (const p of Object.values(plans)) expect(checkPlanConsistency(p)).toEqual([]);
});

describe('parameters', () => {
  it('listed twice', () => {
    expect(problemsAfter('resnet', (p) => { p.params.push(structuredClone(param(p, 'fc.bias'))); })).toContain('parameter `fc.bias` is listed twice');
  });
  it('a count that is not the product of the shape (3 x 3 x 1 x 16 = 144)', () => {
    expect(problemsAfter('resnet', (p) => { param(p, 'conv1.weight').count = 145; })).toContain('parameter `conv1.weight` has shape [3, 3, 1, 16] but count 145');
  });
  it('a shape with a zero or fractional size', () => {
    expect(problemsAfter('resnet', (p) => { Object.assign(param(p, 'fc.bias'), { shape: [0], count: 0 }); })).toContain('parameter `fc.bias` has shape [0] but count 0');
    expect(problemsAfter('resnet', (p) => { Object.assign(param(p, 'fc.bias'), { shape: [2.5, 4], count: 10 }); })).toContain('parameter `fc.bias` has shape [2.5, 4] but count 10');
  });
  it('a tower axis the shape lacks (a 4-d weight has axes 0 to 3)', () => {
    for (const axis of [4, -1, 1.5]) {
      expect(problemsAfter('resnet', (p) => { param(p, 'conv1.weight').towerAxis = axis; })).toContain(`parameter \`conv1.weight\` splits over towers along axis ${axis}, which its shape [3, 3, 1, 16] lacks`);
    }
    expect(problemsAfter('resnet', (p) => { param(p, 'conv1.weight').towerAxis = 3; })).toEqual([]);
  });
  it('a multiplier that is not finite', () => {
    expect(problemsAfter('resnet', (p) => { param(p, 'fc.weight').lrMult = Number.POSITIVE_INFINITY; })).toContain('parameter `fc.weight` has a multiplier that is not a finite number');
    expect(problemsAfter('resnet', (p) => { param(p, 'fc.weight').decayMult = Number.NaN; })).toContain('parameter `fc.weight` has a multiplier that is not a finite number');
  });
  it('a parameter no op uses', () => {
    const problems = problemsAfter('resnet', (p) => {
      p.params.push({ ...structuredClone(param(p, 'fc.bias')), name: 'fc.extra' });
    });
    expect(problems).toContain('parameter `fc.extra` belongs to no op');
  });
  it("batchnorm's four vectors have the channel count of its input (16 for bn1)", () => {
    const problems = problemsAfter('resnet', (p) => {
      Object.assign(param(p, 'bn1.running_var'), { shape: [32], count: 32 });
    });
    expect(problems).toContain('op `bn1`: needs `bn1.running_var` (running variance) of shape [16], the plan lists [32]');
    expect(problemsAfter('resnet', (p, op) => { const bn = op('bn1'); if (bn.op === 'batchnorm') bn.params.scale = 'bn2.scale'; })).toContain(
      'op `bn1`: needs parameter `bn2.scale`, which the plan does not list',
    );
  });
  it('names the role of each parameter whose shape is wrong', () => {
    const reshape = (name: string, shape: number[]) => (p: Plan) => { Object.assign(param(p, name), { shape, count: shape.reduce((a, b) => a * b, 1) }); };
    expect(problemsAfter('resnet', reshape('fc.bias', [11]))).toContain('op `fc`: needs `fc.bias` (bias) of shape [10], the plan lists [11]');
    expect(problemsAfter('inception', reshape('b1.bias', [65]))).toContain('op `b1`: needs `b1.bias` (bias) of shape [64], the plan lists [65]');
    expect(problemsAfter('resnet', reshape('bn1.scale', [8]))).toContain('op `bn1`: needs `bn1.scale` (scale) of shape [16], the plan lists [8]');
    expect(problemsAfter('resnet', reshape('bn1.shift', [8]))).toContain('op `bn1`: needs `bn1.shift` (shift) of shape [16], the plan lists [8]');
    expect(problemsAfter('resnet', reshape('bn1.running_mean', [8]))).toContain('op `bn1`: needs `bn1.running_mean` (running mean) of shape [16], the plan lists [8]');
  });
  it('a dense layer in 2 groups has a weight of 64 / 2 = 32 rows', () => {
    expect(problemsAfter('resnet', (_p, op) => { const fc = op('fc'); if (fc.op === 'dense') fc.attrs.groups = 2; })).toContain('op `fc`: needs `fc.weight` (weight) of shape [32, 10], the plan lists [64, 10]');
  });
  it('a conv weight whose input depth is not the input channels over the groups (conv2 in AlexNet: 96 / 2 = 48)', () => {
    const problems = problemsAfter('alexnet', (_p, op) => { const c = op('conv2'); if (c.op === 'conv2d') c.attrs.groups = 1; });
    expect(problems).toContain('op `conv2`: needs `conv2.weight` (weight) of shape [5, 5, 96, 256], the plan lists [5, 5, 48, 256]');
  });
});

describe('ops and edges', () => {
  it('an id that is not its position', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('gap').id = 99; })).toContain('op `gap`: has id 99 at position 23');
  });
  it('op 0 that is not the input', () => {
    expect(problemsAfter('resnet', (p) => { p.ops[0]!.op = 'flatten'; })).toContain('op `input`: op 0 must be the model input');
  });
  it('an input op that reads something', () => {
    expect(problemsAfter('resnet', (p) => { p.ops[0]!.inputs = [0]; p.ops[0]!.inputShapes = [[28, 28, 1]]; })).toContain('op `input`: the input reads nothing');
  });
  it('inputs and input shapes of different lengths', () => {
    const popped = problemsAfter('resnet', (_p, op) => { op('block1.add').inputShapes.pop(); });
    expect(popped).toContain('op `block1.add`: reads 2 inputs but lists 1 input shapes');
    expect(popped).toContain('op `block1.add`: input 1 is listed as nothing but `pool1` makes [14, 14, 16]');
  });
  it('an edge to itself or to a negative id', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('gap').inputs = [23]; })).toContain('op `gap`: reads op 23, which does not come before it');
    expect(problemsAfter('resnet', (_p, op) => { op('gap').inputs = [-1]; })).toContain('op `gap`: reads op -1, which does not come before it');
  });
  it('an output shape that is empty or has a fractional size', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('gap').outputShape = []; })).toContain('op `gap`: has output shape []');
    expect(problemsAfter('resnet', (_p, op) => { op('gap').outputShape = [63.5]; })).toContain('op `gap`: has output shape [63.5]');
  });
  it('an output shape of size 0 is a shape (a valid whole number), checked against what the op gives', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('gap').outputShape = [0]; })).toContain('op `gap`: output shape is [0] but its inputs and attributes give [64]');
  });
  it('a tower count other than the model\'s, and a split output in a one-tower model', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('fc').towers.count = 2; })).toContain('op `fc`: counts 2 towers, the model has 1');
    expect(problemsAfter('resnet', (_p, op) => { op('fc').towers.output = 'split'; })).toContain('op `fc`: is split over towers in a model with one tower');
  });
  it('an op that reads every tower with one split input among others is caught too', () => {
    // conv3 reads its exchange (replicated) and, edited in, pool2's split output as well
    const problems = problemsAfter('alexnet', (p, op) => {
      const conv3 = op('conv3');
      conv3.inputs = [...conv3.inputs, op('pool2').id];
      conv3.inputShapes = [...conv3.inputShapes, op('pool2').outputShape];
    });
    expect(problems).toContain('op `conv3`: reads every tower of a split input without an exchange before it');
  });
  it('an op that reads every tower and an op id past the end is reported, not a crash', () => {
    const problems = problemsAfter('alexnet', (_p, op) => { op('conv3').inputs = [999]; });
    expect(problems).toContain('op `conv3`: reads op 999, which does not come before it');
  });
  it('a plan without ops is reported, not a crash', () => {
    const problems = problemsAfter('resnet', (p) => { p.ops = []; });
    expect(problems).toContain("the input op's shape differs from the model input [28, 28, 1]");
  });
  it('output bytes that are not 4 per value (gap: 64 values, 256 bytes; an exchange counts none)', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('gap').cost.outputBytes = 64; })).toContain('op `gap`: output is 64 bytes, [64] float32 values are 256');
    const exchange = plans.alexnet.ops.find((o) => o.op === 'exchange')!;
    expect(exchange.cost.outputBytes).toBe(0);
    expect(problemsAfter('alexnet', (_p, op) => { op(exchange.name).cost.outputBytes = 4; })).toContain(`op \`${exchange.name}\`: output is 4 bytes, [${exchange.outputShape.join(', ')}] float32 values are 0`);
  });
});

describe('shapes of the graph ops', () => {
  it('add: inputs of different shapes, and one input only', () => {
    const problems = problemsAfter('resnet', (_p, op) => {
      const add = op('block2.add');
      add.inputs = [op('block2.bn2').id, op('block1.add').id];
      add.inputShapes = [[7, 7, 32], [14, 14, 16]];
    });
    expect(problems).toContain('op `block2.add`: adds [7, 7, 32] and [14, 14, 16]');
    const one = problemsAfter('resnet', (_p, op) => { const add = op('block1.add'); add.inputs.pop(); add.inputShapes.pop(); });
    expect(one).toContain('op `block1.add`: needs 2 inputs');
  });
  it('concat: the channels add up (64 + 128 + 32 + 32 = 256), other sizes must agree', () => {
    expect(problemsAfter('inception', (_p, op) => { op('mix').outputShape = [28, 28, 224]; })).toContain('op `mix`: output shape is [28, 28, 224] but its inputs and attributes give [28, 28, 256]');
    const problems = problemsAfter('inception', (_p, op) => {
      const b4 = op('b4pool');
      if (b4.op === 'maxpool') b4.attrs.stride = [2, 2];
    });
    // (28 + 1 + 1 - 3) / 2 + 1 = 14
    expect(problems).toContain('op `b4pool`: output shape is [28, 28, 192] but its inputs and attributes give [14, 14, 192]');
    const differs = problemsAfter('inception', (_p, op) => { op('mix').inputShapes[3] = [14, 14, 32]; });
    expect(differs).toContain('op `mix`: joins inputs whose sizes differ other than in the last axis: [28, 28, 64], [28, 28, 128], [28, 28, 32], [14, 14, 32]');
    expect(differs.filter((m) => m.startsWith('op `mix`')), 'and says nothing of an output shape it cannot know').toHaveLength(2); // + input 3's listed shape
    const rank = problemsAfter('inception', (_p, op) => { op('mix').inputShapes[1] = [28, 28, 64, 2]; });
    expect(rank.some((m) => m.startsWith('op `mix`: joins inputs whose sizes differ'))).toBe(true);
    expect(problemsAfter('inception', (_p, op) => { const mix = op('mix'); mix.inputs = []; mix.inputShapes = []; })).toContain('op `mix`: needs an input');
  });
  it('global pooling keeps the channels ([4, 4, 64] -> [64]) and needs a map', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('gap').outputShape = [16]; op('fc').inputShapes = [[16]]; })).toContain('op `gap`: output shape is [16] but its inputs and attributes give [64]');
    const flat = problemsAfter('resnet', (_p, op) => { op('gap').inputShapes = [[1024]]; });
    expect(flat).toContain('op `gap`: needs an HxWxC input, not [1024]');
    expect(flat.filter((m) => m.startsWith('op `gap`'))).toEqual(['op `gap`: input 0 is listed as [1024] but `block3.add` makes [4, 4, 64]', 'op `gap`: needs an HxWxC input, not [1024]']);
  });
  it('dense needs a flat input, whole unit counts and groups that divide its inputs', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('fc').inputShapes = [[4, 4, 64]]; })).toContain('op `fc`: needs a flat input, not [4, 4, 64]');
    expect(problemsAfter('resnet', (_p, op) => { const fc = op('fc'); if (fc.op === 'dense') fc.attrs.units = 0; })).toContain('op `fc`: has a unit or group count that is not a positive whole number');
    expect(problemsAfter('resnet', (_p, op) => { const fc = op('fc'); if (fc.op === 'dense') fc.attrs.groups = 3; })).toContain('op `fc`: 3 groups do not divide 64 inputs');
  });
  it('conv: whole positive sizes, groups that divide channels and filters, filters that split over the towers', () => {
    expect(problemsAfter('resnet', (_p, op) => { const c = op('conv1'); if (c.op === 'conv2d') c.attrs.stride = [0, 1]; })).toContain(
      'op `conv1`: has a kernel, stride, dilation, padding, filter or group count that is not a valid whole number',
    );
    expect(problemsAfter('resnet', (_p, op) => { const c = op('conv1'); if (c.op === 'conv2d') c.attrs.pad = [1, 1, -1, 1]; })).toContain(
      'op `conv1`: has a kernel, stride, dilation, padding, filter or group count that is not a valid whole number',
    );
    expect(problemsAfter('resnet', (_p, op) => { const c = op('block1.conv1'); if (c.op === 'conv2d') c.attrs.groups = 3; })).toContain('op `block1.conv1`: 3 groups do not divide 16 input channels and 16 filters');
    // either side alone: 3 divides b2's 96 inputs but not its 128 filters; 32 divides b3's 32 filters but not its 16 inputs
    expect(problemsAfter('inception', (_p, op) => { const c = op('b2'); if (c.op === 'conv2d') c.attrs.groups = 3; })).toContain('op `b2`: 3 groups do not divide 96 input channels and 128 filters');
    expect(problemsAfter('inception', (_p, op) => { const c = op('b3'); if (c.op === 'conv2d') c.attrs.groups = 32; })).toContain('op `b3`: 32 groups do not divide 16 input channels and 32 filters');
    expect(problemsAfter('resnet', (_p, op) => { const c = op('conv1'); if (c.op === 'conv2d') c.attrs.filters = 0; })).toContain(
      'op `conv1`: has a kernel, stride, dilation, padding, filter or group count that is not a valid whole number',
    );
    expect(problemsAfter('alexnet', (_p, op) => { const c = op('conv1'); if (c.op === 'conv2d') c.attrs.filters = 95; })).toContain('op `conv1`: 95 filters do not split over 2 towers');
    // dilation 2: effective kernel 2 x (3 - 1) + 1 = 5, (14 + 2 - 5) / 1 + 1 = 12
    expect(problemsAfter('resnet', (_p, op) => { const c = op('block1.conv1'); if (c.op === 'conv2d') c.attrs.dilation = [2, 2]; })).toContain(
      'op `block1.conv1`: output shape is [14, 14, 16] but its inputs and attributes give [12, 12, 16]',
    );
    // padEnd (ceil mode's extra row): (7 + 1 + 1 + 1 - 3) / 2 + 1 = 4, and with one more: (7 + 2 + 2 - 3) / 2 + 1 = 5
    expect(problemsAfter('resnet', (_p, op) => { const c = op('block3.conv1'); if (c.op === 'conv2d') c.attrs.padEnd = [2, 2]; })).toContain(
      'op `block3.conv1`: output shape is [4, 4, 64] but its inputs and attributes give [5, 5, 64]',
    );
  });
  it('pooling: whole positive sizes; each axis from its own window, stride and padding', () => {
    expect(problemsAfter('resnet', (_p, op) => { const c = op('pool1'); if (c.op === 'maxpool') c.attrs.window = [2, 0]; })).toContain('op `pool1`: has a window, stride or padding that is not a valid whole number');
    // a 2x3 window on 28x28 with stride 2: 14 rows, (28 - 3) / 2 + 1 = 13 columns
    expect(problemsAfter('resnet', (_p, op) => { const c = op('pool1'); if (c.op === 'maxpool') c.attrs.window = [2, 3]; })).toContain(
      'op `pool1`: output shape is [14, 14, 16] but its inputs and attributes give [14, 13, 16]',
    );
    // padding the width only: (28 + 1 + 1 - 2) / 2 + 1 = 15 columns
    expect(problemsAfter('resnet', (_p, op) => { const c = op('pool1'); if (c.op === 'maxpool') c.attrs.pad = [0, 0, 1, 1]; })).toContain(
      'op `pool1`: output shape is [14, 14, 16] but its inputs and attributes give [14, 15, 16]',
    );
  });
  it('flatten multiplies out its input (4 x 4 x 64 = 1024)', () => {
    const problems = problemsAfter('alexnet', (_p, op) => { op('flatten').outputShape = [9000]; });
    expect(problems).toContain('op `flatten`: output shape is [9000] but its inputs and attributes give [9216]');
  });
  it('shape-keeping ops (batchnorm, softmax) give their input', () => {
    expect(problemsAfter('resnet', (_p, op) => { op('bn1').outputShape = [28, 28, 8]; })).toContain('op `bn1`: output shape is [28, 28, 8] but its inputs and attributes give [28, 28, 16]');
    expect(problemsAfter('resnet', (_p, op) => { op('prob').outputShape = [11]; })).toContain('op `prob`: output shape is [11] but its inputs and attributes give [10]');
  });
});

describe('an op that reads nothing', () => {
  it.each([
    ['resnet', 'conv1'],
    ['resnet', 'pool1'],
    ['resnet', 'fc'],
    ['resnet', 'gap'],
    ['inception', 'mix'],
  ] as const)('%s %s: says it needs an input, and nothing about its shape', (which, name) => {
    const problems = problemsAfter(which, (_p, op) => { op(name).inputs = []; op(name).inputShapes = []; });
    expect(problems.filter((m) => m.startsWith(`op \`${name}\``)).filter((m) => !m.includes('needs `') && !m.includes('needs parameter'))).toEqual([`op \`${name}\`: needs an input`]);
  });
});

describe('the model as a whole', () => {
  it("an input op whose shape is not the model's", () => {
    expect(problemsAfter('resnet', (p) => { p.input.shape = [32, 32, 1]; })).toContain("the input op's shape differs from the model input [32, 32, 1]");
  });
  it('an output or logits naming no op', () => {
    expect(problemsAfter('resnet', (p) => { p.output.op = 'probs'; })).toContain('the output names `probs` (op), which is no op');
    expect(problemsAfter('resnet', (p) => { p.output.logits = 'fc9'; })).toContain('the output names `fc9` (logits), which is no op');
  });
  it('a class count the logits do not have', () => {
    expect(problemsAfter('resnet', (p) => { p.output.classes = 12; })).toContain('the output has 12 classes but the logits `fc` have shape [10]');
    expect(problemsAfter('inception', (p) => { p.output.classes = null; })).toEqual([]);
  });
  it('totals of buffers, ops\' params and mult-adds that do not add up (buffers: 2 x 672 / 2 running statistics; 2,636,672 mult-adds)', () => {
    expect(problemsAfter('resnet', (p) => { p.totals.buffers = 671; })).toContain('totals say 671 buffers, the ops and parameters add up to 672');
    expect(problemsAfter('resnet', (p) => { p.totals.macs = 2636000; })).toContain('totals say 2636000 macs, the ops and parameters add up to 2636672');
    expect(problemsAfter('resnet', (_p, op) => { op('fc').cost.params = 640; })).toContain('totals say 77754 params of the ops, the ops and parameters add up to 77744');
    // a running statistic marked trainable moves 16 values from buffers to params
    const moved = problemsAfter('resnet', (p) => { param(p, 'bn1.running_mean').trainable = true; });
    expect(moved).toContain('totals say 77754 params, the ops and parameters add up to 77770');
    expect(moved).toContain('totals say 672 buffers, the ops and parameters add up to 656');
  });
});
