/**
 * `netc diff` on graphs (branches added and removed, rewired edges, branches
 * listed in another order) and the display fixes of issue 12 (rounding shown
 * apart from padding, the spec's key names, data key by key, the input as a
 * shape). Expected numbers are worked out here from the layer sizes.
 */
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { diffModels, type LayerRow, type ModelDiff } from '../../compiler/diff/model-diff.js';
import { renderDiffMarkdown, renderDiffText } from '../../compiler/diff/render-diff.js';
import type { Plan } from '../../plan/types.js';

function planOf(text: string): Plan {
  const r = compileSource('model.yaml', text);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.plan!;
}
const diff = (a: string, b: string): ModelDiff => diffModels({ plan: planOf(a), source: 'a.yaml' }, { plan: planOf(b), source: 'b.yaml' });
const row = (d: ModelDiff, name: string): LayerRow => d.layers.find((r) => r.name === name)!;
const notSame = (d: ModelDiff) => d.layers.filter((r) => r.status !== 'same').map((r) => `${r.status} ${r.name}`);

/** A block that keeps its 8x8x16 shape; `shortcut` is what the add reads besides bn2. */
const block = (shortcut: string, extra = '') => `netc: 1
name: block
input: { shape: [8, 8, 16] }
layers:
  - { name: conv1, type: conv, filters: 16, kernel: 3, pad: 1, bias: false }
  - { name: bn1, type: batchnorm, act: relu }
  - { name: conv2, type: conv, filters: 16, kernel: 3, pad: 1, bias: false }
  - { name: bn2, type: batchnorm }
${extra}  - { name: sum, type: add, inputs: [bn2, ${shortcut}], act: relu }
  - { name: pool, type: globalavgpool }
  - { name: fc, type: dense, units: 10 }
  - { name: prob, type: softmax }
`;
const PROJECTION = `  - { name: proj, type: conv, filters: 16, kernel: 1, bias: false, input: input }
  - { name: projbn, type: batchnorm }
`;

describe('netc diff: branches', () => {
  const identity = block('input');
  const projected = block('projbn', PROJECTION);

  it('shows an added shortcut branch as its ops, where it starts and what reads it', () => {
    const d = diff(identity, projected);
    expect(notSame(d)).toEqual(['added proj', 'added projbn']);
    // The add reads the new branch where it read the input: that is the added branch, not a rewired edge.
    expect(row(d, 'sum').changes).toEqual([]);
    expect(d.branches).toEqual([{ status: 'added', ops: ['proj', 'projbn'], from: ['input'], into: ['sum'], chain: true, kind: 'branch' }]);
    // proj: 1x1x16x16 weights; projbn: scale and shift of 16 channels.
    expect(d.totals.params.delta).toBe(256 + 32);
    const text = renderDiffText(d);
    expect(text).toMatch(/^branches\n {2}\+ input -> proj -> projbn -> sum$/m);
    expect(renderDiffMarkdown(d)).toContain('- added: `input → proj → projbn → sum`');
  });

  it('shows a removed branch the same way, marked removed', () => {
    const d = diff(projected, identity);
    expect(d.branches.map((b) => `${b.status} ${b.from} -> ${b.ops.join(' ')} -> ${b.into}`)).toEqual(['removed input -> proj projbn -> sum']);
    expect(renderDiffText(d)).toMatch(/^ {2}- input -> proj -> projbn -> sum$/m);
  });

  it('shows a rewired edge as the input change of the op that reads something else', () => {
    const d = diff(identity, block('bn1'));
    expect(notSame(d)).toEqual(['changed sum']);
    expect(row(d, 'sum').changes).toEqual([{ key: 'inputs', a: 'bn2, input', b: 'bn2, bn1' }]);
    expect(d.branches).toEqual([]);
    expect(renderDiffText(d)).toContain('inputs bn2, input -> bn2, bn1');
  });

  it('pairs ops by name when two graphs list their branches in another order', () => {
    const a = `netc: 1
name: two
input: { shape: [8, 8, 4] }
layers:
  - { name: a1, type: conv, filters: 8, kernel: 3, pad: 1 }
  - { name: a2, type: conv, filters: 8, kernel: 1 }
  - { name: b1, type: conv, filters: 4, kernel: 1, input: input }
  - { name: b2, type: conv, filters: 4, kernel: 3, pad: 1 }
  - { name: mix, type: concat, inputs: [a2, b2] }
  - { name: gap, type: globalavgpool }
`;
    // The same graph, branch b listed first; then with b2 widened.
    const b = `netc: 1
name: two
input: { shape: [8, 8, 4] }
layers:
  - { name: b1, type: conv, filters: 4, kernel: 1 }
  - { name: b2, type: conv, filters: 4, kernel: 3, pad: 1 }
  - { name: a1, type: conv, filters: 8, kernel: 3, pad: 1, input: input }
  - { name: a2, type: conv, filters: 8, kernel: 1 }
  - { name: mix, type: concat, inputs: [a2, b2] }
  - { name: gap, type: globalavgpool }
`;
    const same = diff(a, b);
    expect(same.identical).toBe(true);
    expect(same.summary).toEqual({ same: 6, changed: 0, added: 0, removed: 0 });
    const wider = diff(a, b.replace('name: b2, type: conv, filters: 4', 'name: b2, type: conv, filters: 6'));
    expect(notSame(wider)).toEqual(['changed b2', 'changed mix', 'changed gap']);
    expect(row(wider, 'b2').changes).toEqual([{ key: 'filters', a: '4', b: '6' }]);
    // mix: 8 + 4 -> 8 + 6 channels, reaching the pooling; b2's weights 3*3*4*4 + 4 -> 3*3*4*6 + 6.
    expect(row(wider, 'mix').b!.outputShape).toEqual([8, 8, 14]);
    expect(wider.totals.params.delta).toBe(222 - 148);
  });

  it('groups an inserted module that forks inside: one run, on the edge it was inserted on', () => {
    const chain = `netc: 1
name: stem
input: { shape: [16, 16, 8] }
layers:
  - { name: stem, type: conv, filters: 8, kernel: 3, pad: 1 }
  - { name: gap, type: globalavgpool }
`;
    const inception = chain.replace('  - { name: gap', `  - { name: b1, type: conv, filters: 4, kernel: 1 }
  - { name: b2a, type: conv, filters: 4, kernel: 1, input: stem }
  - { name: b2b, type: conv, filters: 8, kernel: 3, pad: 1 }
  - { name: b3a, type: maxpool, window: 3, stride: 1, pad: 1, input: stem }
  - { name: b3b, type: conv, filters: 4, kernel: 1 }
  - { name: mix, type: concat, inputs: [b1, b2b, b3b] }
  - { name: gap`);
    const d = diff(chain, inception);
    expect(d.branches).toEqual([{ status: 'added', ops: ['b1', 'b2a', 'b2b', 'b3a', 'b3b', 'mix'], from: ['stem'], into: ['gap'], chain: false, kind: 'edge' }]);
    // gap reads the module where it read stem: no rewired edge, and its output grows from 8 to 4 + 8 + 4 channels.
    expect(row(d, 'gap').changes).toEqual([]);
    expect(row(d, 'gap').b!.outputShape).toEqual([16]);
  });
});

