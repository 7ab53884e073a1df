/** Spec discovery for `netc compile` with no arguments: the spec files of the current folder. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SPEC_EXTENSIONS } from '../compiler/frontend/parse-source.js';

/** A .yaml file is a spec only if it says `netc: <version>`: CI configs and the like are skipped. */
function looksLikeSpec(path: string): boolean {
  if (path.endsWith('.netc')) return true;
  try {
    const head = readFileSync(path, 'utf8').slice(0, 64 * 1024);
    return /^netc\s*:/m.test(head);
  } catch {
    return false;
  }
}

export function findSpecFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => SPEC_EXTENSIONS.some((e) => f.endsWith(e)))
    .map((f) => (dir === '.' ? f : join(dir, f)))
    .filter((p) => statSync(p).isFile() && looksLikeSpec(p))
    .sort();
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
