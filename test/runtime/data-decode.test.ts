/**
 * Decoding with sharp (runtime/data/decode.ts): every PNG form, JPEG in
 * grey, RGB, CMYK and EXIF-rotated, the resize and centre-crop geometry
 * (checked on images whose pixels encode their own coordinates), and the
 * refusals: truncated files, non-images, formats we do not take, and
 * decompression bombs refused from the header.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, loadSharp, resizedSize, type DecodeOptions } from '../../runtime/data/decode.js';
import { DataError } from '../../runtime/data/errors.js';
import { encodePng, pngChunk, pngFromScanlines } from '../../runtime/data/png.js';

const tmp = mkdtempSync(join(tmpdir(), 'netc-decode-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const plain: DecodeOptions = { channels: 3, resize: null, centerCrop: null, maxPixels: 1e8 };
let n = 0;
const file = (bytes: Uint8Array, ext = 'png'): string => {
  const f = join(tmp, `f${n++}.${ext}`);
  writeFileSync(f, bytes);
  return f;
};

/** A PNG from already-filtered scanlines (each starting with its filter byte). */
const png = (w: number, h: number, depth: number, colourType: number, scanlines: number[][], extra: Buffer[] = []): Buffer =>
  pngFromScanlines(w, h, depth, colourType, Uint8Array.from(scanlines.flat()), extra);

/** R = column, G = row, B = 7: every pixel says where it came from. */
function coordinates(w: number, h: number): Uint8Array {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([x, y, 7], (y * w + x) * 3);
  return px;
}

describe('PNG', () => {
  it('grey becomes three equal channels, RGBA loses its alpha without blending, grey output stays one channel', async () => {
    const g = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    const rgb = await decodeImage(file(encodePng(4, 3, 1, g)), plain);
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([4, 3, 3]);
    expect(Array.from(rgb.data.subarray(0, 6))).toEqual([0, 0, 0, 20, 20, 20]);
    expect(Array.from((await decodeImage(file(encodePng(4, 3, 1, g)), { ...plain, channels: 1 })).data)).toEqual(Array.from(g));
    const a = Uint8Array.from([10, 20, 30, 0, 40, 50, 60, 128]); // 2x1 RGBA, one pixel fully transparent
    expect(Array.from((await decodeImage(file(encodePng(2, 1, 4, a)), plain)).data)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('undoes the row filters and reads palette, 16-bit and 1-bit images', async () => {
    const target = [[10, 20, 30], [15, 25, 40], [5, 5, 5], [100, 90, 80]];
    const paeth = (a: number, b: number, c: number): number => {
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const left = (y: number, i: number): number => (i > 0 ? target[y]![i - 1]! : 0);
    const rows = [
      [1, 10, 10, 10],
      [2, 5, 5, 10],
      [3, ...target[2]!.map((v, i) => (v - Math.floor((left(2, i) + target[1]![i]!) / 2)) & 255)],
      [4, ...target[3]!.map((v, i) => (v - paeth(left(3, i), target[2]![i]!, i > 0 ? target[2]![i - 1]! : 0)) & 255)],
    ];
    expect(Array.from((await decodeImage(file(png(3, 4, 8, 0, rows)), { ...plain, channels: 1 })).data)).toEqual(target.flat());
    const plte = pngChunk('PLTE', Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]));
    expect(Array.from((await decodeImage(file(png(3, 1, 8, 3, [[0, 2, 0, 1]], [plte])), plain)).data)).toEqual([0, 0, 255, 255, 0, 0, 0, 255, 0]);
    const rgb16 = await decodeImage(file(png(1, 1, 16, 2, [[0, 0x12, 0x34, 0xab, 0xcd, 0xff, 0x00]])), plain);
    expect(Array.from(rgb16.data)).toEqual([0x12, 0xab, 0xff]);
    const bits = await decodeImage(file(png(10, 1, 1, 0, [[0, 0b10100000, 0b01000000]])), { ...plain, channels: 1 });
    expect(Array.from(bits.data)).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 0, 255]);
  });
});

