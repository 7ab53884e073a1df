/**
 * Writing files: folders created one level at a time (Node's recursive
 * mkdir loops forever on paths such as /proc/x), files written through a
 * temp file, fsync and rename so a reader never sees half of one, and every
 * failure (permission, read-only or full disk, a name too long, a file where
 * a folder should be) as a NetcError naming the path (exit 1).
 */
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { errorFromTemplate, type NetcError } from '../compiler/diagnostics/netc-error.js';
import { describeFsError, errnoOf } from './errors.js';

/** The NetcError for a failed write of `path`. */
export function writeError(path: string, e: unknown, hint?: string): NetcError {
  const reason = errnoOf(e) === 'ENOENT' ? 'the folder does not accept new files' : describeFsError(e);
  return errorFromTemplate('NETC5001', { path, reason }, { hint: hint ?? 'choose another path, or fix the folder\'s permissions' });
}

/** Creates `dir` and its missing parents; throws a NetcError naming the part that failed. */
export function makeDirectory(dir: string, hint?: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      if (errnoOf(e) !== 'ENOENT') throw writeError(dir, e, hint);
      missing.push(p);
      const parent = dirname(p);
      if (parent === p) throw writeError(dir, e, hint);
      p = parent;
      continue;
    }
    if (!isDir) throw writeError(dir, Object.assign(new Error(), { code: 'ENOTDIR' }), hint);
    break;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST' && statSync(m, { throwIfNoEntry: false })?.isDirectory()) continue; // made by someone else meanwhile
      throw writeError(dir, e, hint);
    }
  }
}

/**
 * Writes through a temp file in the same folder, fsync, then a rename, so a
 * reader never sees half a file; the folder is created when missing.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array | readonly Uint8Array[], hint?: string): void {
  makeDirectory(dirname(path), hint);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      const chunks = typeof content === 'string' ? [Buffer.from(content, 'utf8')] : content instanceof Uint8Array ? [content] : content;
      for (const chunk of chunks) {
        let done = 0;
        while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was created, or it is gone already
    }
    // A too-long or unwritable temp name is the path's own problem: name the path the user gave.
    throw writeError(path, e, hint);
  }
}

/** Appends text to a file (metrics.jsonl), with the same errors as writeFileAtomic. */
export function appendText(path: string, text: string, hint?: string): void {
  try {
    appendFileSync(path, text);
  } catch (e) {
    throw writeError(path, e, hint);
  }
}
