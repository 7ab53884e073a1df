/**
 * The compiler's only window on the file system. The compiler proper takes a
 * CompilerHost, so it can run on in-memory files (tests, editors); the Node
 * host below is the one small loader that touches the disk.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';

export interface CompilerHost {
  /** The file's text, or an error message when it cannot be read. */
  readFile(path: string): { text: string } | { error: string };
  /** A path relative to another file's folder. */
  resolve(fromFile: string, path: string): string;
}

/** Larger files are not read at all; the frontends refuse anything over their own, smaller limit with a diagnostic. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export function readTextFile(path: string): { text: string } | { error: string } {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { error: 'it is a folder' };
    if (st.size > MAX_FILE_BYTES) return { error: `it is ${st.size} bytes, more than ${MAX_FILE_BYTES}` };
    const bytes = readFileSync(path);
    // Decoding without `fatal` turns bad bytes into U+FFFD, which the frontend reports with its offset.
    return { text: new TextDecoder('utf-8').decode(bytes) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: 'no such file' };
    if (code === 'EACCES') return { error: 'permission denied' };
    return { error: (e as Error).message };
  }
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
    readFile: (path) => (path in files ? { text: files[path]! } : { error: 'no such file' }),
    resolve: (fromFile, path) => normalize(join(dirname(fromFile), path)),
  };
}
