import { describe, expect, it } from 'vitest';
import { batchesPerEpoch, epochOrder, iterateBatches, positionFromStep, prefetch, type Batch, type BatchOptions } from '../../runtime/data/batches.js';
import { augmentHost } from '../../runtime/data/host-augment.js';
import { Rng } from '../../runtime/data/rng.js';
import type { Dataset } from '../../runtime/data/types.js';

/** 23 images of 2x2x1; image i has all pixels = i, label i % 5. */
function ds(count = 23, channels = 1): Dataset {
  const per = 4 * channels;
  return {
    images: Uint8Array.from({ length: count * per }, (_, k) => Math.floor(k / per)),
    labels: Uint32Array.from({ length: count }, (_, i) => i % 5),
    count,
    height: 2,
    width: 2,
    channels,
    numClasses: 5,
    source: 'mem',
  };
}

const ids = (b: Batch): number[] => Array.from({ length: b.size }, (_, i) => Math.round(b.x[i * 4]! * 255));

describe('iterateBatches', () => {
  const opts: BatchOptions = { batchSize: 5, seed: 1234, endEpoch: 3 };

  it('covers every sample once per epoch, in a different order each epoch', () => {
    const all = [...iterateBatches(ds(), opts)];
    expect(all).toHaveLength(3 * 5);
    expect(all.map((b) => b.size)).toEqual([5, 5, 5, 5, 3, 5, 5, 5, 5, 3, 5, 5, 5, 5, 3]);
    const epochs = [0, 1, 2].map((e) => all.filter((b) => b.epoch === e).flatMap(ids));
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[0]).toEqual(Array.from(epochOrder(23, 1234, 0)));
    const b = all[6]!;
    expect([b.epoch, b.index, b.step, b.last]).toEqual([1, 1, 6, false]);
    expect(b.next).toEqual({ epoch: 1, batch: 2 });
    expect(all[4]!.next).toEqual({ epoch: 1, batch: 0 });
    expect(b.shape).toEqual([5, 2, 2, 1]);
    expect(Array.from(b.y)).toEqual(ids(b).map((i) => i % 5));
    expect(b.x[3]).toBeCloseTo(ids(b)[0]! / 255, 7);
  });

  it('resumed at (epoch, batch) yields exactly the uninterrupted batches', () => {
    const full = [...iterateBatches(ds(), opts)];
    for (const start of [{ epoch: 1, batch: 2 }, { epoch: 0, batch: 4 }, positionFromStep(11, batchesPerEpoch(23, 5))]) {
      const resumed = [...iterateBatches(ds(), { ...opts, start })];
      const from = full.findIndex((b) => b.epoch === start.epoch && b.index === start.batch);
      expect(resumed).toEqual(full.slice(from));
    }
    // Resuming from a batch's `next` continues right after it.
    expect([...iterateBatches(ds(), { ...opts, start: full[4]!.next })][0]).toEqual(full[5]);
    // Per-batch augmentation seeds are positional too, so augmentation resumes exactly.
    expect(new Rng(full[7]!.seed).next()).toBe(new Rng([...iterateBatches(ds(), { ...opts, start: { epoch: 1, batch: 2 } })][0]!.seed).next());
  });

  it('supports no shuffling, dropRemainder, scale and grey-to-RGB', () => {
    const plain = [...iterateBatches(ds(), { batchSize: 10, seed: 0, shuffle: false, dropRemainder: true, scale: 1 })];
    expect(plain.map(ids)).toEqual([Array.from({ length: 10 }, (_, i) => i), Array.from({ length: 10 }, (_, i) => 10 + i)].map((a) => a.map((v) => v * 255)));
    expect(plain[1]!.last).toBe(true);
    const rgb = [...iterateBatches(ds(3), { batchSize: 3, seed: 0, shuffle: false, greyToRgb: true, scale: 1 })][0]!;
    expect(rgb.shape).toEqual([3, 2, 2, 3]);
    expect(Array.from(rgb.x.subarray(12, 24))).toEqual(new Array(12).fill(1));
  });

  it('rejects bad arguments', () => {
    expect(() => [...iterateBatches(ds(), { batchSize: 0, seed: 0 })]).toThrow(/batch size/);
    expect(() => [...iterateBatches(ds(), { batchSize: 5, seed: 0, start: { epoch: 0, batch: 5 } })]).toThrow(/outside epoch of 5 batches/);
    expect(() => [...iterateBatches(ds(3), { batchSize: 5, seed: 0, dropRemainder: true })]).toThrow(/no batch/);
  });
});

describe('prefetch', () => {
  it('yields the same sequence as the source, sync or async', async () => {
    const out: number[] = [];
    for await (const v of prefetch([1, 2, 3])) out.push(v);
    async function* gen(): AsyncGenerator<number> {
      yield 4;
      yield 5;
    }
    for await (const v of prefetch(gen())) out.push(v);
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });

  it('prepares the next item while the consumer awaits', async () => {
    const log: string[] = [];
    function* src(): Generator<number> {
      for (let i = 0; i < 3; i++) {
        log.push(`make ${i}`);
        yield i;
      }
    }
    for await (const v of prefetch(src())) {
      log.push(`got ${v}`);
      await new Promise((r) => setTimeout(r, 5)); // a "training step"
      log.push(`done ${v}`);
    }
    expect(log.slice(0, 4)).toEqual(['make 0', 'got 0', 'make 1', 'done 0']);
  });

  it('passes source errors on and closes the source on early exit', async () => {
    function* bad(): Generator<number> {
      yield 1;
      throw new Error('boom');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const v of prefetch(bad())) seen.push(v);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1]);

    let closed = false;
    function* endless(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    for await (const v of prefetch(endless())) if (v === 2) break;
    expect(closed).toBe(true);
  });

  it('batches through prefetch equal the plain iteration', async () => {
    const plain = [...iterateBatches(ds(), { batchSize: 4, seed: 9, endEpoch: 2 })];
    const fetched: Batch[] = [];
    for await (const b of prefetch(iterateBatches(ds(), { batchSize: 4, seed: 9, endEpoch: 2 }))) fetched.push(b);
    expect(fetched).toEqual(plain);
  });
});

describe('iterateBatches with host augmentation', () => {
  /** 10 RGB images of 4x4 with distinct pixels. */
  const rgb: Dataset = {
    images: Uint8Array.from({ length: 10 * 48 }, (_, k) => (k * 37) & 255),
    labels: new Uint32Array(10),
    count: 10,
    height: 4,
    width: 4,
    channels: 3,
    numClasses: 1,
    source: 'mem',
  };
  const opts: BatchOptions = { batchSize: 4, seed: 5, endEpoch: 2, augment: { crop: { height: 3, width: 3, mode: 'random' }, flipProbability: 0.5 } };

  it('crops with each batch seed, and resumes exactly', () => {
    const full = [...iterateBatches(rgb, opts)];
    expect(full[0]!.shape).toEqual([4, 3, 3, 3]);
    const plain = [...iterateBatches(rgb, { ...opts, augment: undefined })];
    full.forEach((b, i) => expect(b.x).toEqual(augmentHost(plain[i]!.x, plain[i]!.shape, opts.augment!, new Rng(b.seed)).x));
    expect([...iterateBatches(rgb, { ...opts, start: { epoch: 1, batch: 1 } })]).toEqual(full.slice(4));
  });
});
