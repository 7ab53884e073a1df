/**
 * UI tests (style habit 14): each test/ui/<area>/<case>.yaml (or .netc) is
 * compiled, and
 *   - its diagnostics must match its inline annotations exactly: `# ~ NETC3101`
 *     says "NETC3101 points at this line", `# ~^ NETC3101` the line above
 *     (one `^` per line up); several codes may follow one `~`, and a code
 *     expected twice on a line is written twice. No diagnostic may appear
 *     without an annotation.
 *   - the plain rendering (renderPlain, one line per diagnostic, paths relative
 *     to the repository) must equal the committed <case>.stderr. A case with no
 *     diagnostics has no .stderr file.
 * Snapshots are rewritten only with NETC_UPDATE_SNAPSHOTS=1; review the diff.
 * Cases too big, binary or empty to commit are generated (generated-cases.ts).
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { renderPlain, renderPretty } from '../../compiler/diagnostics/render.js';
import { getLineAndColumn } from '../../compiler/source/source-file.js';
import { generatedCases, seededBytes } from './generated-cases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UI = join(ROOT, 'test', 'ui');
const UPDATE = process.env.NETC_UPDATE_SNAPSHOTS === '1';
/**
 * A hang guard, not a benchmark: every case, hostile ones included, must
 * finish at once (each takes well under a second). The margin is wide
 * because this 2-core machine is shared: a busy moment must not fail a test.
 */
const HANG_GUARD_MS = 10_000;
const SPEC = /\.(ya?ml|netc)$/;

const repoPath = (abs: string) => relative(ROOT, abs).split(sep).join('/');

function listFixtures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFixtures(join(dir, e.name)) : SPEC.test(e.name) ? [join(dir, e.name)] : []))
    .sort();
}

/** `line: code` for each annotation. */
function readAnnotations(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /#\s*~(\^*)\s+((?:NETC\d{4}[\s,]*)+)/.exec(line);
    if (!m) return;
    for (const code of m[2]!.match(/NETC\d{4}/g) ?? []) out.push(`${i + 1 - m[1]!.length}: ${code}`);
  });
  return out.sort();
}

function reported(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics
    .map((d) => `${d.span ? getLineAndColumn(d.span.file, d.span.start).line : '(no position)'}: ${d.code}`)
    .sort();
}

/** The same decoding as the CLI: bad bytes become U+FFFD, which the frontend reports. */
const decode = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes);

function compileTimed(path: string, text: string) {
  const t0 = performance.now();
  const result = compileSource(path, text);
  return { result, ms: performance.now() - t0 };
}

function checkSnapshot(path: string, diagnostics: readonly Diagnostic[]): void {
  const snapshot = join(ROOT, path.replace(SPEC, '.stderr'));
  const rel = repoPath(snapshot);
  const output = diagnostics.length ? diagnostics.map(renderPlain).join('\n') + '\n' : '';
  if (UPDATE) {
    if (output) writeFileSync(snapshot, output);
    else if (existsSync(snapshot)) unlinkSync(snapshot);
    return;
  }
  if (!output) {
    expect(existsSync(snapshot), `${rel} exists but ${path} has no diagnostics`).toBe(false);
    return;
  }
  expect(existsSync(snapshot), `${rel} is missing: run NETC_UPDATE_SNAPSHOTS=1 npx vitest run test/ui and review it`).toBe(true);
  expect(output, `${rel} differs: run NETC_UPDATE_SNAPSHOTS=1 npx vitest run test/ui if the change is intended`).toBe(readFileSync(snapshot, 'utf8'));
}

const fixtures = listFixtures(UI).map((abs) => ({ abs, path: repoPath(abs) }));

// The first compile also builds the schema validator; keep that out of the hang guard.
beforeAll(() => {
  compileSource('warm-up.yaml', 'netc: 1\nname: w\ninput: { shape: [4] }\nlayers: [{ type: dense, units: 2 }]\n');
});

describe('ui fixtures', () => {
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThan(10));

  it.each(fixtures.map((f) => [f.path, f.abs] as const))('%s', (path, abs) => {
    const text = decode(readFileSync(abs));
    const { result, ms } = compileTimed(path, text);
    expect(reported(result.diagnostics), `diagnostics of ${path} vs its # ~ annotations`).toEqual(readAnnotations(text));
    expect(ms, 'hang guard').toBeLessThan(HANG_GUARD_MS);
    checkSnapshot(path, result.diagnostics);
  });
});

describe('ui generated cases', () => {
  it.each(generatedCases.map((c) => [c.path, c] as const))('%s', (path, c) => {
    const text = decode(c.bytes());
    const { result, ms } = compileTimed(path, text);
    expect(reported(result.diagnostics)).toEqual([...c.expected].sort());
    expect(ms, 'hang guard').toBeLessThan(HANG_GUARD_MS);
    checkSnapshot(path, result.diagnostics);
  });

  it('pure random bytes give one positioned NETC1005, whatever the seed', () => {
    for (const seed of [1, 2, 3, 224, 227]) {
      const { result, ms } = compileTimed('junk.yaml', decode(seededBytes(seed, 64 * 1024)));
      expect(result.diagnostics.map((d) => d.code)).toEqual(['NETC1005']);
      expect(result.diagnostics[0]!.span).toBeDefined();
      expect(ms, 'hang guard').toBeLessThan(HANG_GUARD_MS);
    }
  });
});

