import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.js';
import { DiagnosticSink } from '../../compiler/diagnostics/diagnostic.js';
import { diffModels, type DiffInput, type LayerRow } from '../../compiler/diff/model-diff.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';
import { readPlan } from '../../compiler/plan/read-plan.js';
import type { Plan } from '../../plan/types.js';
import { buildReport } from '../../compiler/report/report-data.js';
import { compileOrThrow, longSpecPair } from '../../bench/diff.js';

const BASE = 'specs/alexnet.yaml';
const ONE_GPU = 'specs/variants/alexnet-1gpu.yaml';

const compiled = new Map<string, Plan>();
function planOf(path: string): Plan {
  if (!compiled.has(path)) {
    const r = compileFile(path);
    expect(r.diagnostics).toEqual([]);
    compiled.set(path, r.plan!);
  }
  // A copy: "computed independently" means no object is shared between the two sides' checks.
  return structuredClone(compiled.get(path)!);
}
const input = (path: string): DiffInput => ({ plan: planOf(path), source: path, specDir: dirname(path) });
const row = (rows: LayerRow[], name: string) => rows.find((r) => r.name === name)!;
const sum = (rows: LayerRow[], f: (r: LayerRow) => number) => rows.reduce((a, r) => a + f(r), 0);

describe('diffModels: AlexNet against its one-GPU variant', () => {
  const diff = diffModels(input(BASE), input(ONE_GPU));
  // Computed independently: each side compiled again and reported on its own.
  const reportA = buildReport(planOf(BASE));
  const reportB = buildReport(planOf(ONE_GPU));

  it('shows every changed conv filter count, old -> new', () => {
    const filters = diff.layers.flatMap((r) => r.changes.filter((c) => c.key === 'filters').map((c) => `${r.name} ${c.a}->${c.b}`));
    expect(filters).toEqual(['conv1 96->48', 'conv2 256->128', 'conv3 384->192', 'conv4 384->192']);
    expect(row(diff.layers, 'conv2').changes).toContainEqual({ key: 'connect', a: 'tower', b: null });
    expect(diff.model).toContainEqual({ path: 'towers', a: 2, b: 1 });
  });

  it('shows shape changes propagated downstream, without attribute changes', () => {
    const norm1 = row(diff.layers, 'norm1');
    expect(norm1.status).toBe('changed');
    expect(norm1.changes).toEqual([]);
    expect([norm1.a!.outputShape, norm1.b!.outputShape]).toEqual([[55, 55, 96], [55, 55, 48]]);
    expect(row(diff.layers, 'conv5').shapeChanged).toBe(false);
  });

  it('has per-layer numbers that match each side’s own report, and deltas b - a', () => {
    expect(diff.layers.map((r) => r.name)).toEqual(reportB.layers.map((l) => l.name));
    for (const r of diff.layers) {
      const a = reportA.layers.find((l) => l.name === r.a!.name)!;
      const b = reportB.layers.find((l) => l.name === r.b!.name)!;
      expect([r.a!.params, r.a!.macs, r.a!.outputShape, r.a!.exchangeBytesPerBatch]).toEqual([a.params, a.macs, a.outputShape, a.exchangeBytesPerBatch]);
      expect([r.b!.params, r.b!.macs, r.b!.outputShape, r.b!.exchangeBytesPerBatch]).toEqual([b.params, b.macs, b.outputShape, b.exchangeBytesPerBatch]);
      expect(r.delta).toEqual({ params: b.params - a.params, macs: b.macs - a.macs, activationBytes: b.activationBytes - a.activationBytes, exchangeBytesPerBatch: b.exchangeBytesPerBatch - a.exchangeBytesPerBatch });
    }
  });

  it('has totals that match the reports, deltas that are b - a and add up over the layers', () => {
    const t = diff.totals;
    const xa = reportA.totals.exchangeBytesPerBatch;
    const xb = reportB.totals.exchangeBytesPerBatch;
    expect([t.params.a, t.params.b]).toEqual([reportA.totals.params, reportB.totals.params]);
    expect([t.macs.a, t.macs.b]).toEqual([reportA.totals.macs, reportB.totals.macs]);
    expect([t.activationBytesPerBatch.a, t.activationBytesPerBatch.b]).toEqual([reportA.totals.activationBytesPerBatch, reportB.totals.activationBytesPerBatch]);
    expect([t.exchangeBytesPerBatch.a, t.exchangeBytesPerBatch.b]).toEqual([xa.forward + xa.backward, xb.forward + xb.backward]);
    for (const x of Object.values(t)) {
      expect(x.delta).toBe(x.b - x.a);
      expect(x.percent).toBeCloseTo(((x.b - x.a) / x.a) * 100, 9);
    }
    expect(sum(diff.layers, (r) => r.delta.params)).toBe(t.params.delta);
    expect(sum(diff.layers, (r) => r.delta.macs)).toBe(t.macs.delta);
    expect(sum(diff.layers, (r) => r.delta.exchangeBytesPerBatch)).toBe(t.exchangeBytesPerBatch.delta);
    expect(t.exchangeBytesPerBatch.b).toBe(0);
  });

  it('is plain JSON with the documented keys', () => {
    const json = JSON.parse(JSON.stringify(diff));
    expect(Object.keys(json)).toEqual(['a', 'b', 'identical', 'model', 'summary', 'layers', 'branches', 'totals', 'batch', 'train', 'data']);
    expect(Object.keys(json.layers[0])).toEqual(['status', 'name', 'renamedFrom', 'a', 'b', 'changes', 'shapeChanged', 'delta']);
    expect(Object.keys(json.totals)).toEqual(['params', 'macs', 'otherOps', 'activationBytesPerBatch', 'exchangeBytesPerBatch']);
    expect(json.identical).toBe(false);
    expect(json.summary).toEqual({ same: 3, changed: 14, added: 0, removed: 0 });
  });
});

