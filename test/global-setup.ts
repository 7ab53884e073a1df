/**
 * Runs once before the test files (vitest globalSetup):
 *
 * 1. dist/ is built from the current sources. The CLI tests spawn
 *    dist/cli/main.js and multi-device tests start workers from dist/, so a
 *    missing or stale build would skip them or test old code. When any source
 *    is newer than its output, tsc runs here; if it fails, the suite fails.
 * 2. Every test writes under a private temporary folder (TMPDIR points there,
 *    for the test processes and what they spawn). At the end it must be
 *    empty: a test that leaves files behind fails the run, by name.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

// What tsconfig.json compiles: its `include` entries, folders (dir/**/*.ts) and single files.
function compiledSources(): string[] {
  const { include } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
  return include.flatMap((pattern) => {
    const dir = /^([^*]+)\/\*\*\/\*\.ts$/.exec(pattern)?.[1];
    if (dir !== undefined) return existsSync(join(ROOT, dir)) ? sources(join(ROOT, dir)) : [];
    if (pattern.includes('*')) throw new Error(`test setup: tsconfig.json include pattern ${pattern} is not understood here`);
    return [join(ROOT, pattern)];
  });
}

/** Sources whose compiled .js is missing or older than the source (or than tsconfig.json). */
export function staleOutputs(): string[] {
  const config = statSync(join(ROOT, 'tsconfig.json')).mtimeMs;
  const all = compiledSources();
  return all.filter((src) => {
    const out = join(ROOT, 'dist', relative(ROOT, src)).replace(/\.ts$/, '.js');
    if (!existsSync(out)) return true;
    const built = statSync(out).mtimeMs;
    return built < statSync(src).mtimeMs || built < config;
  });
}

function buildIfStale(): void {
  const stale = staleOutputs();
  if (stale.length === 0) return;
  console.log(`test setup: dist/ is older than ${stale.length} source file(s) (${relative(ROOT, stale[0]!)}${stale.length > 1 ? ', ...' : ''}): running tsc`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    throw new Error('test setup: tsc failed (above); the CLI and worker tests need dist/ built from the current sources');
  }
  const still = staleOutputs();
  if (still.length > 0) throw new Error(`test setup: tsc ran but these outputs are still older than their sources: ${still.map((s) => relative(ROOT, s)).join(', ')}`);
  // As `npm run build` does: the bin must be executable, or `npx netc` says "Permission denied".
  chmodSync(join(ROOT, 'dist/cli/main.js'), 0o755);
}

export default function setup(): () => void {
  buildIfStale();
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'netc-tests-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const left = readdirSync(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      // vitest reports an error thrown here but still exits 0: set the status as well.
      process.exitCode = 1;
      throw new Error(`tests left ${left.length} file(s) in the temporary folder (each test must remove what it writes): ${left.join(', ')}`);
    }
  };
}
