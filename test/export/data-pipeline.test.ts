/**
 * The generated package's data pipeline against netc's (runtime/data) on the same images: the
 * IDX loader, per-channel and per-pixel means, the PCA colour basis, centre-crop evaluation
 * batches (mean and std) and the paper's ten crops. Random draws (order, crops, flips) come from
 * different generators by design and are not compared. Needs /usr/bin/python3 with torch.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writePytorchPackage } from '../../export/pytorch/package.js';
import { augmentHost, computeMean, loadDataset, pcaColourBasis, Rng, tenCropHost, type Dataset, type Shape4 } from '../../runtime/data/index.js';
import { readCheckpoint, writeCheckpoint } from '../../runtime/train/checkpoint.js';
import { planOf } from '../runtime/helpers.js';
import { ROOT } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { PY_DIR, relativeError, runPython, toNCHW, torchMissing } from './helpers.js';
import { AGREEMENT_SPEC } from './specs.js';

const missing = torchMissing();
if (missing) console.log(`skipping the data pipeline comparison: ${missing}`);
const IDX = join(ROOT, 'examples/fashion-mnist/data');
const SCALE = 1 / 255;

describe.skipIf(missing !== null)("generated data pipeline vs netc's", () => {
  const newDir = useTempDirs('export');
  const n = 20;
  const rgbBytes = Uint8Array.from({ length: n * 32 * 32 * 3 }, (_, i) => (i * 2654435761) % 251);
  const rgb: Dataset = { images: rgbBytes, labels: new Uint8Array(n), count: n, height: 32, width: 32, channels: 3, numClasses: 10, source: 'rgb' };
  let py: Map<string, { shape: number[]; values: Float32Array }>;

  beforeAll(() => {
    const dir = newDir();
    const pkg = join(dir, 'pkg');
    writePytorchPackage(planOf(AGREEMENT_SPEC), pkg);
    const inputs = join(dir, 'inputs.ckpt');
    writeCheckpoint(inputs, {} as never, [{ name: 'rgb', shape: [n, 32, 32, 3], values: Float32Array.from(rgbBytes) }]);
    runPython([join(PY_DIR, 'data_check.py'), pkg, IDX, inputs, join(dir, 'out.ckpt')]);
    py = readCheckpoint(join(dir, 'out.ckpt')).tensors;
  });
  const get = (name: string) => py.get(name)!.values;

  it('reads the same IDX images and labels', async () => {
    const ds = await loadDataset({ kind: 'fashion-mnist', path: IDX }, 'train', { only: true });
    expect(get('idx/count')[0]).toBe(ds.count);
    expect(Array.from(get('idx/images'))).toEqual(Array.from(ds.images.subarray(0, 8 * 28 * 28)));
    expect(Array.from(get('idx/labels'))).toEqual(Array.from(ds.labels.subarray(0, 8)));
    expect(relativeError(get('idx/mean_channel'), computeMean(ds, 'channel', SCALE).values)).toBeLessThan(1e-6);
  });

  it('computes the same per-pixel mean and PCA colour basis', () => {
    expect(relativeError(get('rgb/mean_pixel'), computeMean(rgb, 'pixel', SCALE).values)).toBeLessThan(1e-6);
    const basis = pcaColourBasis(rgb, { scale: SCALE });
    expect(relativeError(get('rgb/eigenvalues'), basis.eigenvalues)).toBeLessThan(1e-5);
    // Eigenvectors are defined up to their sign.
    const vectors = get('rgb/eigenvectors');
    for (let i = 0; i < 3; i++) {
      const ours = basis.eigenvectors[i]!;
      const dot = ours.reduce((s, v, c) => s + v * vectors[i * 3 + c]!, 0);
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-4);
    }
  });

  it('makes the same centre-crop evaluation batch (scale, mean, crop, std)', () => {
    const std = [0.5, 0.25, 0.2];
    const x = Float32Array.from(rgbBytes.subarray(0, 4 * 32 * 32 * 3), (v) => v * SCALE);
    const { x: centre, shape } = augmentHost(x, [4, 32, 32, 3], { mean: computeMean(rgb, 'channel', SCALE), crop: { height: 28, width: 28, mode: 'center' } }, new Rng(1));
    for (let i = 0; i < centre.length; i++) centre[i]! /= std[i % 3]!;
    expect(relativeError(get('rgb/centre'), toNCHW(centre, shape))).toBeLessThan(1e-6);
  });

  it("makes the paper's ten crops", () => {
    const x = Float32Array.from(rgbBytes.subarray(0, 4 * 32 * 32 * 3), (v) => v * SCALE);
    const crops = tenCropHost(x, [4, 32, 32, 3] as Shape4, 28, 28, computeMean(rgb, 'pixel', SCALE));
    crops.forEach((c, i) => expect(relativeError(get(`rgb/crop${i}`), toNCHW(c, [4, 28, 28, 3])), `crop ${i}`).toBeLessThan(1e-6));
  });
});