describe('diffModels: other changes', () => {
  it('lists removed layers and a changed data section', () => {
    const noLrn = diffModels(input(BASE), input('specs/variants/alexnet-no-lrn.yaml'));
    expect(noLrn.layers.filter((r) => r.status !== 'same').map((r) => `${r.status} ${r.name}`)).toEqual(['removed norm1', 'removed norm2']);
    // `imagenet` in specs/ and `../imagenet` in specs/variants/ are one folder.
    expect(noLrn.data).toEqual([]);
    const noPca = diffModels(input(BASE), input('specs/variants/alexnet-no-pca.yaml'));
    // Under the spec's own key, `pca_colour` (the plan's is pcaColour).
    expect(noPca.data).toEqual([{ path: 'augment.pca_colour', a: 0.1, b: 0 }]);
    expect(noPca.identical).toBe(false);
  });

  it('finds two spellings of one model identical: a spec and its plan read back', () => {
    const sink = new DiagnosticSink();
    const plan = readPlan('alexnet.plan.json', serializePlan(planOf(BASE)), sink);
    expect(sink.items).toEqual([]);
    const diff = diffModels(input(BASE), { plan: plan!, source: 'alexnet.plan.json' });
    expect(diff.identical).toBe(true);
    expect(diff.summary.same).toBe(17);
  });

  it('diffs a long generated pair: the renamed, inserted, removed and widened layers, nothing else', () => {
    const pair = longSpecPair(400);
    const a = compileOrThrow('a.yaml', pair.a);
    const b = compileOrThrow('b.yaml', pair.b);
    const diff = diffModels({ plan: a, source: 'a.yaml' }, { plan: b, source: 'b.yaml' });
    const changed = diff.layers.filter((r) => r.status !== 'same');
    expect(changed.filter((r) => r.status === 'removed')).toHaveLength(4);
    expect(changed.filter((r) => r.status === 'added').map((r) => r.name)).toEqual(['extra_relu']);
    expect(changed.filter((r) => r.renamedFrom).map((r) => `${r.renamedFrom}->${r.name}`)).toEqual([expect.stringMatching(/^norm(\d+)->lrn\1$/)]);
    const widened = changed.find((r) => r.changes.some((c) => c.key === 'filters'))!;
    expect(widened.changes).toContainEqual({ key: 'filters', a: '16', b: '32' });
    // The widened conv's output reaches its lrn, pool, dropout and the next conv's weights.
    expect(changed.filter((r) => r.status === 'changed' && !r.renamedFrom).length).toBeLessThanOrEqual(6);
    expect(diff.totals.params.delta).toBe(b.totals.params - a.totals.params);
  });

  it('completes on 5,000-op plans (timed in bench/diff.ts)', () => {
    // Plans built by repeating AlexNet's ops: compiling 5,000 layers would dominate the test.
    const long = (plan: Plan, tag: (k: number, name: string) => string): Plan => {
      const body = plan.ops.filter((o) => o.op !== 'exchange' && o.op !== 'input');
      const ops = Array.from({ length: 5000 }, (_, k) => ({ ...body[k % body.length]!, id: k, name: tag(k, body[k % body.length]!.name) }));
      return { ...plan, ops };
    };
    const base = planOf(BASE);
    const a = long(base, (k, name) => `${name}_${k}`);
    const b = long(base, (k, name) => (k === 2500 ? 'renamed' : `${name}_${k}`));
    b.ops.splice(1000, 3);
    const diff = diffModels({ plan: a, source: 'a' }, { plan: b, source: 'b' });
    expect(diff.summary.removed + diff.summary.changed).toBeGreaterThanOrEqual(4);
    expect(diff.summary.same).toBeGreaterThan(4900);
  });
});