describe('ui snapshots', () => {
  it('every .stderr belongs to a case', () => {
    const cases = new Set([...fixtures.map((f) => f.path), ...generatedCases.map((c) => c.path)].map((p) => p.replace(SPEC, '.stderr')));
    const list = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? list(join(dir, e.name)) : e.name.endsWith('.stderr') ? [repoPath(join(dir, e.name))] : []));
    expect(list(UI).filter((s) => !cases.has(s))).toEqual([]);
  });
});

/** What the plain snapshot does not show: the pretty rendering's notes and hints. */
describe('ui renderings', () => {
  const compileFixture = (rel: string) => {
    const text = readFileSync(join(UI, rel), 'utf8');
    return compileSource(`test/ui/${rel}`, text).diagnostics;
  };

  it("the paper's 224 input: shows 54.25, points at conv1 and suggests 227, padding or ceil", () => {
    const [d, ...rest] = compileFixture('shapes/paper-224-input.yaml');
    expect(rest).toEqual([]);
    expect(d!.code).toBe('NETC3101');
    const pretty = renderPretty(d!);
    expect(pretty).toContain('54.25');
    expect(pretty).toContain('conv1');
    expect(d!.hint).toMatch(/227/);
    expect(d!.hint).toMatch(/padding/);
    expect(d!.hint).toMatch(/ceil/);
    // The note points at the input shape that set the height.
    const related = d!.related?.[0];
    expect(related && getLineAndColumn(related.span.file, related.span.start).line).toBe(5);
  });

  it('an unknown layer type suggests the closest one', () => {
    const [d] = compileFixture('schema/unknown-layer-type.yaml');
    expect(d!.hint).toBe('did you mean `maxpool`?');
  });

  it('a misspelt key suggests the closest one', () => {
    const [d] = compileFixture('schema/misspelt-key.yaml');
    expect(d!.hint).toBe('did you mean `stride`?');
  });

  it('towers and a class count they do not split: the hints offer `connect: all`, not only a multiple', () => {
    const [split] = compileFixture('shapes/towers-odd-classes-grouped.yaml');
    expect(split!.hint).toBe('use a multiple of 2, such as 4 or 6, or `connect: all` to compute `fc` whole on every tower');
    const [classes] = compileFixture('shapes/towers-classes-mismatch.yaml');
    expect(classes!.hint).toBe('set the last dense layer to `units: 5` with `connect: all`');
  });

  it('a duplicated layer name points back at the first use', () => {
    const [d] = compileFixture('semantics/duplicate-layer-names.yaml');
    expect(d!.related).toHaveLength(1);
    const r = d!.related![0]!;
    expect(getLineAndColumn(r.span.file, r.span.start).line).toBe(5);
    expect(r.span.file.text.slice(r.span.start, r.span.end)).toBe('conv1');
    expect(renderPretty(d!)).toContain('first used here');
  });
});

/**
 * Compiler bugs found while writing these tests (see the report that came with
 * them). Each states the behaviour we want; `it.fails` keeps the suite green
 * until the fix, and then fails so that `.fails` is removed.
 */
describe('known compiler bugs', () => {
  const compile = (text: string) => compileSource('bug.yaml', text).diagnostics;

  it("an apostrophe in a plain scalar does not hide a 5000-deep `[` from the nesting limit", () => {
    const text = `netc: 1\nname: x\ndescription: the paper's net\ninput: { shape: [4] }\nlayers: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(reported(compile(text))).toEqual(['5: NETC1003']);
  });

  it('a `__proto__` key is reported as an unknown key, at its line', () => {
    const text = 'netc: 1\nname: x\ninput: { shape: [4] }\n__proto__: { a: 1 }\nlayers: [{ type: dense, units: 2 }]\n';
    const ds = compile(text);
    expect(reported(ds)).toEqual(['4: NETC2001']);
    expect(ds[0]!.message).toContain('`__proto__`');
  });

  it('a duplicate key is named in full', () => {
    const ds = compile('netc: 1\nname: a\nname: b\ninput: { shape: [4] }\nlayers: [{ type: dense, units: 2 }]\n');
    expect(ds[0]!.message).toBe('key `name` appears twice in this mapping');
  });

  it('an infinite layer size is refused', () => {
    const ds = compile('netc: 1\nname: x\ninput: { shape: [4] }\nlayers: [{ type: dense, units: 1e400 }]\n');
    expect(ds.some((d) => d.severity === 'error')).toBe(true);
  });

  it('the pretty rendering does not copy control characters (ESC) to the terminal', () => {
    const [d] = compile('netc: 1\nname: x\x1b[2J\ninput: { shape: [4] }\n');
    expect(d!.code).toBe('NETC1005');
    expect(renderPretty(d!)).not.toContain('\x1b');
  });
});
