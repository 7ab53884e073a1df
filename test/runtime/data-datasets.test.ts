import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR_RECORD_BYTES, cifarRecordsToNHWC } from '../../runtime/data/cifar.js';
import { checkDatasetFits, loadDataset, type Dataset } from '../../runtime/data/datasets.js';
import { DataError } from '../../runtime/data/errors.js';
import { splitHoldout } from '../../runtime/data/split.js';
import { encodePng } from '../../runtime/data/png.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/data/fashion-mnist', import.meta.url));
const FIXTURES_ROOT = dirname(FIXTURE);
const tmp = mkdtempSync(join(tmpdir(), 'netc-ds-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NO_SYSTEM = join(tmp, 'no-system-datasets');

async function dataError(p: Promise<unknown>): Promise<DataError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  return err as DataError;
}

describe('fashion-mnist / idx', () => {
  it('loads from the spec path, relative to the spec folder', async () => {
    const ds = await loadDataset({ kind: 'fashion-mnist', path: 'fashion-mnist' }, 'train', { specDir: FIXTURES_ROOT, env: {}, systemDataDir: NO_SYSTEM });
    expect([ds.count, ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([64, 28, 28, 1, 10]);
    expect(ds.images.length).toBe(64 * 28 * 28);
    expect(ds.classNames?.[9]).toBe('Ankle boot');
    expect(ds.source).toBe(join(FIXTURE, 'train-images-idx3-ubyte.gz'));
    const test = await loadDataset({ kind: 'fashion-mnist', path: FIXTURE }, 'test', { env: {}, systemDataDir: NO_SYSTEM });
    expect(test.count).toBe(32);
  });

  it("defaults to the spec folder's data/, where the example ships its subset", async () => {
    const specDir = join(tmp, 'spec');
    mkdirSync(join(specDir, 'data'), { recursive: true });
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) copyFileSync(join(FIXTURE, f), join(specDir, 'data', f));
    const ds = await loadDataset({ kind: 'fashion-mnist' }, 'train', { specDir, env: { NETC_DATA: '/nonexistent' }, systemDataDir: NO_SYSTEM });
    expect(ds.source).toBe(join(specDir, 'data', 'train-images-idx3-ubyte.gz'));
    const example = fileURLToPath(new URL('../../examples/fashion-mnist', import.meta.url));
    const [train, test] = await Promise.all(
      (['train', 'test'] as const).map((split) => loadDataset({ kind: 'fashion-mnist' }, split, { specDir: example, env: {}, systemDataDir: NO_SYSTEM })),
    );
    expect([train!.count, test!.count, train!.height, train!.width]).toEqual([6000, 1000, 28, 28]);
  });

  it('falls back to $NETC_DATA, then the system folder', async () => {
    const fromEnv = await loadDataset({ kind: 'fashion-mnist' }, 'train', { env: { NETC_DATA: FIXTURE }, systemDataDir: NO_SYSTEM });
    expect(fromEnv.count).toBe(64);
    const sys = join(tmp, 'sys');
    mkdirSync(join(sys, 'fashion-mnist'), { recursive: true });
    for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) copyFileSync(join(FIXTURE, f), join(sys, 'fashion-mnist', f));
    const fromSys = await loadDataset({ kind: 'fashion-mnist', path: 'missing' }, 'test', { specDir: tmp, env: {}, systemDataDir: sys });
    expect(fromSys.source).toBe(join(sys, 'fashion-mnist', 't10k-images-idx3-ubyte.gz'));
  });

  it('says where it looked and how to get the data when nothing is found', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    const err = await dataError(loadDataset({ kind: 'fashion-mnist', path: 'empty' }, 'train', { specDir: tmp, env: { NETC_DATA: join(tmp, 'env-dir') }, systemDataDir: NO_SYSTEM }));
    expect(err.file).toBe('train-images-idx3-ubyte[.gz]');
    expect(err.message).toContain(`${empty} (spec path "empty"): missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]`);
    expect(err.message).toContain(`${join(tmp, 'env-dir')} ($NETC_DATA): no such folder`);
    expect(err.message).toContain(join(NO_SYSTEM, 'fashion-mnist'));
    expect(err.message).toContain('apt-get install dataset-fashion-mnist');
    expect(err.message).toContain('--data');
    const noEnv = await dataError(loadDataset({ kind: 'fashion-mnist' }, 'test', { env: {}, systemDataDir: NO_SYSTEM }));
    expect(noEnv.message).toMatch(/t10k-images-idx3-ubyte.*\$NETC_DATA: not set/s);
  });

  it('reports a folder with images but no labels', async () => {
    const half = join(tmp, 'half');
    mkdirSync(half, { recursive: true });
    copyFileSync(join(FIXTURE, 'train-images-idx3-ubyte.gz'), join(half, 'train-images-idx3-ubyte.gz'));
    const err = await dataError(loadDataset({ kind: 'idx', path: half }, 'train', { env: {} }));
    expect(err.message).toContain(`${half} (spec path "${half}"): missing train-labels-idx1-ubyte[.gz]`);
    expect(err.message).not.toContain('apt-get');
  });
});

