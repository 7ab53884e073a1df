/** Small file helpers shared by the dataset readers. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError, isNotFound } from './errors.js';

/** Read a whole file, turning "not there" and other fs failures into DataErrors. */
export function readFileOrThrow(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    if (isNotFound(err)) throw new DataError(file, 'file not found');
    const code = (err as { code?: string }).code;
    if (code === 'EISDIR') throw new DataError(file, 'is a directory, expected a file');
    throw new DataError(file, `cannot be read (${(err as Error).message})`);
  }
}

/** True when the buffer starts with the gzip magic bytes (1f 8b). */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Read a file, transparently gunzipping it. We look at the content, not the
 * extension, so a renamed file still works; a damaged .gz becomes a DataError.
 */
export function readMaybeGzip(file: string): Buffer {
  const raw = readFileOrThrow(file);
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw new DataError(file, `is not a valid gzip file (${(err as Error).message}); re-download it`);
  }
}
