/** Temporary folders for tests, each removed when its test file (or describe block) ends. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Call at the top of a test file or describe block: returns a function that
 * makes a fresh folder (`netc-<prefix>-XXXXXX` in the temp folder); all of
 * them are removed by an afterAll hook of that scope.
 */
export function useTempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `netc-${prefix}-`));
    made.push(dir);
    return dir;
  };
}