/** One CIFAR record: label, then R/G/B planes where plane c of pixel p holds (c*50 + p) & 255. */
function cifarRecord(label: number): Uint8Array {
  const r = new Uint8Array(CIFAR_RECORD_BYTES);
  r[0] = label;
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) r[1 + c * 1024 + p] = (c * 50 + p) & 255;
  return r;
}

describe('cifar10', () => {
  it('converts CHW records to NHWC', () => {
    const buf = new Uint8Array([...cifarRecord(3), ...cifarRecord(7)]);
    buf[CIFAR_RECORD_BYTES + 1] = 200; // record 1, R of pixel (0,0)
    const { images, labels, count } = cifarRecordsToNHWC(buf, 'x.bin');
    expect(count).toBe(2);
    expect(Array.from(labels)).toEqual([3, 7]);
    const px = (n: number, y: number, x: number, c: number): number => images[n * 3072 + (y * 32 + x) * 3 + c]!;
    expect([px(0, 0, 0, 0), px(0, 0, 0, 1), px(0, 0, 0, 2)]).toEqual([0, 50, 100]);
    expect([px(0, 1, 2, 0), px(0, 1, 2, 1), px(0, 1, 2, 2)]).toEqual([34, 84, 134]); // p = 34
    expect([px(1, 0, 0, 0), px(1, 0, 0, 1)]).toEqual([200, 50]);
    expect(px(1, 31, 31, 2)).toBe((100 + 1023) & 255);
  });

  it('rejects bad sizes and labels, naming the file', () => {
    expect(() => cifarRecordsToNHWC(new Uint8Array(CIFAR_RECORD_BYTES + 5), 'd/data_batch_2.bin')).toThrow(/^d\/data_batch_2\.bin: size 3078 bytes/);
    expect(() => cifarRecordsToNHWC(cifarRecord(12), 'd/test_batch.bin')).toThrow(/^d\/test_batch\.bin: record 0 has label 12/);
  });

  it('loads all train batches, and reports a missing one', async () => {
    const dir = join(tmp, 'cifar-10-batches-bin');
    mkdirSync(dir, { recursive: true });
    for (let i = 1; i <= 4; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), new Uint8Array([...cifarRecord(i), ...cifarRecord(0)]));
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecord(9));
    const missing = await dataError(loadDataset({ kind: 'cifar10', path: tmp }, 'train', { env: {} }));
    expect(missing.file).toBe(join(dir, 'data_batch_5.bin'));
    writeFileSync(join(dir, 'data_batch_5.bin'), cifarRecord(5));
    const train = await loadDataset({ kind: 'cifar10', path: tmp }, 'train', { env: {} });
    expect([train.count, train.height, train.width, train.channels]).toEqual([9, 32, 32, 3]);
    expect(Array.from(train.labels)).toEqual([1, 0, 2, 0, 3, 0, 4, 0, 5]);
    expect(train.classNames?.[5]).toBe('dog');
    const test = await loadDataset({ kind: 'cifar10' }, 'test', { env: { NETC_DATA: dir } });
    expect(Array.from(test.labels)).toEqual([9]);
    const none = await dataError(loadDataset({ kind: 'cifar10' }, 'test', { env: {} }));
    expect(none.message).toMatch(/^test_batch\.bin: CIFAR-10 test split not found/);
  });
});

