/**
 * The README's first command runs `npx netc ...` in a fresh clone after `npm ci`. npm does not
 * link a project's own bin into its node_modules/.bin: `npx netc` there runs package.json's bin
 * file directly, so that file must be executable, which tsc alone does not make it (a fresh
 * clone said "netc: Permission denied"). `npm run build` and the test setup set the bit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };

describe('the netc command in this checkout', () => {
  it("package.json's bin is a built file that starts with a node shebang and is executable", () => {
    const bin = join(root, pkg.bin.netc!);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(statSync(bin).mode & 0o111, `${pkg.bin.netc} is not executable`).toBe(0o111);
  });

  it('the build script makes it executable (npm ci runs it through `prepare`)', () => {
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toContain("chmodSync('dist/cli/main.js', 0o755)");
  });

  it('runs as `npx netc` from the repository root', () => {
    const out = execFileSync('npx', ['--offline', '--no-install', 'netc', '--version'], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(out.trim()).toBe(pkg.version);
  });
});