describe('JPEG', () => {
  it('reads grey and CMYK JPEGs as RGB', async () => {
    const sharp = await loadSharp();
    const flat = (rgb: number[]) => sharp(Buffer.from(Array.from({ length: 64 }, () => rgb).flat()), { raw: { width: 8, height: 8, channels: 3 } });
    const grey = await decodeImage(file(await flat([90, 90, 90]).toColourspace('b-w').jpeg().toBuffer(), 'jpg'), plain);
    expect(grey.channels).toBe(3);
    for (const v of grey.data) expect(Math.abs(v - 90)).toBeLessThanOrEqual(2);
    const cmykJpeg = await flat([200, 40, 40]).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmykJpeg).metadata()).space).toBe('cmyk');
    const red = await decodeImage(file(cmykJpeg, 'jpg'), plain);
    expect(red.channels).toBe(3);
    // Through an ICC round trip: clearly red, not inverted or grey.
    expect(red.data[0]!).toBeGreaterThan(150);
    expect(red.data[1]!).toBeLessThan(90);
    expect(red.data[2]!).toBeLessThan(90);
  });

  it('turns EXIF-rotated photos upright before anything else', async () => {
    const sharp = await loadSharp();
    // Stored 120 wide, 60 high, R = column; orientation 6: view it rotated 90 degrees clockwise (60 wide, 120 high).
    const stored = coordinates(120, 60);
    const jpeg = await sharp(Buffer.from(stored), { raw: { width: 120, height: 60, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(file(jpeg, 'jpg'), plain);
    expect([img.width, img.height]).toEqual([60, 120]);
    // Upright row r is stored column r; upright column c is stored row 59 - c.
    const at = (r: number, c: number) => Array.from(img.data.subarray((r * 60 + c) * 3, (r * 60 + c) * 3 + 2));
    for (const [r, c] of [[0, 0], [100, 5], [119, 59]] as const) {
      const [R, G] = at(r, c);
      expect(Math.abs(R! - r)).toBeLessThanOrEqual(3);
      expect(Math.abs(G! - (59 - c))).toBeLessThanOrEqual(3);
    }
  });
});

describe('resize and centre crop', () => {
  it("size the shorter side as torchvision's Resize(n) does (the longer side truncated)", () => {
    expect(resizedSize(375, 500, { shorter: 256 })).toEqual({ height: 256, width: 341 }); // 341.33
    expect(resizedSize(500, 333, { shorter: 256 })).toEqual({ height: 384, width: 256 }); // 384.38
    expect(resizedSize(300, 300, { shorter: 256 })).toEqual({ height: 256, width: 256 });
    expect(resizedSize(10, 7, { height: 4, width: 9 })).toEqual({ height: 4, width: 9 });
  });

  it('crop the centre at floor((size - crop) / 2), after resizing', async () => {
    const f = file(encodePng(9, 6, 3, coordinates(9, 6)));
    const c = await decodeImage(f, { ...plain, centerCrop: { height: 3, width: 4 } });
    // Offsets: rows floor((6 - 3) / 2) = 1, columns floor((9 - 4) / 2) = 2.
    expect(Array.from(c.data.subarray(0, 3))).toEqual([2, 1, 7]);
    expect(Array.from(c.data.subarray(c.data.length - 3))).toEqual([5, 3, 7]);
    // A constant image stays constant through the resize (no darkened borders), at the torchvision size.
    const flat = file(encodePng(50, 20, 3, new Uint8Array(50 * 20 * 3).fill(77)));
    const r = await decodeImage(flat, { ...plain, resize: { shorter: 8 }, centerCrop: { height: 8, width: 8 } });
    expect([r.width, r.height]).toEqual([8, 8]);
    expect(new Set(r.data)).toEqual(new Set([77]));
    const up = await decodeImage(flat, { ...plain, resize: { shorter: 40 } });
    expect([up.width, up.height]).toEqual([100, 40]);
  });

  it('refuses an image smaller than the centre crop, saying how to fix it', async () => {
    const f = file(encodePng(4, 4, 1, new Uint8Array(16)));
    await expect(decodeImage(f, { ...plain, centerCrop: { height: 5, width: 5 } })).rejects.toThrow(/4x4 \(WxH\) after resizing, smaller than the 5x5 centre crop.*resize/);
  });
});

describe('bad files', () => {
  it('names truncated files, non-images and formats netc does not take', async () => {
    const sharp = await loadSharp();
    const jpeg = await sharp(Buffer.from(coordinates(64, 64)), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
    const cut = file(jpeg.subarray(0, jpeg.length >> 1), 'jpg');
    const err = await decodeImage(cut, plain).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).file).toBe(cut);
    expect((err as DataError).problem).toMatch(/cannot be decoded: .*(premature end|truncated)/i);
    expect((err as DataError).code).toBe('NETC5302');
    await expect(decodeImage(file(Buffer.from('hello, not an image'), 'jpg'), plain)).rejects.toThrow(/is not a JPEG, PNG, WebP, GIF or TIFF image/);
    await expect(decodeImage(file(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'jpg'), plain)).rejects.toThrow(/cannot be decoded/);
    const svg = file(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'), 'jpg');
    await expect(decodeImage(svg, plain)).rejects.toThrow(/is not a JPEG, PNG, WebP, GIF or TIFF image/);
    await expect(decodeImage(join(tmp, 'nowhere.jpg'), plain)).rejects.toThrow(/nowhere\.jpg: cannot be read \(ENOENT\)/);
  });

  it('refuses a decompression bomb from its header, before decoding a pixel', async () => {
    // 40,000 x 40,000 RGB would be 4.8 GB decoded; the file is a few hundred bytes.
    const bomb = png(40_000, 40_000, 8, 2, [[0, 0, 0, 0]]);
    expect(bomb.length).toBeLessThan(1000);
    const before = process.memoryUsage().rss;
    await expect(decodeImage(file(bomb), plain)).rejects.toThrow(/40000x40000 \(1,600,000,000 pixels\), more than the 100,000,000 allowed \(data\.max_image_pixels\)/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    await expect(decodeImage(file(encodePng(20, 10, 1, new Uint8Array(200))), { ...plain, maxPixels: 199 })).rejects.toThrow(/more than the 199 allowed/);
  });
});
