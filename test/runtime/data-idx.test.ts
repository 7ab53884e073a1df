import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/errors.js';
import { encodeIdx, readIdxImages, readIdxLabels, readIdxPair, writeIdx } from '../../runtime/data/idx.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/data/fashion-mnist', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'netc-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7) & 0xff);
const labels = Uint8Array.from([2, 0, 9]);

/** Run fn, expect a DataError whose message names `file` and matches `re`. */
function expectDataError(fn: () => unknown, file: string, re: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DataError);
  const err = caught as DataError;
  expect(err.message).toContain(file);
  expect(err.file).toBe(file);
  expect(err.message).toMatch(re);
}

describe('IDX files', () => {
  it.each([false, true])('round-trips images and labels (gzip=%s)', (gz) => {
    const img = join(tmp, `rt-img${gz ? '.gz' : ''}`);
    const lbl = join(tmp, `rt-lbl${gz ? '.gz' : ''}`);
    writeIdx(img, [3, 4, 5], images, gz);
    writeIdx(lbl, [3], labels, gz);
    expect(readFileSync(img)[0] === 0x1f).toBe(gz);
    const r = readIdxPair(img, lbl);
    expect([r.count, r.height, r.width]).toEqual([3, 4, 5]);
    expect(Array.from(r.data)).toEqual(Array.from(images));
    expect(Array.from(r.labels)).toEqual([2, 0, 9]);
  });

  it('writes the standard header', () => {
    const b = encodeIdx([3, 4, 5], images);
    expect(b.readUInt32BE(0)).toBe(0x00000803);
    expect([b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)]).toEqual([3, 4, 5]);
    expect(b.length).toBe(16 + 60);
  });

  it('reads the shipped test fixture', () => {
    const r = readIdxPair(join(FIXTURE, 'train-images-idx3-ubyte.gz'), join(FIXTURE, 'train-labels-idx1-ubyte.gz'));
    expect([r.count, r.height, r.width]).toEqual([64, 28, 28]);
    expect(Math.max(...r.labels)).toBeLessThan(10);
  });

  it('reports a missing file', () => {
    const f = join(tmp, 'nope-idx3-ubyte');
    expectDataError(() => readIdxImages(f), f, /not found/);
  });

  it.each([false, true])('reports a truncated file (gzip=%s)', (gz) => {
    const f = join(tmp, `trunc${gz ? '.gz' : ''}`);
    const raw = encodeIdx([3, 4, 5], images).subarray(0, 50);
    writeFileSync(f, gz ? gzipSync(raw) : raw);
    expectDataError(() => readIdxImages(f), f, /truncated.*50 bytes.*76/);
  });

  it('reports a file cut inside its header', () => {
    const f = join(tmp, 'header-only');
    writeFileSync(f, encodeIdx([3, 4, 5], images).subarray(0, 9));
    expectDataError(() => readIdxImages(f), f, /truncated/);
  });

  it('reports trailing bytes', () => {
    const f = join(tmp, 'long');
    writeFileSync(f, Buffer.concat([encodeIdx([3], labels), Buffer.from([1])]));
    expectDataError(() => readIdxLabels(f), f, /trailing bytes/);
  });

  it('reports a wrong magic number (labels passed as images)', () => {
    const f = join(tmp, 'labels-as-images');
    writeIdx(f, [3], labels, false);
    expectDataError(() => readIdxImages(f), f, /magic number 0x00000801, expected 0x00000803.*swapped/);
  });

  it('reports garbage with a wrong magic number', () => {
    const f = join(tmp, 'garbage');
    writeFileSync(f, 'hello world, not idx');
    expectDataError(() => readIdxLabels(f), f, /wrong IDX magic/);
  });

  it('reports a corrupt gzip stream', () => {
    const f = join(tmp, 'bad.gz');
    writeFileSync(f, gzipSync(encodeIdx([3], labels)).subarray(0, 15));
    expectDataError(() => readIdxLabels(f), f, /gzip/);
  });

  it('reports a label count different from the image count', () => {
    const img = join(tmp, 'cnt-img');
    const lbl = join(tmp, 'cnt-lbl');
    writeIdx(img, [3, 4, 5], images, false);
    writeIdx(lbl, [2], labels.subarray(0, 2), false);
    expectDataError(() => readIdxPair(img, lbl), lbl, /2 labels.*3 images/);
  });
});
