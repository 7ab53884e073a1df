/** The paper's comparisons, shipped as variants of AlexNet and of the Fashion-MNIST example: all compile cleanly. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.js';
import type { Plan } from '../../plan/types.js';

const folders = ['specs/variants', 'examples/fashion-mnist/variants'];
const files = folders.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)));
const plans = new Map<string, Plan>();
const planOf = (path: string) => {
  if (!plans.has(path)) {
    const r = compileFile(path);
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    plans.set(path, r.plan!);
  }
  return plans.get(path)!;
};
/** [base, variant] for the comparisons whose numbers follow the base. */
const PAIRS = {
  oneTower: [['specs/alexnet.yaml', 'specs/variants/alexnet-1gpu.yaml'], ['examples/fashion-mnist/fmnist-alexnet.yaml', 'examples/fashion-mnist/variants/fmnist-1tower.yaml']],
  noOverlap: [['specs/alexnet.yaml', 'specs/variants/alexnet-no-overlap.yaml'], ['examples/fashion-mnist/fmnist-alexnet.yaml', 'examples/fashion-mnist/variants/fmnist-no-overlap.yaml']],
};
const ops = (path: string, kind: string) => planOf(path).ops.filter((o) => o.op === kind);

describe('shipped variants', () => {
  it('are six per base', () => {
    expect(files.filter((f) => f.startsWith('specs/')).length).toBe(6);
    expect(files.filter((f) => f.startsWith('examples/')).length).toBe(6);
  });

  it.each(files)('%s compiles without diagnostics and has its own name', (path) => {
    const plan = planOf(path);
    expect(plan.model.name).not.toMatch(/^(alexnet|fmnist-alexnet)$/);
  });

  it('one GPU: one tower, half the kernels in conv1-conv4, conv5 and the dense layers as in the paper', () => {
    expect(planOf('specs/variants/alexnet-1gpu.yaml').towers).toBe(1);
    expect(ops('specs/variants/alexnet-1gpu.yaml', 'conv2d').map((o) => o.outputShape[2])).toEqual([48, 128, 192, 192, 256]);
    expect(ops('specs/variants/alexnet-1gpu.yaml', 'dense').map((o) => o.outputShape[0])).toEqual([4096, 4096, 1000]);
    for (const [base, variant] of PAIRS.oneTower) {
      const filters = (path: string) => ops(path, 'conv2d').map((o) => o.outputShape[2]!);
      const halved = filters(base).map((f, i, all) => (i < all.length - 1 ? f / 2 : f));
      expect(filters(variant)).toEqual(halved);
      expect(ops(variant, 'dense').map((o) => o.outputShape)).toEqual(ops(base, 'dense').map((o) => o.outputShape));
    }
  });

  it('non-overlapping pooling keeps the sizes of overlapping pooling', () => {
    for (const [base, variant] of PAIRS.noOverlap) {
      const pools = (path: string) => ops(path, 'maxpool').map((o) => [o.outputShape, (o.attrs as { window: number[] }).window[0]]);
      expect(pools(variant)).toEqual(pools(base).map(([shape]) => [shape, 2]));
    }
  });

  it('drop LRN, dropout, ReLU and augmentation as their names say', () => {
    for (const dir of folders) {
      const prefix = dir.startsWith('specs') ? 'alexnet' : 'fmnist';
      expect(ops(`${dir}/${prefix}-no-lrn.yaml`, 'lrn')).toEqual([]);
      expect(ops(`${dir}/${prefix}-no-dropout.yaml`, 'dropout')).toEqual([]);
      const acts = [...ops(`${dir}/${prefix}-tanh.yaml`, 'conv2d'), ...ops(`${dir}/${prefix}-tanh.yaml`, 'dense')].map((o) => (o.attrs as { activation: { fn: string } }).activation.fn);
      expect(acts).toEqual(['tanh', 'tanh', 'tanh', 'tanh', 'tanh', 'tanh', 'tanh', 'linear']);
    }
    expect(planOf('specs/variants/alexnet-no-pca.yaml').data!.augment.pcaColour).toBe(0);
    const plain = planOf('examples/fashion-mnist/variants/fmnist-no-augment.yaml').data!.augment;
    expect([plain.randomCrop, plain.flip, plain.pad]).toEqual([null, false, 0]);
  });

  it('keep reading the data folder of their base', () => {
    expect(planOf('specs/variants/alexnet-no-lrn.yaml').data!.dataset.path).toBe('../imagenet');
    expect(planOf('specs/variants/alexnet-no-pca.yaml').data!.dataset.path).toBe('../imagenet');
    for (const f of files.filter((f) => f.startsWith('examples/'))) expect(planOf(f).data!.dataset.path).toBe('../data');
  });
});
