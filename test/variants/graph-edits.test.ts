/**
 * Variants of graphs: `insert` on an edge, `remove` with the readers rewired,
 * `modify` of what a layer reads. Every expected shape and count is worked
 * out here from the layer sizes, never taken from netc.
 */
import { describe, expect, it } from 'vitest';
import { spanAt } from '../../compiler/frontend/document.js';
import { OVERRIDE_LABEL } from '../../compiler/variants/override-notes.js';
import type { Plan } from '../../plan/types.js';
import { codes, compileIn, errors, placeOf, placeOfText } from './helpers.js';

/** A residual block that halves the size and doubles the channels, with a projection shortcut. */
const DOWN = `netc: 1
name: down
input: { shape: [32, 32, 16] }
defaults: { round: floor }
layers:
  - { name: stem, type: conv, filters: 16, kernel: 3, pad: 1, bias: false }
  - { name: conv1, type: conv, filters: 32, kernel: 3, stride: 2, pad: 1, bias: false }
  - { name: bn1, type: batchnorm, act: relu }
  - { name: conv2, type: conv, filters: 32, kernel: 3, pad: 1, bias: false }
  - { name: bn2, type: batchnorm }
  - { name: proj, type: conv, filters: 32, kernel: 1, stride: 2, bias: false, input: stem }
  - { name: projbn, type: batchnorm }
  - { name: sum, type: add, inputs: [bn2, projbn], act: relu }
  - { name: pool, type: globalavgpool }
  - { name: fc, type: dense, units: 10 }
  - { name: prob, type: softmax }
`;
/**
 * Parameters of DOWN, by hand: stem 3*3*16*16, conv1 3*3*16*32, conv2 3*3*32*32,
 * proj 1*1*16*32, three batchnorms of 32 channels with scale and shift, fc 32*10 + 10.
 */
const DOWN_PARAMS = 2304 + 4608 + 9216 + 512 + 3 * 64 + 330;

/** A block that keeps the shape: its shortcut can be the identity. */
const SAME = `netc: 1
name: same
input: { shape: [8, 8, 16] }
layers:
  - { name: conv1, type: conv, filters: 16, kernel: 3, pad: 1, bias: false }
  - { name: bn1, type: batchnorm, act: relu }
  - { name: conv2, type: conv, filters: 16, kernel: 3, pad: 1, bias: false }
  - { name: bn2, type: batchnorm }
  - { name: proj, type: conv, filters: 16, kernel: 1, bias: false, input: input }
  - { name: projbn, type: batchnorm }
  - { name: sum, type: add, inputs: [bn2, projbn], act: relu }
  - { name: pool, type: globalavgpool }
  - { name: fc, type: dense, units: 10 }
  - { name: prob, type: softmax }
`;

const files = (base: string, variant: string) => ({ '/m/base.yaml': base, '/m/v.yaml': `extends: ./base.yaml\nname: v\n${variant}` });
function planOf(f: Record<string, string>): Plan {
  const r = compileIn(f, '/m/v.yaml');
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.plan!;
}
/** Each op (but the input) as `name <- inputs`, by name. */
const wiring = (plan: Plan) => plan.ops.filter((o) => o.op !== 'input').map((o) => `${o.name} <- ${o.inputs.map((i) => plan.ops[i]!.name).join(', ')}`);
const shapeOf = (plan: Plan, name: string) => plan.ops.find((o) => o.name === name)!.outputShape;

const DOWN_WIRING = [
  'stem <- input', 'conv1 <- stem', 'bn1 <- conv1', 'conv2 <- bn1', 'bn2 <- conv2', 'proj <- stem', 'projbn <- proj',
  'sum <- bn2, projbn', 'pool <- sum', 'fc <- pool', 'prob <- fc',
];

