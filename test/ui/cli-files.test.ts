/**
 * The CLI and the file system (issue 12): every input or OS problem is exit 1
 * (a missing file named on the command line: 2) with a message naming the
 * path, never exit 3 or a stack trace; only regular files are read, nothing
 * blocks or reads without end; files that are not specs are never quoted;
 * diagnostics are escaped and capped. Runs the built dist/cli/main.js.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netc as run, NETC_MAIN as MAIN, ROOT, type NetcResult as Run } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';

const built = existsSync(MAIN);
const STACK = '    at ';
const netc = (args: string[], cwd = ROOT, as: { uid?: number; gid?: number } = {}) => run(args, { cwd, ...as });
const tempDir = useTempDirs('files');

/** Exit 1, a coded message naming the path, no stack trace, no internal error. */
function expectInputError(r: Run, code: string, path: string): void {
  expect(r.stderr).not.toContain(STACK);
  expect(r.stderr).not.toContain('internal error');
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(`error ${code}`);
  expect(r.stderr).toContain(path);
}

const ALEXNET = 'specs/alexnet.yaml';

describe.skipIf(!built).concurrent('output paths the OS refuses: exit 1, the path named', () => {
  it('a file name longer than 255 bytes (ENAMETOOLONG)', async () => {
    const dir = tempDir();
    const out = join(dir, `${'a'.repeat(300)}.json`);
    const r = await netc(['compile', ALEXNET, '-o', out]);
    expectInputError(r, 'NETC5001', out);
    expect(r.stderr).toContain('too long');
  });

  it('a folder under /proc, where Node\'s recursive mkdir would spin forever', async () => {
    const r = await netc(['compile', ALEXNET, '--out-dir', '/proc/netc-x/y']);
    expectInputError(r, 'NETC5001', '/proc/netc-x/y');
  });

  it('a file where a folder should be (ENOTDIR)', async () => {
    const r = await netc(['compile', ALEXNET, '--out-dir', `${ALEXNET}/build`]);
    expectInputError(r, 'NETC5001', `${ALEXNET}/build`);
    expect(r.stderr).toContain('not a folder');
  });

  it('a folder without write permission (EACCES), as an unprivileged user', async () => {
    const dir = tempDir();
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    chmodSync(dir, 0o755);
    // root ignores permissions: run the command as `nobody` then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const r = await netc(['compile', join(ROOT, ALEXNET), '--out-dir', join(ro, 'build')], dir, asUser);
    expectInputError(r, 'NETC5001', join(ro, 'build'));
    expect(r.stderr).toContain('permission denied');
  });
});

describe.skipIf(!built).concurrent('reading: regular files only, nothing blocks', () => {
  it('a folder holding a broken link and an editor lock file compiles its real spec', async () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, ALEXNET), join(dir, 'alexnet.yaml'));
    symlinkSync('nowhere.yaml', join(dir, 'broken.yaml'));
    // emacs' lock file: a dangling link named .#<file>
    symlinkSync('user@host.1234:1700000000', join(dir, '.#alexnet.yaml'));
    const r = await netc(['compile'], dir);
    expect(r.stderr).not.toContain(STACK);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('alexnet: 60,965,224 params');
    expect(r.stderr).toContain('warning: skipping `broken.yaml`: a broken symbolic link');
    expect(r.stderr).not.toContain('.#alexnet');
  });

  it('a FIFO is refused at once, named on the command line or by `extends`', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'base.yaml');
    const made = await new Promise<number | null>((resolve) => spawn('mkfifo', [fifo]).on('close', resolve).on('error', () => resolve(null)));
    if (made !== 0) return; // no mkfifo here
    writeFileSync(join(dir, 'variant.yaml'), 'netc: 1\nextends: ./base.yaml\nname: v\n');
    const direct = await netc(['compile', '--check', fifo]);
    expectInputError(direct, 'NETC5002', fifo);
    expect(direct.stderr).toContain('named pipe');
    const viaExtends = await netc(['compile', '--check', 'variant.yaml'], dir);
    expectInputError(viaExtends, 'NETC3501', 'base.yaml');
    expect(viaExtends.stderr).toContain('named pipe');
  });

  it('/dev/zero is refused, not read without end', async () => {
    const r = await netc(['compile', '--check', '/dev/zero']);
    expectInputError(r, 'NETC5002', '/dev/zero');
  });

  it('a missing spec is a usage error (2), naming it', async () => {
    const r = await netc(['report', 'no/such/spec.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no/such/spec.yaml');
  });
});

describe.skipIf(!built).concurrent('no file contents leaked', () => {
  it('`extends: /etc/passwd` and `/proc/self/environ` name the file and print none of it', async () => {
    for (const f of ['test/ui/hostile/extends-etc-passwd.yaml', 'test/ui/hostile/extends-proc-environ.yaml', 'test/ui/hostile/extends-not-a-spec.yaml']) {
      const r = await netc(['compile', '--check', f]);
      expectInputError(r, 'NETC3510', f);
      expect(r.stderr).not.toMatch(/root:|PATH=|hunter2/);
    }
  });

  it('a top-level file that is not text shows where, never its bytes', async () => {
    if (!existsSync('/proc/self/environ')) return;
    const r = await netc(['compile', '--check', '/proc/self/environ'], ROOT);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error NETC1005');
    expect(r.stderr).not.toContain('PATH=');
  });

  it('C1 control and bidi-override characters are escaped in the snippet and the message', async () => {
    const r = await netc(['compile', '--check', 'test/ui/hostile/bidi-and-c1.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error NETC2005');
    expect(r.stderr).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    // The source line is shown, with the characters replaced one for one (the caret stays under the value).
    expect(r.stderr).toContain('type: "dense\ufffd\ufffd31m"');
  });
});

describe.skipIf(!built)('many diagnostics', () => {
  it('after 100 errors the rest are counted, not printed', async () => {
    const dir = tempDir();
    const items = Array.from({ length: 2000 }, (_, i) => `bad${i}`).join(', ');
    const file = join(dir, 'many.yaml');
    writeFileSync(file, `netc: 1\nname: many\ninput: { shape: [4] }\nlayers: [{ type: dense, units: 2 }]\ntrain: { metrics: [${items}] }\n`);
    const r = await netc(['compile', '--check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/: error NETC/g)).toHaveLength(100);
    expect(r.stderr).toContain('... 1900 more errors not shown');
    expect(r.stderr).toContain('2000 errors, 0 warnings');
    const json = await netc(['compile', '--check', '--json', file]);
    expect(json.stderr.trim().split('\n')).toHaveLength(2000);
    expect(readFileSync(file, 'utf8')).toContain('bad1999');
  });
});
