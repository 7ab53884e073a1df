/**
 * The compiler's only window on the file system. The compiler proper takes a
 * CompilerHost, so it can run on in-memory files (tests, editors); the Node
 * host below is the one small loader that touches the disk.
 */
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { READ_LIMITS, tryReadRegularFile } from '../files/read.js';

/** A file that could not be read: why, and whether it is simply not there. */
export interface ReadError {
  error: string;
  missing?: boolean;
}

export interface CompilerHost {
  /** The file's text, or an error message when it cannot be read. */
  readFile(path: string): { text: string } | ReadError;
  /** A path relative to another file's folder. */
  resolve(fromFile: string, path: string): string;
}

/**
 * Only regular files are read (a FIFO or /dev/zero would block or never
 * end), up to a cap larger than any spec; the frontends refuse anything over
 * their own, smaller limit with a diagnostic (NETC1002).
 */
export function readTextFile(path: string): { text: string } | ReadError {
  const r = tryReadRegularFile(path, READ_LIMITS.spec);
  if ('failure' in r) {
    const f = r.failure;
    if (f.kind === 'too-large') return { error: `it is ${f.size}, more than the ${f.limit} netc reads` };
    return { error: f.reason, ...(f.kind === 'missing' ? { missing: true } : {}) };
  }
  // Decoding without `fatal` turns bad bytes into U+FFFD, which the frontend reports with its offset.
  return { text: new TextDecoder('utf-8').decode(r.bytes) };
}

export const nodeHost: CompilerHost = {
  readFile: readTextFile,
  resolve(fromFile, path) {
    if (isAbsolute(path)) return normalize(path);
    const joined = join(dirname(fromFile), path);
    // Keep paths relative when they were, so diagnostics stay short.
    return isAbsolute(fromFile) ? joined : relative('.', joined) || joined;
  },
};

/** An in-memory host for tests and embedding. */
export function memoryHost(files: Record<string, string>): CompilerHost {
  return {
    readFile: (path) => (Object.hasOwn(files, path) ? { text: files[path]! } : { error: 'no such file or folder', missing: true }),
    resolve: (fromFile, path) => normalize(join(dirname(fromFile), path)),
  };
}
