/**
 * A minimal PNG encoder on node:zlib: unfiltered 8-bit grey, RGB or RGBA
 * (kernel pictures, test fixtures). Decoding goes through decode.ts (sharp).
 */
import { deflateSync } from 'node:zlib';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

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

/** One PNG chunk: length, type, body, CRC. */
export function pngChunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  out.set(body, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/**
 * A PNG from raw, already filtered scanlines (each row starts with its filter
 * byte) and the header's bit depth and colour type; `extra` chunks (PLTE...)
 * go before the image data. Tests build unusual PNGs with it.
 */
export function pngFromScanlines(width: number, height: number, depth: number, colourType: number, scanlines: Uint8Array, extra: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  return Buffer.concat([Buffer.from(SIGNATURE), pngChunk('IHDR', ihdr), ...extra, pngChunk('IDAT', deflateSync(scanlines)), pngChunk('IEND', new Uint8Array(0))]);
}

/** Encode 8-bit HWC pixels (1 = grey, 3 = RGB, 4 = RGBA) as a PNG. */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, data: Uint8Array): Buffer {
  if (data.length !== width * height * channels) throw new Error(`encodePng: ${data.length} bytes for ${width}x${height}x${channels}`);
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1)); // filter byte 0 (None) per row
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return pngFromScanlines(width, height, 8, channels === 1 ? 0 : channels === 3 ? 2 : 6, raw);
}
