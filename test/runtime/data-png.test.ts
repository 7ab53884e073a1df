import { deflateSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../runtime/data/errors.js';
import { decodeImageFile } from '../../runtime/data/image-folder.js';
import { decodePng, encodePng } from '../../runtime/data/png.js';

const tmp = mkdtempSync(join(tmpdir(), 'netc-png-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + body.length);
  b.writeUInt32BE(body.length, 0);
  b.write(type, 4, 'latin1');
  b.set(body, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + body.length)), 8 + body.length);
  return b;
}

/** Build a PNG from already-filtered scanlines (each starting with its filter byte). */
function png(w: number, h: number, depth: number, colourType: number, scanlines: number[][], extra: Buffer[] = [], interlace = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  ihdr[12] = interlace;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), ...extra, chunk('IDAT', deflateSync(Buffer.from(scanlines.flat()))), chunk('IEND', new Uint8Array())]);
}

describe('PNG decoding', () => {
  it('round-trips grey, RGB and RGBA (alpha dropped)', () => {
    const g = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    expect(decodePng(encodePng(4, 3, 1, g), 'g.png')).toEqual({ width: 4, height: 3, channels: 1, data: g });
    const c = Uint8Array.from({ length: 36 }, (_, i) => 255 - i);
    expect(decodePng(encodePng(4, 3, 3, c), 'c.png').data).toEqual(c);
    const a = Uint8Array.from({ length: 8 }, (_, i) => i + 1); // 2x1 RGBA
    expect(Array.from(decodePng(encodePng(2, 1, 4, a), 'a.png').data)).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('undoes Sub, Up, Average and Paeth filters', () => {
    // 3x4 grey image; each row uses a different filter (1 Sub, 2 Up, 3 Average, 4 Paeth).
    const target = [
      [10, 20, 30],
      [15, 25, 40],
      [5, 5, 5],
      [100, 90, 80],
    ];
    const paeth = (a: number, b: number, c: number): number => {
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    };
    const left = (y: number, i: number): number => (i > 0 ? target[y]![i - 1]! : 0);
    const rows = [
      [1, 10, 10, 10], // Sub: each byte adds the one to its left
      [2, 5, 5, 10], // Up: each byte adds the one above
      [3, ...target[2]!.map((v, i) => (v - Math.floor((left(2, i) + target[1]![i]!) / 2)) & 255)],
      [4, ...target[3]!.map((v, i) => (v - paeth(left(3, i), target[2]![i]!, i > 0 ? target[2]![i - 1]! : 0)) & 255)],
    ];
    const img = decodePng(png(3, 4, 8, 0, rows), 'f.png');
    expect(Array.from(img.data)).toEqual(target.flat());
  });

  it('decodes palette, 16-bit and 1-bit images', () => {
    const plte = chunk('PLTE', Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]));
    const pal = decodePng(png(3, 1, 8, 3, [[0, 2, 0, 1]], [plte]), 'p.png');
    expect(Array.from(pal.data)).toEqual([0, 0, 255, 255, 0, 0, 0, 255, 0]);
    const pal2 = decodePng(png(4, 1, 2, 3, [[0, 0b00011000]], [plte]), 'p2.png'); // indices 0,1,2,0
    expect(Array.from(pal2.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 0]);
    const rgb16 = decodePng(png(1, 1, 16, 2, [[0, 0x12, 0x34, 0xab, 0xcd, 0xff, 0x00]]), 'w.png');
    expect(Array.from(rgb16.data)).toEqual([0x12, 0xab, 0xff]);
    const bits = decodePng(png(10, 1, 1, 0, [[0, 0b10100000, 0b01000000]]), 'b.png');
    expect(Array.from(bits.data)).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 0, 255]);
  });

  it('rejects interlaced, truncated and non-PNG data with the file name', () => {
    expect(() => decodePng(png(1, 1, 8, 0, [[0, 1]], [], 1), 'i.png')).toThrow(/^i\.png: interlaced/);
    expect(() => decodePng(png(4, 4, 8, 0, [[0, 1, 2, 3, 4]]), 't.png')).toThrow(/^t\.png: truncated PNG/);
    expect(() => decodePng(Buffer.from('GIF89a....'), 'x.gif')).toThrow(DataError);
  });
});

describe('decodeImageFile', () => {
  it('decodes a PNG file and rejects other formats', async () => {
    const f = join(tmp, 'a.png');
    writeFileSync(f, encodePng(2, 2, 3, new Uint8Array(12).fill(9)));
    expect((await decodeImageFile(f)).data).toEqual(new Uint8Array(12).fill(9));
    const g = join(tmp, 'a.gif');
    writeFileSync(g, 'GIF89a');
    await expect(decodeImageFile(g)).rejects.toThrow(/a\.gif: is neither a PNG nor a JPEG/);
  });

  it('decodes a JPEG through jpeg-js, or explains that it is needed', async () => {
    const name = 'jpeg-js';
    type JpegEnc = { encode(img: { width: number; height: number; data: Uint8Array }, q: number): { data: Buffer } };
    const mod = (await import(name).catch(() => null)) as (Partial<JpegEnc> & { default?: JpegEnc }) | null;
    const f = join(tmp, 'a.jpg');
    if (!mod) {
      writeFileSync(f, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
      await expect(decodeImageFile(f)).rejects.toThrow(/a\.jpg: is a JPEG.*jpeg-js/);
      return;
    }
    const enc = (mod.encode ? mod : mod.default) as JpegEnc;
    const rgba = new Uint8Array(8 * 8 * 4).fill(200);
    writeFileSync(f, enc.encode({ width: 8, height: 8, data: rgba }, 95).data);
    const img = await decodeImageFile(f);
    expect([img.width, img.height, img.channels]).toEqual([8, 8, 3]);
    for (const v of img.data) expect(Math.abs(v - 200)).toBeLessThanOrEqual(3);
  });
});
