/**
 * AlexNet against numbers known independently of netc: the paper's layer
 * table, and parameter/mult-add counts worked out by hand from it
 * (shared/paper-notes.md). None of these numbers come from netc's output.
 */
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.js';
import type { Plan } from '../../plan/types.js';

function compiled(path: string): Plan {
  const r = compileFile(path);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(r.plan).toBeDefined();
  return r.plan!;
}

// (kernel h * w * input channels per group * filters) + biases, by hand.
const paperParams: Record<string, number> = {
  conv1: 11 * 11 * 3 * 96 + 96, // 34,944
  conv2: 5 * 5 * 48 * 256 + 256, // 307,456
  conv3: 3 * 3 * 256 * 384 + 384, // 885,120
  conv4: 3 * 3 * 192 * 384 + 384, // 663,936
  conv5: 3 * 3 * 192 * 256 + 256, // 442,624
  fc6: 9216 * 4096 + 4096, // 37,752,832
  fc7: 4096 * 4096 + 4096, // 16,781,312
  fc8: 4096 * 1000 + 1000, // 4,097,000
};

describe('specs/alexnet.yaml (two towers)', () => {
  const plan = compiled('specs/alexnet.yaml');
  const byName = new Map(plan.ops.map((o) => [o.name, o]));

  it('has the paper total of 60,965,224 parameters', () => {
    expect(plan.totals.params).toBe(60_965_224);
    expect(Object.values(paperParams).reduce((a, b) => a + b, 0)).toBe(60_965_224);
  });

  it('has the per-layer parameter counts of the paper', () => {
    for (const [name, count] of Object.entries(paperParams)) expect(byName.get(name)?.cost.params, name).toBe(count);
    expect(paperParams).toMatchObject({ conv1: 34_944, conv2: 307_456, conv3: 885_120, conv4: 663_936, conv5: 442_624, fc6: 37_752_832, fc7: 16_781_312, fc8: 4_097_000 });
  });

  it('does 724,406,816 mult-adds per image (bias adds excluded)', () => {
    // output pixels x kernel volume per output, by hand
    const byHand =
      55 * 55 * 96 * (11 * 11 * 3) + 27 * 27 * 256 * (5 * 5 * 48) + 13 * 13 * 384 * (3 * 3 * 256) + 13 * 13 * 384 * (3 * 3 * 192) + 13 * 13 * 256 * (3 * 3 * 192) + 9216 * 4096 + 4096 * 4096 + 4096 * 1000;
    expect(byHand).toBe(724_406_816);
    expect(plan.totals.macs).toBe(724_406_816);
  });

  it('has the output shapes of the paper', () => {
    const shapes = ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5', 'fc6', 'fc7', 'fc8'].map((n) => byName.get(n)!.outputShape.join('x'));
    expect(shapes).toEqual(['55x55x96', '27x27x96', '27x27x256', '13x13x256', '13x13x384', '13x13x384', '13x13x256', '6x6x256', '4096', '4096', '1000']);
  });

  it('connects conv2, conv4, conv5 within a tower and conv3, fc6-8 across towers', () => {
    for (const n of ['conv2', 'conv4', 'conv5']) expect(byName.get(n)!.towers.connect).toBe('tower');
    for (const n of ['conv3', 'fc6', 'fc7', 'fc8']) {
      expect(byName.get(n)!.towers.connect).toBe('all');
      expect(byName.get(`${n}.gather`)?.op).toBe('exchange');
    }
    // conv1 reads the image, which every tower has: no exchange
    expect(byName.has('conv1.gather')).toBe(false);
  });

  it('counts the bytes that cross between towers', () => {
    // each tower receives the other's half: (T - 1) x elements x 4 bytes per image
    const conv3 = byName.get('conv3.gather');
    expect(conv3?.op === 'exchange' && conv3.attrs.forwardBytes).toBe(13 * 13 * 256 * 4);
    const perImage = (13 * 13 * 256 + 9216 + 4096 + 4096 + 1000) * 4;
    expect(plan.totals.exchangeBytesPerImage).toEqual({ forward: perImage, backward: perImage });
    expect(plan.totals.exchangeBytesPerBatch.forward).toBe(perImage * 128);
  });

  it("initializes as the paper: N(0, 0.01) weights, biases 1 in conv2/4/5 and fc6/7, 0 elsewhere", () => {
    for (const p of plan.params.filter((p) => p.role === 'weight')) expect(p.init).toEqual({ kind: 'normal', mean: 0, std: 0.01 });
    const ones = plan.params.filter((p) => p.role === 'bias' && p.init.kind === 'constant' && p.init.value === 1).map((p) => p.op);
    expect(ones).toEqual(['conv2', 'conv4', 'conv5', 'fc6', 'fc7']);
  });

  it('uses the LRN constants of the paper, normalizing within each tower', () => {
    const norm1 = byName.get('norm1');
    expect(norm1?.op === 'lrn' && norm1.attrs).toEqual({ size: 5, alpha: 1e-4, beta: 0.75, k: 2, channelsPerTower: 48 });
  });

  it('stores grouped weights with input channels per group', () => {
    expect(plan.params.find((p) => p.name === 'conv2.weight')?.shape).toEqual([5, 5, 48, 256]);
    expect(plan.params.find((p) => p.name === 'conv3.weight')?.shape).toEqual([3, 3, 256, 384]);
  });
});

describe('specs/alexnet-1tower.yaml (same widths, one tower)', () => {
  it('has 62,378,344 parameters: grouped layers now see all channels', () => {
    const plan = compiled('specs/alexnet-1tower.yaml');
    // conv2, conv4, conv5 gain the weights to the other tower's channels
    const extra = 5 * 5 * 48 * 256 + 3 * 3 * 192 * 384 + 3 * 3 * 192 * 256;
    expect(60_965_224 + extra).toBe(62_378_344);
    expect(plan.totals.params).toBe(62_378_344);
    expect(plan.ops.some((o) => o.op === 'exchange')).toBe(false);
  });
});
