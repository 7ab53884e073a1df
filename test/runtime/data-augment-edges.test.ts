/**
 * The edges of the tensor augmentations: crops that keep one or both
 * dimensions whole, crop sizes at and past the limits, means and batches that
 * do not fit (which tf.sub would otherwise broadcast silently). Expected
 * pixels come from the batch's formula (pixel (n, y, x) = 100n + 10y + x) and
 * a replay of the seeded generator, never from netc.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { centerCrop, pcaColourJitter, randomCrop, subtractMean, tenCrop, type MeanStats, type PcaColourBasis } from '../../runtime/data/augment.js';
import { Rng } from '../../runtime/data/rng.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function grid(n: number, h: number, w: number): tf.Tensor4D {
  const v: number[] = [];
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v.push(100 * i + 10 * y + x);
  return tf.tensor4d(v, [n, h, w, 1]);
}
const rows = (t: tf.Tensor): number[][][] => (t.arraySync() as number[][][][]).map((im) => im.map((r) => r.map((p) => p[0]!)));
/** The pixels of image n cropped at (oy, ox) to h x w, from the formula. */
const window = (n: number, oy: number, ox: number, h: number, w: number) =>
  Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => 100 * n + 10 * (oy + y) + ox + x));

describe('randomCrop keeping a whole dimension', () => {
  it('full height, narrower width: each image at its own column', () => {
    const out = rows(randomCrop(grid(3, 4, 5), 4, 2, new Rng(21)));
    const replay = new Rng(21);
    out.forEach((im, n) => {
      const oy = replay.int(1); // one row position (0), still drawn
      const ox = replay.int(4); // W - w + 1 = 4 column positions
      expect(im).toEqual(window(n, oy, ox, 4, 2));
    });
  });

  it('full width, shorter height: each image at its own row', () => {
    const out = rows(randomCrop(grid(3, 4, 5), 2, 5, new Rng(22)));
    const replay = new Rng(22);
    out.forEach((im, n) => {
      const oy = replay.int(3);
      const ox = replay.int(1);
      expect(im).toEqual(window(n, oy, ox, 2, 5));
    });
  });

  it('the whole image: the batch unchanged, and still two draws per image (so later draws do not shift)', () => {
    const rng = new Rng(23);
    expect(rows(randomCrop(grid(2, 3, 4), 3, 4, rng))).toEqual(rows(grid(2, 3, 4)));
    const replay = new Rng(23);
    for (let i = 0; i < 4; i++) replay.int(1);
    expect(rng.next()).toBe(replay.next());
  });
});

describe('crop sizes', () => {
  it('a crop as large as the image is allowed, one pixel more is refused', () => {
    const x = grid(1, 4, 5);
    expect(rows(centerCrop(x, 4, 5))).toEqual(rows(x));
    expect(rows(tenCrop(x, 4, 5)[0]!)).toEqual(rows(x));
    expect(() => centerCrop(x, 5, 5)).toThrow('centerCrop: cannot crop 5x5 out of 4x5 images');
    expect(() => centerCrop(x, 4, 6)).toThrow('centerCrop: cannot crop 4x6 out of 4x5 images');
  });

  it('an empty crop is refused, naming the function', () => {
    const x = grid(1, 4, 5);
    expect(() => randomCrop(x, 0, 3, new Rng(1))).toThrow('randomCrop: cannot crop 0x3 out of 4x5 images');
    expect(() => randomCrop(x, 2, 0, new Rng(1))).toThrow('randomCrop: cannot crop 2x0 out of 4x5 images');
    expect(() => tenCrop(x, 0, 0)).toThrow('tenCrop: cannot crop 0x0 out of 4x5 images');
  });
});

describe('means and colour jitter that do not fit the batch', () => {
  const x = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
  const mean = (kind: 'pixel' | 'channel', shape: number[]): MeanStats => ({ kind, shape, values: new Array(shape.reduce((a, b) => a * b, 1)).fill(1), scale: 1 });

  it('a mean of the right shape is subtracted', () => {
    expect((subtractMean(x, mean('channel', [3])).arraySync() as number[][][][])[0]![1]![1]).toEqual([-1, -1, -1]);
    expect((subtractMean(x, mean('pixel', [2, 2, 3])).arraySync() as number[][][][])[0]![0]![1]).toEqual([-1, -1, -1]);
  });

  it('a per-channel mean with another channel count is refused (one value would broadcast)', () => {
    expect(() => subtractMean(x, mean('channel', [1]))).toThrow(/does not fit batch images 2x2x3/);
  });

  it('a per-pixel mean of another width or channel count is refused (a 1 would broadcast)', () => {
    expect(() => subtractMean(x, mean('pixel', [2, 1, 3]))).toThrow(/does not fit/);
    expect(() => subtractMean(x, mean('pixel', [2, 2, 1]))).toThrow(/does not fit/);
    expect(() => subtractMean(x, mean('pixel', [1, 2, 3]))).toThrow(/does not fit/);
  });

  it('PCA colour jitter refuses a batch that is not RGB', () => {
    const basis = { eigenvalues: [1, 1, 1], eigenvectors: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] } as unknown as PcaColourBasis;
    expect(() => pcaColourJitter(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, basis, new Rng(1))).toThrow('pcaColourJitter: needs 3-channel batches, got 1');
  });
});