describe('graph variants: insert', () => {
  it('the base compiles as written down here', () => {
    const plan = planOf(files(DOWN, ''));
    expect(wiring(plan)).toEqual(DOWN_WIRING);
    expect(plan.totals.params).toBe(DOWN_PARAMS);
  });

  it('inserts on one edge: only that reader is rewired', () => {
    const f = files(DOWN, 'insert:\n  - { after: stem, before: proj, layers: [{ name: drop, type: dropout, p: 0.1 }] }\n');
    const plan = planOf(f);
    expect(wiring(plan)).toEqual(DOWN_WIRING.map((w) => (w === 'proj <- stem' ? 'proj <- drop' : w)).toSpliced(5, 0, 'drop <- stem'));
    expect(plan.totals.params).toBe(DOWN_PARAMS);
  });

  it('inserts after a layer with two readers: both read the new layer', () => {
    const f = files(DOWN, 'insert:\n  - after: stem\n    layers: [{ name: act0, type: relu }]\n');
    const plan = planOf(f);
    expect(wiring(plan).slice(0, 7)).toEqual(['stem <- input', 'act0 <- stem', 'conv1 <- act0', 'bn1 <- conv1', 'conv2 <- bn1', 'bn2 <- conv2', 'proj <- act0']);
  });

  it('inserts before a layer with one input, keeping several inserts at one place in order', () => {
    const f = files(DOWN, 'insert:\n  - { before: projbn, layers: [{ name: a, type: relu }] }\n  - { before: projbn, layers: [{ name: b, type: tanh }] }\n');
    expect(wiring(planOf(f))).toContain('a <- proj');
    expect(wiring(planOf(f))).toEqual(expect.arrayContaining(['b <- a', 'projbn <- b']));
  });

  it('names an unnamed inserted layer when a reader further down must name it', () => {
    const f = files(DOWN, 'insert:\n  - { after: projbn, before: sum, layers: [{ type: dropout }] }\n');
    const plan = planOf(f);
    expect(wiring(plan)).toContain('dropout1 <- projbn');
    expect(wiring(plan)).toContain('sum <- bn2, dropout1');
  });

  it('inserts a whole branch: the layers name what they read, and the merge is rewired by modify', () => {
    // The identity shortcut of SAME replaced by a 3x3 conv branch of 8 filters, concatenated: 16 + 8 channels.
    const f = files(SAME, `remove: [proj, projbn]
insert:
  - after: bn2
    layers:
      - { name: side, type: conv, filters: 8, kernel: 3, pad: 1, input: input }
modify:
  sum: { type: concat, act: null, inputs: [bn2, side] }
`);
    const plan = planOf(f);
    expect(wiring(plan)).toContain('side <- input');
    expect(wiring(plan)).toContain('sum <- bn2, side');
    expect(shapeOf(plan, 'sum')).toEqual([8, 8, 24]);
    // conv1, conv2: 3*3*16*16 each; bn1, bn2: 32 each; side 3*3*16*8 + 8; fc 24*10 + 10.
    expect(plan.totals.params).toBe(2 * 2304 + 2 * 32 + 1160 + 250);
  });

  it('keeps every value where its file wrote it: base values in the base, new and rewired ones in the variant', () => {
    const f = files(DOWN, 'insert:\n  - { after: projbn, before: sum, layers: [{ name: drop, type: dropout, p: 0.3 }] }\n');
    const r = compileIn(f, '/m/v.yaml');
    const doc = r.document!;
    const layers = (doc.value as { layers: { name: string }[] }).layers;
    const at = (name: string) => `/layers/${layers.findIndex((l) => l.name === name)}`;
    expect(placeOf(spanAt(doc, `${at('drop')}/p`))).toBe(placeOfText(f, '/m/v.yaml', '0.3'));
    expect(placeOf(spanAt(doc, `${at('sum')}/inputs/0`))).toBe(placeOfText(f, '/m/base.yaml', 'bn2, projbn'));
    expect(placeOf(spanAt(doc, `${at('sum')}/inputs/1`))).toBe(placeOfText(f, '/m/v.yaml', 'sum'));
    expect(placeOf(spanAt(doc, `${at('proj')}/input`))).toBe(placeOfText(f, '/m/base.yaml', 'stem }'));
  });

  it('refuses an edge that does not exist, and `before` alone on a merge', () => {
    const f = files(DOWN, 'insert:\n  - { after: conv1, before: proj, layers: [{ type: relu }] }\n');
    const r = compileIn(f, '/m/v.yaml');
    expect(codes(r)).toEqual(['NETC3509']);
    expect(placeOf(r.diagnostics[0]!.span)).toBe(placeOfText(f, '/m/v.yaml', 'conv1'));
    expect(r.diagnostics[0]!.hint).toBe('`proj` reads `stem`');
    const merge = compileIn(files(DOWN, 'insert:\n  - { before: sum, layers: [{ type: relu }] }\n'), '/m/v.yaml');
    expect(codes(merge)).toEqual(['NETC3508']);
    expect(merge.diagnostics[0]!.message).toContain('`bn2`, `projbn`');
  });
});

