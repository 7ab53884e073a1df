/**
 * The two codes about the compiler's surroundings rather than a spec's text:
 * an exception inside the compiler is netc's bug (NETC9001, asking for a
 * report, never a crash), and a spec file that cannot be read is NETC1010.
 */
import { expect, it } from 'vitest';
import { compileFile, compileSource } from '../../compiler/compile.js';
import type { CompilerHost } from '../../compiler/host.js';

it('turns an exception thrown while compiling into NETC9001, asking for a bug report', () => {
  const failing: CompilerHost = {
    readFile: () => {
      throw new Error('injected fault: the disk vanished');
    },
    resolve: (_from, path) => path,
  };
  const r = compileSource('variant.yaml', 'extends: base.yaml\nname: v\n', { host: failing });
  expect(r.plan).toBeUndefined();
  expect(r.diagnostics.map((d) => d.code)).toEqual(['NETC9001']);
  expect(r.diagnostics[0]!.message).toContain('injected fault');
  expect(r.diagnostics[0]!.hint).toMatch(/report/);
});

it('reports a spec file that cannot be read as NETC1010, naming the file and why', () => {
  const r = compileFile('test/no/such/spec.yaml');
  expect(r.diagnostics.map((d) => d.code)).toEqual(['NETC1010']);
  expect(r.diagnostics[0]!.message).toBe('cannot read `test/no/such/spec.yaml`: no such file or folder');
});
