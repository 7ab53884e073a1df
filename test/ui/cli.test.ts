/**
 * The built `netc` binary (dist/cli/main.js, built from the current sources
 * by the global test setup): exit statuses (0 fine, 1 the input has errors,
 * 2 the command was used wrongly, 3 a bug in netc), no stack trace for any bad input, spec
 * discovery, and `--json`.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { netc, ROOT } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { generatedCases } from './generated-cases.js';

const tempDir = useTempDirs('cli');

/** A stack trace line, as Node prints it. */
const STACK = '    at ';

/** Every bad input of the UI tests: the fixtures with `# ~` annotations (plus the generated ones, below). */
function annotatedFixtures(dir = join(ROOT, 'test', 'ui')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = join(dir, e.name);
    if (e.isDirectory()) return annotatedFixtures(abs);
    if (!/\.(ya?ml|netc)$/.test(e.name) || !/#\s*~/.test(readFileSync(abs, 'utf8'))) return [];
    return [relative(ROOT, abs).split(sep).join('/')];
  });
}

describe.concurrent('netc CLI (dist/cli/main.js)', () => {
  it('exits 0 on specs/alexnet.yaml, and on a spec with only warnings', async () => {
    const r = await netc(['compile', '--check', 'specs/alexnet.yaml', 'test/ui/shapes/dense-after-conv.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('60,965,224 params');
    expect(r.stderr).toContain('warning NETC3105');
    expect(r.stderr).not.toMatch(/error NETC/);
  });

  it('exits 2 on an unknown flag', async () => {
    const r = await netc(['compile', '--bogus', 'specs/alexnet.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bogus');
  });

  it("exits 3 and asks for a bug report when netc itself fails (a fault injected into stdout)", async () => {
    const inject = pathToFileURL(join(ROOT, 'test', 'fixtures', 'faults', 'throw-on-stdout.mjs')).href;
    const r = await netc(['compile', '--check', 'specs/alexnet.yaml'], { nodeArgs: ['--import', inject] });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('internal error');
    expect(r.stderr).toContain('injected fault');
    expect(r.stderr).toContain('please report this as a bug');
  });

  it('exits 2 on a missing file', async () => {
    const r = await netc(['compile', 'no/such/spec.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no/such/spec.yaml');
    expect(r.stderr).not.toContain(STACK);
  });

  it('exits 2 with no arguments in an empty folder', async () => {
    const dir = tempDir();
    const bare = await netc([], { cwd: dir });
    expect(bare.code).toBe(2);
    const compile = await netc(['compile'], { cwd: dir });
    expect(compile.code).toBe(2);
    expect(compile.stderr).toContain('no spec files here');
  });

  it('exits 1 on specs with errors, printing each error and no stack trace (every bad input of the UI tests)', async () => {
    const dir = tempDir();
    const generated = generatedCases.filter((c) => !c.path.includes('huge'));
    const files = generated.map((c) => {
      const file = join(dir, c.path.replace(/^test\/ui\//, '').replace(/\//g, '-'));
      writeFileSync(file, c.bytes());
      return file;
    });
    const all = [...annotatedFixtures(), ...files];
    const r = await netc(['compile', '--check', ...all]);
    expect(r.stderr).not.toContain(STACK);
    expect(r.stderr).not.toContain('internal');
    expect(r.code).toBe(1);
    for (const f of all) expect(r.stderr, f).toContain(f);
    for (const head of ['6:65: error NETC3101', '7:37: error NETC3202', '9:13: error NETC3001']) {
      expect(r.stderr).toContain(`test/ui/semantics/three-errors.yaml:${head}`);
    }
  });

  it('refuses a 20 MB spec without a stack trace', async () => {
    const dir = tempDir();
    const huge = generatedCases.find((c) => c.path.includes('huge'))!;
    const file = join(dir, 'huge.yaml');
    writeFileSync(file, huge.bytes());
    const r = await netc(['compile', '--check', file]);
    expect(r.stderr).not.toContain(STACK);
    expect(r.stderr).toContain('huge.yaml');
    // The CLI checks the size before reading: today that is a usage error (2), not a diagnostic (1).
    expect([1, 2]).toContain(r.code);
  });

  it('`netc compile` with no argument compiles the specs of the folder into build/', async () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, 'specs', 'alexnet.yaml'), join(dir, 'alexnet.yaml'));
    // A YAML file that is not a spec (no `netc:` key) is left alone.
    writeFileSync(join(dir, 'ci.yaml'), 'on: push\n');
    const r = await netc(['compile'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const planPath = join(dir, 'build', 'alexnet.plan.json');
    expect(existsSync(planPath)).toBe(true);
    expect(existsSync(join(dir, 'build', 'ci.plan.json'))).toBe(false);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as { format: string; model: { name: string } };
    expect(plan.format).toBe('netc-plan');
    expect(plan.model.name).toBe('alexnet');
  });

  it('--json: every output line, on stdout and stderr, is JSON', async () => {
    const r = await netc(['compile', '--json', '--check', 'specs/alexnet.yaml', 'test/ui/semantics/three-errors.yaml', 'test/ui/shapes/dense-after-conv.yaml', 'test/ui/yaml/alias-bomb.yaml']);
    expect(r.code).toBe(1);
    const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');
    const out = lines(r.stdout).map((l) => JSON.parse(l) as { spec: string; ok: boolean });
    const err = lines(r.stderr).map((l) => JSON.parse(l) as { diagnostic: { code: string; line?: number } });
    expect(out.map((o) => [o.spec, o.ok])).toEqual([
      ['specs/alexnet.yaml', true],
      ['test/ui/semantics/three-errors.yaml', false],
      ['test/ui/shapes/dense-after-conv.yaml', true],
      ['test/ui/yaml/alias-bomb.yaml', false],
    ]);
    expect(err.map((e) => e.diagnostic.code)).toEqual(['NETC3101', 'NETC3202', 'NETC3001', 'NETC3105', 'NETC1004']);
    for (const e of err) expect(e.diagnostic.line).toBeGreaterThan(0);
  });

  it('`netc explain` prints the page of a code', async () => {
    const r = await netc(['explain', 'NETC3101']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('# NETC3101: non-integer-output-size');
    expect(r.stdout).toContain('54.25');
  });
});
