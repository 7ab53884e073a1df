/**
 * Reading files, safely: only regular files (a FIFO, a device such as
 * /dev/zero or a socket is refused before it is read, so nothing blocks or
 * reads without end), never more than a size cap (files in /proc say size 0,
 * so the cap is enforced while reading, too), and every failure as a
 * NetcError naming the path. Opened non-blocking, so even opening a FIFO
 * with no writer returns at once.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { errorFromTemplate, NetcError } from '../compiler/diagnostics/netc-error.js';
import { describeFsError, errnoOf } from './errors.js';

export interface ReadLimits {
  /** Refuse files larger than this many bytes. */
  maxBytes: number;
  /** What the file is read as, for the too-large message ("a spec", "a checkpoint"). */
  what: string;
}

export type ReadFailure =
  | { kind: 'missing'; reason: string }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'not-regular'; reason: string }
  | { kind: 'too-large'; size: string; limit: string };

/** A byte count for people: 512 bytes, 4.0 KiB, 2.5 GiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'it is a folder';
  if (st.isFIFO()) return 'it is a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'it is a device';
  if (st.isSocket()) return 'it is a socket';
  return 'it is not a regular file';
}

/**
 * The file's bytes, or why not. `head`: read at most this many bytes and
 * never fail for size (to sniff a file's first lines).
 */
export function tryReadRegularFile(path: string, limits: ReadLimits, head?: number): { bytes: Buffer } | { failure: ReadFailure } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = errnoOf(e);
    return { failure: { kind: code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unreadable', reason: describeFsError(e) } };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { failure: { kind: 'not-regular', reason: kindOf(st) } };
    const cap = head ?? limits.maxBytes;
    if (head === undefined && st.size > cap) return { failure: { kind: 'too-large', size: formatBytes(st.size), limit: formatBytes(cap) } };
    // st.size is a hint (0 for /proc files): read until the end, one byte past the cap at most.
    let buf = Buffer.allocUnsafe(Math.min(Math.max(st.size, 64 * 1024), cap + 1));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, cap + 1));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > cap) {
      if (head !== undefined) return { bytes: buf.subarray(0, cap) };
      return { failure: { kind: 'too-large', size: `more than ${formatBytes(cap)}`, limit: formatBytes(cap) } };
    }
    return { bytes: buf.subarray(0, length) };
  } catch (e) {
    return { failure: { kind: 'unreadable', reason: describeFsError(e) } };
  } finally {
    closeSync(fd);
  }
}

/** The NetcError for a failed read of `path`. */
export function readFailureError(path: string, failure: ReadFailure, what: string): NetcError {
  switch (failure.kind) {
    case 'not-regular':
      return errorFromTemplate('NETC5002', { path, reason: failure.reason }, { hint: `netc reads ${what} only from regular files` });
    case 'too-large':
      return errorFromTemplate('NETC5003', { path, size: failure.size, limit: failure.limit, what });
    default:
      return errorFromTemplate('NETC5004', { path, reason: failure.reason });
  }
}

/** The file's bytes; throws a NetcError naming the path when it cannot be read. */
export function readRegularFile(path: string, limits: ReadLimits): Buffer {
  const r = tryReadRegularFile(path, limits);
  if ('failure' in r) throw readFailureError(path, r.failure, limits.what);
  return r.bytes;
}

/** Limits for the files netc reads. */
export const READ_LIMITS = {
  /** The frontends refuse anything over their own, smaller limit with a diagnostic (NETC1002). */
  spec: { maxBytes: 256 * 1024 * 1024, what: 'a spec' },
  plan: { maxBytes: 256 * 1024 * 1024, what: 'a plan' },
  /** run files: config.json, metrics.jsonl */
  runFile: { maxBytes: 256 * 1024 * 1024, what: 'a run file' },
  /** AlexNet with Adam's two slots is 0.7 GiB; a Buffer holds at most 4 GiB. */
  checkpoint: { maxBytes: 4 * 1024 * 1024 * 1024 - 1, what: 'a checkpoint' },
  /** Dataset files (ImageNet-sized batches are far below this). */
  data: { maxBytes: 4 * 1024 * 1024 * 1024 - 1, what: 'a data file' },
} as const satisfies Record<string, ReadLimits>;
