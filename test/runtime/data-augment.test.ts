import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  centerCrop,
  computeMean,
  padImages,
  pcaColourBasis,
  pcaColourJitter,
  pcaColourOffset,
  randomCrop,
  randomFlip,
  subtractMean,
  tenCrop,
} from '../../runtime/data/augment.js';
import { symmetricEigen } from '../../runtime/data/eigen.js';
import { augmentHost, tenCropHost, type Shape4 } from '../../runtime/data/host-augment.js';
import { Rng } from '../../runtime/data/rng.js';
import type { Dataset } from '../../runtime/data/types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** N x 4 x 5 x 1 batch whose pixel (n, y, x) holds 100n + 10y + x. */
function grid(n = 1, h = 4, w = 5): tf.Tensor4D {
  const v: number[] = [];
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v.push(100 * i + 10 * y + x);
  return tf.tensor4d(v, [n, h, w, 1]);
}
const rows = (t: tf.Tensor): number[][][] => (t.arraySync() as number[][][][]).map((im) => im.map((r) => r.map((p) => p[0]!)));

describe('symmetricEigen (Jacobi)', () => {
  const mul = (a: number[][], v: number[]): number[] => a.map((r) => r.reduce((s, x, j) => s + x * v[j]!, 0));

  it('handles a diagonal matrix', () => {
    const { values, vectors } = symmetricEigen([
      [2, 0, 0],
      [0, 5, 0],
      [0, 0, 1],
    ]);
    expect(values).toEqual([5, 2, 1]);
    expect(vectors).toEqual([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('recovers a rotated known matrix: A p = l p, orthonormal p', () => {
    // A = R diag(9, 4, 0.25) R^T with R a rotation about two axes.
    const c1 = Math.cos(0.7), s1 = Math.sin(0.7), c2 = Math.cos(-1.1), s2 = Math.sin(-1.1);
    const rz = [[c1, -s1, 0], [s1, c1, 0], [0, 0, 1]];
    const rx = [[1, 0, 0], [0, c2, -s2], [0, s2, c2]];
    const mm = (a: number[][], b: number[][]): number[][] => a.map((r) => b[0]!.map((_, j) => r.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
    const r = mm(rz, rx);
    const rt = r[0]!.map((_, j) => r.map((row) => row[j]!));
    const a = mm(mm(r, [[9, 0, 0], [0, 4, 0], [0, 0, 0.25]]), rt);
    const { values, vectors } = symmetricEigen(a);
    expect(values[0]).toBeCloseTo(9, 10);
    expect(values[1]).toBeCloseTo(4, 10);
    expect(values[2]).toBeCloseTo(0.25, 10);
    vectors.forEach((p, i) => {
      mul(a, p).forEach((x, k) => expect(x).toBeCloseTo(values[i]! * p[k]!, 10));
      expect(Math.hypot(...p)).toBeCloseTo(1, 12);
      // Eigenvector i is column i of R, up to sign.
      const dot = p.reduce((s, x, k) => s + x * r[k]![i]!, 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 10);
    });
    expect(vectors[0]!.reduce((s, x, k) => s + x * vectors[1]![k]!, 0)).toBeCloseTo(0, 12);
  });

  it('rejects non-symmetric input', () => {
    expect(() => symmetricEigen([[1, 2], [0, 1]])).toThrow(/symmetric/);
  });
});

describe('crops and flips', () => {
  it('random crop takes each image at its own seeded offset', () => {
    const x = grid(3);
    const out = randomCrop(x, 2, 3, new Rng(11));
    expect(out.shape).toEqual([3, 2, 3, 1]);
    const replay = new Rng(11);
    rows(out).forEach((im, n) => {
      const oy = replay.int(3), ox = replay.int(3); // H-h+1 = 3, W-w+1 = 3
      expect(im).toEqual([0, 1].map((y) => [0, 1, 2].map((xx) => 100 * n + 10 * (oy + y) + ox + xx)));
    });
    expect(rows(randomCrop(x, 2, 3, new Rng(11)))).toEqual(rows(out)); // same seed, same crops
  });

  it('flips each image with probability p, exactly', () => {
    const x = grid(8, 2, 3);
    const out = rows(randomFlip(x, new Rng(3)));
    const replay = new Rng(3);
    const orig = rows(x);
    let flipped = 0;
    out.forEach((im, n) => {
      const f = replay.next() < 0.5;
      flipped += f ? 1 : 0;
      expect(im).toEqual(f ? orig[n]!.map((r) => [...r].reverse()) : orig[n]);
    });
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(8);
    expect(rows(randomFlip(x, new Rng(3), 0))).toEqual(orig);
  });

  it('centre crop and ten-crop take the expected pixels', () => {
    const x = grid(1, 4, 5);
    expect(rows(centerCrop(x, 2, 3))[0]).toEqual([[11, 12, 13], [21, 22, 23]]);
    const crops = tenCrop(x, 2, 2).map((t) => rows(t)[0]);
    expect(crops).toHaveLength(10);
    expect(crops.slice(0, 5)).toEqual([
      [[0, 1], [10, 11]], // top-left
      [[3, 4], [13, 14]], // top-right
      [[20, 21], [30, 31]], // bottom-left
      [[23, 24], [33, 34]], // bottom-right
      [[11, 12], [21, 22]], // centre (offsets floor(2/2)=1, floor(3/2)=1)
    ]);
    expect(crops[5]).toEqual([[1, 0], [11, 10]]);
    expect(crops[9]).toEqual([[12, 11], [22, 21]]);
    expect(() => tenCrop(x, 5, 2)).toThrow(/cannot crop 5x2 out of 4x5/);
  });
});

/** A 2-image 1x2 RGB dataset with known statistics. */
function rgbDataset(pixels: number[][]): Dataset {
  return {
    images: Uint8Array.from(pixels.flat()),
    labels: new Uint32Array(pixels.length / 2),
    count: pixels.length / 2,
    height: 1,
    width: 2,
    channels: 3,
    numClasses: 1,
    source: 'mem.bin',
  };
}

describe('means', () => {
  const ds = rgbDataset([[0, 10, 20], [30, 40, 50], [60, 70, 80], [90, 100, 110]]);

  it('computes and subtracts per-pixel and per-channel means', () => {
    const pixel = computeMean(ds, 'pixel', 1);
    expect(pixel).toEqual({ kind: 'pixel', shape: [1, 2, 3], values: [30, 40, 50, 60, 70, 80], scale: 1 });
    const channel = computeMean(ds, 'channel', 1);
    expect(channel.values).toEqual([45, 55, 65]);
    const x = tf.tensor4d(Array.from(ds.images), [2, 1, 2, 3]);
    expect((subtractMean(x, pixel).arraySync() as number[][][][])[1]![0]![0]).toEqual([30, 30, 30]);
    expect((subtractMean(x, channel).arraySync() as number[][][][])[0]![0]![1]).toEqual([-15, -15, -15]);
    expect(() => subtractMean(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, pixel)).toThrow(/does not fit/);
  });
});

describe('PCA colour augmentation', () => {
  it('finds the grey axis when all variation is along R=G=B', () => {
    const ds = rgbDataset([[0, 0, 0], [10, 10, 10], [20, 20, 20], [30, 30, 30]]);
    const b = pcaColourBasis(ds, { scale: 1 });
    // Variance of each channel is 125; all equal covariances -> eigenvalue 3*125 along (1,1,1)/sqrt3.
    expect(b.eigenvalues[0]).toBeCloseTo(375, 8);
    expect(b.eigenvalues[1]).toBeCloseTo(0, 8);
    b.eigenvectors[0]!.forEach((v) => expect(v).toBeCloseTo(1 / Math.sqrt(3), 10));
    expect(b.mean).toEqual([15, 15, 15]);
    expect(JSON.parse(JSON.stringify(b))).toEqual(b); // cacheable as JSON
    expect(pcaColourBasis(ds).eigenvalues[0]).toBeCloseTo(375 / 255 ** 2, 12); // default scale 1/255
  });

  it('adds sum_i p_i a_i l_i per image, with seeded a_i and l_i of [0, 1] values, in the batch units', () => {
    const ds = rgbDataset([[0, 5, 0], [10, 0, 3], [20, 30, 20], [30, 10, 60]]);
    // Batches of raw 0-255 values (the paper's scale 1): l_i from the [0, 1] covariance, the offset times 255.
    const basis = pcaColourBasis(ds, { scale: 1 });
    const unit = pcaColourBasis(ds, { scale: 1 / 255 });
    const x = tf.zeros([2, 1, 2, 3]) as tf.Tensor4D;
    const out = pcaColourJitter(x, basis, new Rng(9), 0.1).arraySync() as number[][][][];
    const replay = new Rng(9);
    for (let n = 0; n < 2; n++) {
      const a = [replay.normal(0, 0.1), replay.normal(0, 0.1), replay.normal(0, 0.1)];
      const expected = [0, 1, 2].map((c) => 255 * unit.eigenvectors.reduce((s, p, i) => s + p[c]! * a[i]! * unit.eigenvalues[i]!, 0));
      for (const px of out[n]![0]!) px.forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 4));
    }
    // The same noise, in units of 1/255: the same image change.
    pcaColourOffset(unit, new Rng(9), 0.1).forEach((v, c) => expect(v * 255).toBeCloseTo(out[0]![0]![0]![c]!, 3));
    // pcaColourOffset uses the same draws in the same order.
    pcaColourOffset(basis, new Rng(9), 0.1).forEach((v, c) => expect(v).toBeCloseTo(out[0]![0]![0]![c]!, 4));
  });

  it('refuses grey datasets, naming the source', () => {
    const ds: Dataset = { ...rgbDataset([[0, 0, 0], [0, 0, 0]]), channels: 1, width: 6 };
    expect(() => pcaColourBasis(ds)).toThrow(/^mem\.bin: PCA colour augmentation needs RGB/);
  });
});

describe('host-side augmentation matches the tensor functions', () => {
  const n = 4, H = 6, W = 7;
  const data = Float32Array.from({ length: n * H * W * 3 }, (_, i) => Math.fround(Math.sin(i) * 0.5 + 0.5));
  const shape: Shape4 = [n, H, W, 3];
  const ds: Dataset = { images: Uint8Array.from(data, (v) => Math.round(v * 255)), labels: new Uint32Array(n), count: n, height: H, width: W, channels: 3, numClasses: 1, source: 'mem' };
  const basis = pcaColourBasis(ds);

  it.each(['pixel', 'channel'] as const)('mean (%s) + random crop + flip + PCA: same pixels from the same seed', (kind) => {
    const mean = computeMean(ds, kind);
    const host = augmentHost(data, shape, { mean, crop: { height: 4, width: 5, mode: 'random' }, flipProbability: 0.5, pca: { basis, std: 0.5 } }, new Rng(21));
    const rng = new Rng(21);
    const t = tf.tidy(() => {
      const x = subtractMean(tf.tensor4d(data, shape), mean);
      return pcaColourJitter(randomFlip(randomCrop(x, 4, 5, rng), rng), basis, rng, 0.5);
    });
    expect(host.shape).toEqual([4, 4, 5, 3]);
    expect(Array.from(host.x)).toEqual(Array.from(t.dataSync()));
  });

  it.each(['pixel', 'channel'] as const)('mean (%s) + zero padding + random crop + flip (CIFAR style)', (kind) => {
    const mean = computeMean(ds, kind);
    const opts = { mean, crop: { height: 6, width: 7, mode: 'random' as const, pad: 2 }, flipProbability: 0.5 };
    for (const seed of [1, 2, 3]) {
      const host = augmentHost(data, shape, opts, new Rng(seed));
      const rng = new Rng(seed);
      const t = tf.tidy(() => randomFlip(randomCrop(padImages(subtractMean(tf.tensor4d(data, shape), mean), 2), 6, 7, rng), rng));
      expect(Array.from(host.x)).toEqual(Array.from(t.dataSync()));
    }
    expect(rows(padImages(grid(1, 1, 2), 1))[0]).toEqual([[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]);
  });

  it('centre crop and ten-crop', () => {
    const centre = augmentHost(data, shape, { crop: { height: 3, width: 3, mode: 'center' } }, new Rng(0));
    expect(Array.from(centre.x)).toEqual(Array.from(centerCrop(tf.tensor4d(data, shape), 3, 3).dataSync()));
    const host = tenCropHost(data, shape, 5, 4);
    const tens = tenCrop(tf.tensor4d(data, shape), 5, 4);
    expect(host.map((a) => Array.from(a))).toEqual(tens.map((t) => Array.from(t.dataSync())));
  });
});
