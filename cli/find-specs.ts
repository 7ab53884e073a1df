/** Spec discovery for the commands that default to "the specs of this folder". */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { looksLikeSpecText, SPEC_EXTENSIONS } from '../compiler/frontend/parse-source.js';
import { describeFsError } from '../files/errors.js';
import { READ_LIMITS, tryReadRegularFile } from '../files/read.js';

/** How much of a .yaml file is sniffed for its `netc:` key. */
const SNIFF_BYTES = 64 * 1024;

/** A .yaml file is a spec only if it says `netc: <version>`: CI configs and the like are skipped. */
function looksLikeSpec(path: string): boolean {
  if (path.endsWith('.netc')) return true;
  const r = tryReadRegularFile(path, READ_LIMITS.spec, SNIFF_BYTES);
  return 'bytes' in r && looksLikeSpecText(path, r.bytes.toString('utf8'));
}

/**
 * The spec files of a folder, sorted. Hidden files (editor lock files such
 * as emacs' `.#alexnet.yaml`, which are dangling links) are skipped, as
 * compilers skip them in their default inputs; a spec-named entry that is
 * not a readable regular file (a broken link, a FIFO) is skipped with a
 * warning, so one stray file does not stop the others.
 */
export function findSpecFiles(dir: string, warn: (message: string) => void = defaultWarn): string[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.') && SPEC_EXTENSIONS.some((e) => f.endsWith(e)))
    .map((f) => (dir === '.' ? f : join(dir, f)))
    .filter((p) => {
      let kind: string | null;
      try {
        const st = statSync(p);
        kind = st.isFile() ? null : st.isDirectory() ? 'a folder' : 'not a regular file';
      } catch (e) {
        kind = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'a broken symbolic link' : describeFsError(e);
      }
      if (kind === null) return looksLikeSpec(p);
      if (kind !== 'a folder') warn(`skipping \`${p}\`: ${kind}`);
      return false;
    })
    .sort();
}

function defaultWarn(message: string): void {
  process.stderr.write(`netc: warning: ${message}\n`);
}

/** Expands folders given on the command line into their spec files. */
export function expandSpecArgs(args: string[]): string[] {
  if (args.length === 0) return findSpecFiles('.');
  return args.flatMap((a) => {
    try {
      if (statSync(a).isDirectory()) return findSpecFiles(a);
    } catch {
      // a missing path is reported by the command that reads it
    }
    return [a];
  });
}
