/** Small file helpers shared by the dataset readers. */
import { gunzipSync } from 'node:zlib';
import { READ_LIMITS, tryReadRegularFile } from '../../files/read.js';
import { DataError } from './errors.js';

/** Read a whole regular file (up to 4 GiB), turning "not there" and other fs failures into DataErrors. */
export function readFileOrThrow(file: string): Buffer {
  const r = tryReadRegularFile(file, READ_LIMITS.data);
  if ('bytes' in r) return r.bytes;
  const f = r.failure;
  if (f.kind === 'missing') throw new DataError(file, 'file not found', { code: 'NETC5301' });
  if (f.kind === 'not-regular') throw new DataError(file, f.reason === 'it is a folder' ? 'is a directory, expected a file' : `is not a regular file (${f.reason.replace(/^it is /, '')})`);
  if (f.kind === 'too-large') throw new DataError(file, `is ${f.size}, more than the ${f.limit} netc reads as a data file`);
  throw new DataError(file, `cannot be read (${f.reason})`);
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
