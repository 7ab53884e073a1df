/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.
 *
 * Layout: 4-byte big-endian magic 0x0000TTDD (TT = element type, 0x08 = u8;
 * DD = number of dimensions), then DD big-endian u32 sizes, then the data.
 * We only need u8 images (0x00000803, N x H x W) and u8 labels (0x00000801, N).
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { DataError } from './errors.js';
import { readMaybeGzip } from './io.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxImages {
  count: number;
  height: number;
  width: number;
  /** count*height*width bytes, row-major. */
  data: Uint8Array;
}

/** Parse an in-memory IDX buffer; `file` only names the source in errors. */
export function parseIdx(buf: Uint8Array, file: string, expectMagic: number): { dims: number[]; data: Uint8Array } {
  if (buf.length < 4) throw new DataError(file, `truncated IDX file: ${buf.length} bytes, shorter than the 4-byte header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectMagic) {
    const what = expectMagic === IDX_IMAGES_MAGIC ? 'u8 image file (3 dims)' : 'u8 label file (1 dim)';
    throw new DataError(
      file,
      `wrong IDX magic number 0x${hex8(magic)}, expected 0x${hex8(expectMagic)} for a ${what}` +
        (magic === IDX_IMAGES_MAGIC || magic === IDX_LABELS_MAGIC ? ' (images and labels swapped?)' : ''),
    );
  }
  const ndims = magic & 0xff;
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) throw new DataError(file, `truncated IDX file: ${buf.length} bytes, header alone needs ${headerLen}`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = headerLen + dims.reduce((a, b) => a * b, 1);
  if (buf.length !== expected) {
    const kind = buf.length < expected ? 'truncated IDX file' : 'IDX file has trailing bytes';
    throw new DataError(file, `${kind}: ${buf.length} bytes but its header (${dims.join('x')}) declares ${expected}`);
  }
  return { dims, data: buf.subarray(headerLen) };
}

export function readIdxImages(file: string): IdxImages {
  const { dims, data } = parseIdx(readMaybeGzip(file), file, IDX_IMAGES_MAGIC);
  const [count, height, width] = dims as [number, number, number];
  return { count, height, width, data };
}

export function readIdxLabels(file: string): Uint8Array {
  return parseIdx(readMaybeGzip(file), file, IDX_LABELS_MAGIC).data;
}

/** Read an image file and its label file, checking they agree on the count. */
export function readIdxPair(imagesFile: string, labelsFile: string): IdxImages & { labels: Uint8Array } {
  const images = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile);
  if (labels.length !== images.count) {
    throw new DataError(labelsFile, `has ${labels.length} labels but ${imagesFile} has ${images.count} images`);
  }
  return { ...images, labels };
}

/** Serialise u8 data with the given dims as IDX (used for subsets and tests). */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`encodeIdx: ${data.length} bytes for dims ${dims.join('x')}`);
  const out = Buffer.alloc(4 + 4 * dims.length + n);
  out.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => out.writeUInt32BE(d, 4 + 4 * i));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** Write an IDX file; gzipped (level 9) when `gzip` is set. */
export function writeIdx(file: string, dims: number[], data: Uint8Array, gzip = file.endsWith('.gz')): void {
  const raw = encodeIdx(dims, data);
  writeFileSync(file, gzip ? gzipSync(raw, { level: 9 }) : raw);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