describe('netc diff: display (issue 12)', () => {
  const pooled = (round: string) => `netc: 1
name: pooled
input: { shape: [8, 8, 3] }
layers:
  - { name: pool, type: maxpool, window: 3, stride: 2${round} }
  - { name: gap, type: globalavgpool }
`;

  it('shows rounding apart from the padding, and the round change that changed a shape', () => {
    // (8 - 3) / 2 + 1 = 3.5: ceil keeps the partial window (4x4, one extra row and column), floor drops it (3x3).
    const d = diff(pooled(', round: ceil'), pooled(', round: floor'));
    const pool = row(d, 'pool');
    expect([pool.a!.outputShape, pool.b!.outputShape]).toEqual([[4, 4, 3], [3, 3, 3]]);
    expect(pool.changes).toEqual([{ key: 'round', a: 'ceil', b: 'floor' }]);
    expect(pool.a!.attrs.pad).toBe('0');
    expect(renderDiffText(d)).toContain('round ceil -> floor');
    // Windows that fit exactly need no rounding: nothing to show, whatever the spec's `round`.
    const exact = diff(pooled('').replace('[8, 8, 3]', '[9, 9, 3]'), pooled(', round: ceil').replace('[8, 8, 3]', '[9, 9, 3]'));
    expect(exact.identical).toBe(true);
  });

  it('names training settings with the spec keys', () => {
    const spec = (delta: number, smoothing: number) => `${pooled('')}train:
  batch: 8
  optimizer: { type: sgd, lr: 0.1, weight_decay: 0.0005 }
  schedule: { type: plateau, min_delta: ${delta}, max_reductions: 3 }
  label_smoothing: ${smoothing}
`.replace('[8, 8, 3]', '[9, 9, 3]');
    const d = diff(spec(0.01, 0), spec(0.02, 0.1));
    expect(d.train).toEqual([{ path: 'schedule.min_delta', a: 0.01, b: 0.02 }, { path: 'label_smoothing', a: 0, b: 0.1 }]);
    expect(renderDiffText(d)).toMatch(/^ {2}schedule\.min_delta +0\.01 -> 0\.02$/m);
  });

  it('diffs a data section key by key, also against a spec without one', () => {
    const base = `netc: 1
name: small
input: { shape: [24, 24, 1] }
layers:
  - { type: flatten }
  - { type: dense, units: 10 }
  - { type: softmax }
`;
    const withData = `${base}data: { dataset: fashion-mnist, train_limit: 500, augment: { random_crop: [24, 24], flip: true } }\n`;
    const d = diff(base, withData);
    const paths = d.data.map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(['dataset.kind', 'train_limit', 'augment.random_crop', 'augment.flip', 'test_crops']));
    expect(d.data.find((c) => c.path === 'train_limit')).toEqual({ path: 'train_limit', a: null, b: 500 });
    // Every entry is one setting, never a whole section as a JSON blob.
    for (const c of d.data) expect(typeof c.b === 'object' && c.b !== null && !Array.isArray(c.b), c.path).toBe(false);
    const text = renderDiffText(d);
    expect(text).toMatch(/^ {2}augment\.random_crop +\(none\) -> \[24, 24\]$/m);
    expect(text).not.toContain('{');
  });

  it('shows the model input as a shape', () => {
    const d = diff(pooled('').replace('[8, 8, 3]', '[9, 9, 3]'), pooled('').replace('[8, 8, 3]', '[11, 11, 3]'));
    expect(d.model).toContainEqual({ path: 'input', a: [9, 9, 3], b: [11, 11, 3] });
    expect(d.model.some((c) => c.path.startsWith('input['))).toBe(false);
    expect(renderDiffText(d)).toMatch(/^ {2}input +9x9x3 -> 11x11x3$/m);
  });
});