describe('graph variants: remove', () => {
  it('rewires the readers of a removed layer to its input', () => {
    const plan = planOf(files(DOWN, 'remove: [projbn]\n'));
    expect(wiring(plan)).toEqual(DOWN_WIRING.filter((w) => !w.startsWith('projbn')).map((w) => (w === 'sum <- bn2, projbn' ? 'sum <- bn2, proj' : w)));
    expect(plan.totals.params).toBe(DOWN_PARAMS - 64);
  });

  it('removes a whole shortcut: the merge reads the block input', () => {
    const plan = planOf(files(SAME, 'remove: [proj, projbn]\n'));
    expect(wiring(plan)).toContain('sum <- bn2, input');
    // SAME without proj (16*16) and projbn (32).
    expect(plan.totals.params).toBe(2 * 2304 + 2 * 32 + 170);
  });

  it('removing a layer that feeds a merge with another shape: an error at the merge, naming the removal', () => {
    // Without proj, projbn carries stem's 32x32x16 into a sum with bn2's 16x16x32.
    const f = files(DOWN, 'remove: [proj]\n');
    const r = compileIn(f, '/m/v.yaml');
    expect(codes(r)).toEqual(['NETC3112']);
    const d = r.diagnostics[0]!;
    expect(placeOf(d.span)).toBe(placeOfText(f, '/m/base.yaml', '[bn2, projbn]'));
    expect(d.message).toContain('16x16x32');
    expect(d.message).toContain('32x32x16');
    expect(d.related!.filter((x) => x.label === OVERRIDE_LABEL).map((x) => placeOf(x.span))).toEqual([placeOfText(f, '/m/v.yaml', 'proj')]);
  });

  it('refuses to remove a merge that something reads', () => {
    const f = files(DOWN, 'remove: [sum]\n');
    const r = compileIn(f, '/m/v.yaml');
    expect(codes(r)).toEqual(['NETC3507']);
    expect(placeOf(r.diagnostics[0]!.span)).toBe(placeOfText(f, '/m/v.yaml', 'sum'));
    expect(r.diagnostics[0]!.message).toContain('`pool`');
  });

  it('replaces a layer of a branch: remove plus insert after it', () => {
    const plan = planOf(files(DOWN, 'remove: [projbn]\ninsert: [{ after: projbn, layers: [{ name: act, type: relu }] }]\n'));
    expect(wiring(plan)).toEqual(expect.arrayContaining(['act <- proj', 'sum <- bn2, act']));
    expect(wiring(plan).some((w) => w.startsWith('projbn'))).toBe(false);
  });
});

describe('graph variants: modify what a layer reads', () => {
  it('changes the inputs of a merge, the new one positioned in the variant', () => {
    const f = files(SAME, 'modify:\n  sum: { inputs: [bn2, projbn, input] }\n');
    const r = compileIn(f, '/m/v.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(wiring(r.plan!)).toContain('sum <- bn2, projbn, input');
    expect(placeOf(spanAt(r.document!, '/layers/6/inputs/2'))).toBe(placeOfText(f, '/m/v.yaml', 'input]'));
  });

  it('disconnects a branch: with a declared output it is a dead branch, left out with a warning', () => {
    const r = compileIn(files(SAME, 'output: prob\nmodify:\n  sum: { inputs: [bn2, input] }\n'), '/m/v.yaml');
    expect(errors(r)).toEqual([]);
    expect(codes(r)).toEqual(['NETC3009']); // one warning for the dead branch
    expect(wiring(r.plan!)).toContain('sum <- bn2, input');
    expect(wiring(r.plan!).some((w) => w.startsWith('proj'))).toBe(false);
  });

  it('turns `inputs` into `input` and back: one key replaces the other', () => {
    const plan = planOf(files(SAME, 'modify:\n  proj: { input: bn1 }\n'));
    expect(wiring(plan)).toContain('proj <- bn1');
    const back = planOf(files(SAME, 'modify:\n  projbn: { inputs: [proj] }\n'));
    expect(wiring(back)).toContain('projbn <- proj');
  });

  it('notes only the changes upstream in the graph, not a change in a sibling branch', () => {
    const base = `netc: 1
name: two
input: { shape: [8, 8, 4] }
layers:
  - { name: a1, type: conv, filters: 8, kernel: 3, pad: 1 }
  - { name: b1, type: conv, filters: 8, kernel: 3, pad: 1, input: input }
  - { name: b2, type: maxpool, window: 4, stride: 4 }
  - { name: mix, type: concat, inputs: [a1, b2] }
`;
    // b1 without padding makes 6x6, which 4x4/4 pooling cannot divide; a1's kernel is in another branch.
    const f = { '/m/base.yaml': base, '/m/v.yaml': 'extends: ./base.yaml\nname: v\nmodify:\n  a1: { kernel: 1, pad: 0 }\n  b1: { pad: 0 }\n' };
    const r = compileIn(f, '/m/v.yaml');
    const shape = r.diagnostics.find((d) => d.code === 'NETC3101')!;
    expect(placeOf(shape.span)).toBe(placeOfText(f, '/m/base.yaml', '4 }'));
    expect(shape.related!.filter((x) => x.label === OVERRIDE_LABEL).map((x) => placeOf(x.span))).toEqual([placeOfText(f, '/m/v.yaml', '0 }', 1)]);
  });
});
