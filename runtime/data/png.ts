/**
 * Minimal PNG codec on top of node:zlib, so image-folder datasets of PNGs need
 * no extra package. Decodes every standard non-interlaced PNG (all colour
 * types, bit depths 1-16) to 8-bit grey (1 channel) or RGB (3 channels); alpha
 * is dropped because the networks take 1- or 3-channel input. The encoder
 * writes unfiltered 8-bit PNGs (used for test fixtures and sample dumps).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { DataError } from './errors.js';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  /** height*width*channels bytes, HWC. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && SIGNATURE.every((b, i) => buf[i] === b);
}

/** Samples per pixel for PNG colour types 0 (grey), 2 (RGB), 3 (palette), 4 (grey+alpha), 6 (RGBA). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function decodePng(buf: Uint8Array, file: string): DecodedImage {
  if (!isPng(buf)) throw new DataError(file, 'is not a PNG file (bad signature)');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 8;
  let width = 0, height = 0, depth = 0, colourType = -1, interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= buf.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(buf[pos + 4]!, buf[pos + 5]!, buf[pos + 6]!, buf[pos + 7]!);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (body.length !== len) throw new DataError(file, `truncated PNG: chunk ${type} runs past the end of the file`);
    pos += 12 + len; // length + type + data + crc
    if (type === 'IHDR') {
      const h = new DataView(body.buffer, body.byteOffset, body.byteLength);
      width = h.getUint32(0);
      height = h.getUint32(4);
      depth = body[8]!;
      colourType = body[9]!;
      interlace = body[12]!;
    } else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
  }
  const samples = SAMPLES[colourType];
  if (width === 0 || height === 0 || samples === undefined) throw new DataError(file, 'PNG has no valid IHDR header');
  if (![1, 2, 4, 8, 16].includes(depth)) throw new DataError(file, `PNG bit depth ${depth} is not valid`);
  if (interlace !== 0) throw new DataError(file, 'interlaced (Adam7) PNGs are not supported; re-save the image without interlacing');
  if (colourType === 3 && !palette) throw new DataError(file, 'palette PNG without a PLTE chunk');
  if (idat.length === 0) throw new DataError(file, 'PNG has no image data (IDAT)');

  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new DataError(file, `PNG image data is corrupt (${(err as Error).message})`);
  }
  const bitsPerPixel = samples * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  if (raw.length < height * (stride + 1)) throw new DataError(file, 'truncated PNG: image data shorter than width x height');
  const pixels = unfilter(raw, height, stride, Math.max(1, bitsPerPixel >> 3), file);

  const outC: 1 | 3 = colourType === 0 || colourType === 4 ? 1 : 3;
  const out = new Uint8Array(width * height * outC);
  const maxV = (1 << Math.min(depth, 8)) - 1;
  // Read sample `k` of a row as 8 bits: high byte for 16-bit, rescaled for sub-byte depths.
  const sample = (row: number, k: number): number => {
    const base = row * stride;
    if (depth === 8) return pixels[base + k]!;
    if (depth === 16) return pixels[base + 2 * k]!;
    const bit = k * depth;
    const v = (pixels[base + (bit >> 3)]! >> (8 - depth - (bit & 7))) & maxV;
    return colourType === 3 ? v : Math.round((v * 255) / maxV); // palette indices stay indices
  };
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = x * samples;
      if (colourType === 3) {
        const idx = sample(y, k);
        if (3 * idx + 2 >= palette!.length) throw new DataError(file, `PNG palette index ${idx} out of range`);
        out[o++] = palette![3 * idx]!;
        out[o++] = palette![3 * idx + 1]!;
        out[o++] = palette![3 * idx + 2]!;
      } else {
        for (let c = 0; c < outC; c++) out[o++] = sample(y, k + c);
      }
    }
  }
  return { width, height, channels: outC, data: out };
}

/** Undo the per-row PNG filters (None, Sub, Up, Average, Paeth). */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, file: string): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const prev = dst - stride; // previous output row (only read when y > 0)
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i]!;
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = y > 0 ? out[prev + i]! : 0;
      const c = y > 0 && i >= bpp ? out[prev + i - bpp]! : 0;
      let v: number;
      switch (f) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new DataError(file, `PNG row ${y} has unknown filter type ${f}`);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}

let crcTable: Uint32Array | null = null;
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** Encode 8-bit HWC pixels (1 = grey, 3 = RGB, 4 = RGBA) as a PNG. */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, data: Uint8Array): Buffer {
  if (data.length !== width * height * channels) throw new Error(`encodePng: ${data.length} bytes for ${width}x${height}x${channels}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1)); // filter byte 0 (None) per row
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([Buffer.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
