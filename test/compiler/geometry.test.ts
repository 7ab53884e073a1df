/**
 * Shape inference and parameter counts for the geometry AlexNet does not
 * exercise: dilation, `same`/`valid`/asymmetric padding, floor and ceil
 * rounding with Caffe's clamp, rectangular kernels and strides, plain
 * `groups`, towers, and the two combined. Every expected number is worked out
 * in this file (by hand in the table, and again by the formulas below), never
 * taken from netc; ops are looked up by name.
 */
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import type { Plan, PlanOp } from '../../plan/types.js';

/** One output dimension of a windowed op, from the textbook formula (Caffe's clamp for ceil). */
function outSize(size: number, kernel: number, stride: number, dilation: number, before: number, after: number, round: 'exact' | 'floor' | 'ceil'): number {
  const reach = dilation * (kernel - 1) + 1;
  const span = size + before + after - reach;
  if (span < 0) throw new Error('kernel larger than the padded input');
  if (span % stride !== 0 && round === 'exact') throw new Error('not a whole number');
  if (round !== 'ceil') return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  // Caffe: the last window must start inside the image or its leading padding.
  if ((out - 1) * stride >= size + before) out -= 1;
  return out;
}

/** TensorFlow's `same`: ceil(size / stride) outputs, padding split with the odd pixel after. */
function samePads(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const reach = dilation * (kernel - 1) + 1;
  const total = Math.max(0, (Math.ceil(size / stride) - 1) * stride + reach - size);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function compile(layers: string, input: [number, number, number], towers = 1): Plan {
  const text = `netc: 1\nname: g\ninput: { shape: [${input.join(', ')}] }\ntowers: ${towers}\nlayers:\n${layers}`;
  const r = compileSource('g.yaml', text);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.plan!;
}
const op = (plan: Plan, name: string): PlanOp => {
  const found = plan.ops.find((o) => o.name === name);
  if (!found) throw new Error(`no op ${name} in ${plan.ops.map((o) => o.name).join(', ')}`);
  return found;
};
const attrs = (o: PlanOp) => o.attrs as { pad: number[]; padEnd: number[] };

interface Row {
  what: string;
  input: [number, number, number];
  layer: string;
  /** Output height and width, worked out by hand (the arithmetic is in the comment). */
  out: [number, number];
  /** [top, bottom, left, right] padding and the extra [h, w] padding ceil rounding needs. */
  pad: [number, number, number, number];
  padEnd?: [number, number];
  /** Formula inputs per axis: kernel, stride, dilation, round. */
  k: [number, number];
  s: [number, number];
  d?: [number, number];
  round?: 'exact' | 'floor' | 'ceil';
}

const rows: Row[] = [
  // (9 - (2*(3-1)+1)) / 1 + 1 = 5
  { what: 'dilation 2', input: [9, 9, 1], layer: '{ type: conv, filters: 1, kernel: 3, dilation: 2 }', out: [5, 5], pad: [0, 0, 0, 0], k: [3, 3], s: [1, 1], d: [2, 2] },
  // height: (9 - 5) + 1 = 5; width: (9 - 3) + 1 = 7
  { what: 'dilation [2, 1]', input: [9, 9, 1], layer: '{ type: conv, filters: 1, kernel: 3, dilation: [2, 1] }', out: [5, 7], pad: [0, 0, 0, 0], k: [3, 3], s: [1, 1], d: [2, 1] },
  // ceil(7/2) = 4 outputs; total padding (4-1)*2 + 3 - 7 = 2 -> 1 before, 1 after
  { what: 'same, stride 2, odd size', input: [7, 7, 1], layer: '{ type: conv, filters: 1, kernel: 3, stride: 2, pad: same }', out: [4, 4], pad: [1, 1, 1, 1], k: [3, 3], s: [2, 2] },
  // ceil(8/2) = 4; total (4-1)*2 + 3 - 8 = 1 -> 0 before, the odd pixel after
  { what: 'same, stride 2, even size: the odd pixel goes after', input: [8, 8, 1], layer: '{ type: conv, filters: 1, kernel: 3, stride: 2, pad: same }', out: [4, 4], pad: [0, 1, 0, 1], k: [3, 3], s: [2, 2] },
  // reach 2*(3-1)+1 = 5; ceil(5/1) = 5 outputs; total 4 + 5 - 5 = 4 -> 2 and 2
  { what: 'same with dilation 2', input: [5, 5, 1], layer: '{ type: conv, filters: 1, kernel: 3, dilation: 2, pad: same }', out: [5, 5], pad: [2, 2, 2, 2], k: [3, 3], s: [1, 1], d: [2, 2] },
  // (6 - 3) + 1 = 4
  { what: 'valid', input: [6, 6, 1], layer: '{ type: conv, filters: 1, kernel: 3, pad: valid }', out: [4, 4], pad: [0, 0, 0, 0], k: [3, 3], s: [1, 1] },
  // height (5 + 0 + 2 - 3) + 1 = 5; width (5 + 1 + 0 - 3) + 1 = 4
  { what: 'asymmetric [top, bottom, left, right]', input: [5, 5, 1], layer: '{ type: conv, filters: 1, kernel: 3, pad: [0, 2, 1, 0] }', out: [5, 4], pad: [0, 2, 1, 0], k: [3, 3], s: [1, 1] },
  // [h, w] padding: height (5 + 2 - 3) + 1 = 5; width (5 + 0 - 3) + 1 = 3
  { what: 'pad [h, w]', input: [5, 5, 1], layer: '{ type: conv, filters: 1, kernel: 3, pad: [1, 0] }', out: [5, 3], pad: [1, 1, 0, 0], k: [3, 3], s: [1, 1] },
  // height (10 - 3) / 1 + 1 = 8; width (10 - 5) / 5 + 1 = 2
  { what: 'rectangular kernel and stride', input: [10, 10, 1], layer: '{ type: conv, filters: 1, kernel: [3, 5], stride: [1, 5] }', out: [8, 2], pad: [0, 0, 0, 0], k: [3, 5], s: [1, 5] },
  // (6 - 3) / 2 = 1.5: floor -> 1 + 1 = 2
  { what: 'floor drops the partial window', input: [6, 6, 1], layer: '{ type: maxpool, window: 3, stride: 2, round: floor }', out: [2, 2], pad: [0, 0, 0, 0], padEnd: [0, 0], k: [3, 3], s: [2, 2], round: 'floor' },
  // ceil(1.5) + 1 = 3; the last window starts at 4 < 6 (kept); it needs (3-1)*2 + 3 - 6 = 1 extra pixel
  { what: 'ceil keeps the partial window', input: [6, 6, 1], layer: '{ type: maxpool, window: 3, stride: 2, round: ceil }', out: [3, 3], pad: [0, 0, 0, 0], padEnd: [1, 1], k: [3, 3], s: [2, 2], round: 'ceil' },
  // padded 5 + 1 + 1 = 7: (7 - 2) / 2 = 2.5 -> ceil 3 + 1 = 4, but window 4 would start at (4-1)*2 = 6 >= 5 + 1,
  // inside the trailing padding only: Caffe's clamp drops it -> 3, and no extra padding
  { what: "ceil with Caffe's clamp", input: [5, 5, 1], layer: '{ type: maxpool, window: 2, stride: 2, pad: 1, round: ceil }', out: [3, 3], pad: [1, 1, 1, 1], padEnd: [0, 0], k: [2, 2], s: [2, 2], round: 'ceil' },
  // padded 6 + 1 + 1 = 8: (8 - 3) / 2 = 2.5 -> ceil 3 + 1 = 4; window 4 starts at (4-1)*2 = 6 in the padded
  // input, 5 in the image (6 < 6 + 1): it covers the last column, so the clamp keeps it; extra (4-1)*2 + 3 - 8 = 1
  { what: 'ceil keeps a last window that starts in the image past its leading padding', input: [6, 6, 1], layer: '{ type: maxpool, window: 3, stride: 2, pad: 1, round: ceil }', out: [4, 4], pad: [1, 1, 1, 1], padEnd: [1, 1], k: [3, 3], s: [2, 2], round: 'ceil' },
  // (224 - 11) / 4 + 1 = 54.25: ceil -> 55 (cuda-convnet's AlexNet), extra (55-1)*4 + 11 - 224 = 3
  { what: 'ceil on a conv (224 vs 227)', input: [224, 224, 3], layer: '{ type: conv, filters: 4, kernel: 11, stride: 4, round: ceil }', out: [55, 55], pad: [0, 0, 0, 0], padEnd: [3, 3], k: [11, 11], s: [4, 4], round: 'ceil' },
  // avgpool, same: ceil(5/2) = 3; total (3-1)*2 + 3 - 5 = 2 -> 1 and 1
  { what: 'avgpool same', input: [5, 5, 2], layer: '{ type: avgpool, window: 3, stride: 2, pad: same }', out: [3, 3], pad: [1, 1, 1, 1], k: [3, 3], s: [2, 2] },
];

describe('output shapes and padding (table computed by hand)', () => {
  it.each(rows)('$what', (row) => {
    const plan = compile(`  - { name: x, ${row.layer.slice(2)}\n`, row.input);
    const x = op(plan, 'x');
    expect(x.outputShape.slice(0, 2)).toEqual(row.out);
    expect(attrs(x).pad).toEqual(row.pad);
    if (row.padEnd) expect(attrs(x).padEnd).toEqual(row.padEnd);
    // the hand arithmetic agrees with the formulas at the top of this file
    const d = row.d ?? [1, 1];
    const same = row.layer.includes('same');
    for (const axis of [0, 1] as const) {
      const [before, after] = same ? samePads(row.input[axis], row.k[axis], row.s[axis], d[axis]) : [row.pad[axis * 2]!, row.pad[axis * 2 + 1]!];
      expect([before, after]).toEqual([row.pad[axis * 2], row.pad[axis * 2 + 1]]);
      expect(outSize(row.input[axis], row.k[axis], row.s[axis], d[axis], before, after, row.round ?? 'exact')).toBe(row.out[axis]);
    }
  });

  it('keeps the channels through pooling and sets them to the filters through a conv', () => {
    const plan = compile('  - { name: c, type: conv, filters: 6, kernel: 3, pad: same }\n  - { name: p, type: maxpool, window: 2 }\n', [8, 8, 3]);
    expect(op(plan, 'c').outputShape).toEqual([8, 8, 6]);
    expect(op(plan, 'p').outputShape).toEqual([4, 4, 6]);
  });
});

/** Weights of a conv: kh * kw * (input channels per group) * filters, + one bias per filter. */
const convParams = (kh: number, kw: number, cin: number, groups: number, filters: number, bias = true) => kh * kw * (cin / groups) * filters + (bias ? filters : 0);
/** Mult-adds of a conv per image: every output value reads kh * kw * (cin / groups) inputs. */
const convMacs = (oh: number, ow: number, filters: number, kh: number, kw: number, cin: number, groups: number) => oh * ow * filters * kh * kw * (cin / groups);

describe('parameter and mult-add counts (formulas in this file)', () => {
  it('plain conv: 3*3*4*6 + 6 = 222', () => {
    const plan = compile('  - { name: c, type: conv, filters: 6, kernel: 3 }\n', [5, 5, 4]);
    expect(convParams(3, 3, 4, 1, 6)).toBe(222);
    expect(op(plan, 'c').cost.params).toBe(222);
    expect(op(plan, 'c').cost.macs).toBe(convMacs(3, 3, 6, 3, 3, 4, 1));
    expect(plan.totals.params).toBe(222);
  });

  it('no bias: 3*3*4*6 = 216', () => {
    const plan = compile('  - { name: c, type: conv, filters: 6, kernel: 3, bias: false }\n', [5, 5, 4]);
    expect(op(plan, 'c').cost.params).toBe(convParams(3, 3, 4, 1, 6, false));
    expect(plan.params.map((p) => p.name)).toEqual(['c.weight']);
  });

  it('plain groups divide the input channels each filter sees: 3*3*(8/4)*12 + 12 = 228', () => {
    const plan = compile('  - { name: c, type: conv, filters: 12, kernel: 3, groups: 4 }\n', [5, 5, 8]);
    expect(convParams(3, 3, 8, 4, 12)).toBe(228);
    expect(op(plan, 'c').cost.params).toBe(228);
    expect(op(plan, 'c').cost.macs).toBe(convMacs(3, 3, 12, 3, 3, 8, 4));
    expect(plan.params.find((p) => p.name === 'c.weight')!.shape).toEqual([3, 3, 2, 12]);
    // plain groups have no placement meaning: no tower split, no exchange
    expect(plan.ops.some((o) => o.op === 'exchange')).toBe(false);
  });

  it('dilation widens the reach, not the weights: 3*3*2*4 + 4 = 76', () => {
    const plan = compile('  - { name: c, type: conv, filters: 4, kernel: 3, dilation: 2 }\n', [9, 9, 2]);
    expect(op(plan, 'c').cost.params).toBe(convParams(3, 3, 2, 1, 4));
    expect(op(plan, 'c').cost.macs).toBe(convMacs(5, 5, 4, 3, 3, 2, 1));
  });

  const towerLayers = (second: string) => `  - { name: c1, type: conv, filters: 8, kernel: 1 }\n  - { name: c2, type: conv, filters: 12, kernel: 3, ${second} }\n`;

  it('towers, connect: tower: each tower sees its own half of the channels: 3*3*(8/2)*12 + 12 = 444', () => {
    const plan = compile(towerLayers('connect: tower'), [5, 5, 3], 2);
    expect(convParams(3, 3, 8, 2, 12)).toBe(444);
    expect(op(plan, 'c2').cost.params).toBe(444);
    expect(plan.totals.params).toBe(convParams(1, 1, 3, 1, 8) + 444);
    expect(plan.ops.some((o) => o.op === 'exchange')).toBe(false);
  });

  it('towers, connect: all: every tower sees every channel, after an exchange: 3*3*8*12 + 12 = 876', () => {
    const plan = compile(towerLayers('connect: all'), [5, 5, 3], 2);
    expect(op(plan, 'c2').cost.params).toBe(convParams(3, 3, 8, 1, 12));
    const exchanges = plan.ops.filter((o) => o.op === 'exchange');
    expect(exchanges).toHaveLength(1);
    // each tower receives the other's half: (2 - 1) * 5*5*8 values * 4 bytes
    expect((exchanges[0]!.attrs as { forwardBytes: number }).forwardBytes).toBe(5 * 5 * 8 * 4);
  });

  it('towers and groups combined: 2 towers x 2 groups split the channels in 4: 3*3*(8/4)*12 + 12 = 228', () => {
    const plan = compile(towerLayers('connect: tower, groups: 2'), [5, 5, 3], 2);
    expect(op(plan, 'c2').cost.params).toBe(convParams(3, 3, 8, 4, 12));
    expect(op(plan, 'c2').cost.macs).toBe(convMacs(3, 3, 12, 3, 3, 8, 4));
  });

  it('dense with towers, connect: tower: (24/2)*6 + 6 = 78; connect: all: 24*6 + 6 = 150', () => {
    const layers = (connect: string) => `  - { name: c, type: conv, filters: 4, kernel: 1 }\n  - { name: f, type: flatten }\n  - { name: d, type: dense, units: 6, connect: ${connect} }\n`;
    // the flattened input: 2*3*4 = 24 values
    expect(op(compile(layers('tower'), [2, 3, 1], 2), 'd').cost.params).toBe((24 / 2) * 6 + 6);
    expect(op(compile(layers('all'), [2, 3, 1], 2), 'd').cost.params).toBe(24 * 6 + 6);
  });

  it('totals add up the layers: conv + dense, by hand', () => {
    const plan = compile('  - { name: c, type: conv, filters: 2, kernel: 3, stride: 2, pad: same }\n  - { name: f, type: flatten }\n  - { name: d, type: dense, units: 3 }\n  - { name: s, type: softmax }\n', [7, 7, 1]);
    // conv: 3*3*1*2 + 2 = 20, output 4x4x2 = 32 -> dense 32*3 + 3 = 99
    expect(plan.totals.params).toBe(20 + 99);
    expect(plan.totals.macs).toBe(4 * 4 * 2 * 9 + 32 * 3);
  });
});