describe('image-folder', () => {
  const root = join(tmp, 'imgs');
  const put = (split: string, cls: string, name: string, png: Buffer): void => {
    mkdirSync(join(root, split, cls), { recursive: true });
    writeFileSync(join(root, split, cls, name), png);
  };
  const rgb = (v: number): Buffer => encodePng(3, 2, 3, Uint8Array.from({ length: 18 }, (_, i) => (v + i) & 255));
  const grey = (v: number): Buffer => encodePng(3, 2, 1, new Uint8Array(6).fill(v));

  it('labels by sorted class folder, taking classes from train', async () => {
    put('train', 'dog', 'b.png', rgb(10));
    put('train', 'dog', 'a.png', grey(7));
    put('train', 'cat', 'x.png', rgb(100));
    put('train', 'cat', 'notes.txt', Buffer.from('ignored'));
    put('test', 'dog', 'y.PNG', rgb(1));
    const train = await loadDataset({ kind: 'image-folder', path: root }, 'train', {});
    expect(train.classNames).toEqual(['cat', 'dog']);
    expect([train.count, train.height, train.width, train.channels, train.numClasses]).toEqual([3, 2, 3, 3, 2]);
    expect(Array.from(train.labels)).toEqual([0, 1, 1]);
    // Second image: dog/a.png, grey 7 replicated to RGB; third: dog/b.png.
    expect(Array.from(train.images.subarray(18, 24))).toEqual([7, 7, 7, 7, 7, 7]);
    expect(train.images[36]).toBe(10);
    const test = await loadDataset({ kind: 'image-folder', path: root }, 'test', {});
    expect(Array.from(test.labels)).toEqual([1]);
    expect(test.numClasses).toBe(2);
  });

  it('names the file whose size differs, and unknown test classes', async () => {
    put('train', 'dog', 'c.png', encodePng(2, 2, 1, new Uint8Array(4)));
    const err = await dataError(loadDataset({ kind: 'image-folder', path: root }, 'train', {}));
    expect(err.file).toBe(join(root, 'train', 'dog', 'c.png'));
    expect(err.message).toMatch(/is 2x2 but .*cat\/x\.png is 3x2/);
    put('test', 'cow', 'z.png', rgb(0));
    const cow = await dataError(loadDataset({ kind: 'image-folder', path: root }, 'test', {}));
    expect(cow.file).toBe(join(root, 'test', 'cow'));
  });

  it('names undecodable files and a missing folder', async () => {
    const r2 = join(tmp, 'imgs2');
    mkdirSync(join(r2, 'train', 'a'), { recursive: true });
    writeFileSync(join(r2, 'train', 'a', 'bad.png'), Buffer.from('not a png at all'));
    const bad = await dataError(loadDataset({ kind: 'image-folder', path: r2 }, 'train', {}));
    expect(bad.file).toBe(join(r2, 'train', 'a', 'bad.png'));
    const missing = await dataError(loadDataset({ kind: 'image-folder', path: join(tmp, 'nowhere') }, 'train', {}));
    expect(missing.message).toMatch(/nowhere\/train: folder not found/);
  });
});

describe('checkDatasetFits', () => {
  const ds = (h: number, w: number, c: number): Dataset => ({
    images: new Uint8Array(0),
    labels: new Uint32Array(0),
    count: 0,
    height: h,
    width: w,
    channels: c,
    numClasses: 10,
    source: 'data/train-images-idx3-ubyte.gz',
  });

  it('plans nothing, a crop, a resize or channel replication', () => {
    expect(checkDatasetFits(ds(28, 28, 1), [28, 28, 1])).toEqual({ spatial: 'none', channels: 'none' });
    expect(checkDatasetFits(ds(256, 256, 3), [227, 227, 3], { crop: true })).toEqual({ spatial: 'crop', channels: 'none' });
    expect(checkDatasetFits(ds(28, 28, 1), [227, 227, 3], { crop: true, resize: true, greyToRgb: true })).toEqual({ spatial: 'resize', channels: 'replicate' });
  });

  it('throws a DataError naming the file otherwise', () => {
    expect(() => checkDatasetFits(ds(28, 28, 1), [227, 227, 3])).toThrow(DataError);
    expect(() => checkDatasetFits(ds(28, 28, 1), [227, 227, 3])).toThrow(/^data\/train-images-idx3-ubyte\.gz: images are 28x28x1 \(HxWxC\) but the model input is 227x227x3: 1 channel\(s\) vs 3/);
    expect(() => checkDatasetFits(ds(28, 28, 1), [32, 32, 1], { crop: true })).toThrow(/smaller and cannot be cropped/);
    expect(() => checkDatasetFits(ds(32, 32, 3), [28, 28, 3])).toThrow(/larger; add a crop or resize/);
    expect(() => checkDatasetFits(ds(32, 32, 3), [32, 32, 1], { greyToRgb: true })).toThrow(/3 channel\(s\) vs 1/);
  });
});

describe('splitHoldout', () => {
  it('holds out a seeded, reproducible, disjoint fraction', async () => {
    const ds = await loadDataset({ kind: 'fashion-mnist', path: FIXTURE }, 'train', { env: {} });
    const a = splitHoldout(ds, 0.1, 7);
    expect([a.train.count, a.validation.count]).toEqual([58, 6]);
    expect(splitHoldout(ds, 0.1, 7).validation.images).toEqual(a.validation.images);
    expect(splitHoldout(ds, 0.1, 8).validation.images).not.toEqual(a.validation.images);
    // Every original image lands in exactly one part.
    const key = (d: Dataset, i: number): string => Buffer.from(d.images.subarray(i * 784, (i + 1) * 784)).toString('base64') + d.labels[i];
    const all = [...Array.from({ length: 58 }, (_, i) => key(a.train, i)), ...Array.from({ length: 6 }, (_, i) => key(a.validation, i))].sort();
    expect(all).toEqual(Array.from({ length: 64 }, (_, i) => key(ds, i)).sort());
    expect(() => splitHoldout(ds, 0, 1)).toThrow(DataError);
    expect(() => splitHoldout(ds, 1, 1)).toThrow(/validation fraction of 1/);
  });
});
