/**
 * Run directories cannot be mixed (issue 12): one run at a time (a lock that
 * dies with its process), a finished run is reused only with --resume or
 * --overwrite, default names never collide, and --resume refuses flags that
 * would change the run. Lock semantics are tested with real processes; the
 * runs train a tiny network on the 64-image fixture.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainEvent } from '../../runtime/train/events.js';
import { claimDefaultRunDir, claimRunDir } from '../../runtime/train/run-dir.js';
import { LOCK_FILE, lockRunDir } from '../../runtime/train/run-lock.js';
import { startRun } from '../../runtime/train/run.js';
import { FMNIST_FIXTURE, planOf, tinyFmnistSpec } from './helpers.js';

const temps: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'netc-rundir-'));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const quiet = () => (_: TrainEvent) => undefined;

/** Runs `code` in another Node process that takes the lock of `dir` and then waits until killed. */
function holdLockInChild(dir: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const lockModule = resolve('dist/runtime/train/run-lock.js');
  const child = spawn(process.execPath, ['--input-type=module', '-e', `const { lockRunDir } = await import(${JSON.stringify(lockModule)}); lockRunDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    child.stdout.once('data', () => done({ pid: child.pid!, kill: () => new Promise((r) => (child.once('exit', () => r()), child.kill('SIGKILL'))) }));
    child.once('exit', (code) => fail(new Error(`lock holder exited with ${code}`)));
  });
}

const built = existsSync(resolve('dist/runtime/train/run-lock.js'));

describe('the run lock', () => {
  it('is exclusive while its process lives, and released by release()', () => {
    const dir = tmp();
    const lock = lockRunDir(dir);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(() => lockRunDir(dir)).toThrow(expect.objectContaining({ code: 'NETC5101', message: expect.stringContaining(`process ${process.pid}`) }));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockRunDir(dir).release();
  });

  it.skipIf(!built)('is held by another live process, and taken over once that process was killed (-9)', async () => {
    const dir = tmp();
    const holder = await holdLockInChild(dir);
    expect(() => lockRunDir(dir)).toThrow(expect.objectContaining({ code: 'NETC5101', message: expect.stringContaining(`process ${holder.pid}`) }));
    await holder.kill();
    // The lock file is still there, but its process is gone: stale, taken over.
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    const lock = lockRunDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('treats a lock whose process id was reused by another process as stale', () => {
    const dir = tmp();
    // pid 1 is alive, but did not start when this lock says: not its owner.
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), started: 1, since: '2020-01-01T00:00:00.000Z' }));
    if (!existsSync('/proc/1/stat')) return;
    lockRunDir(dir).release();
  });

  it('refuses a run.lock that netc did not write, saying what to do', () => {
    const dir = tmp();
    writeFileSync(join(dir, LOCK_FILE), 'not json');
    expect(() => lockRunDir(dir)).toThrow(expect.objectContaining({ code: 'NETC5101', hint: expect.stringContaining(`delete ${join(dir, LOCK_FILE)}`) }));
  });
});

describe('claiming a run directory', () => {
  it('gives runs started in the same second different default names', () => {
    const parent = join(tmp(), 'runs');
    const claims = [claimDefaultRunDir('m', parent), claimDefaultRunDir('m', parent), claimDefaultRunDir('m', parent)];
    const dirs = claims.map((c) => c.dir);
    for (const c of claims) c.lock.release();
    expect(new Set(dirs).size).toBe(3);
    // Within one second they share the stamp and differ by suffix.
    if (dirs[0]!.slice(0, -2) === dirs[2]!.slice(0, -2)) expect(dirs[1]).toBe(`${dirs[0]}-2`);
    expect(readdirSync(parent)).toHaveLength(3);
  });

  it('refuses a folder that holds a run unless told to overwrite it, and never deletes foreign files', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'plan.json'), '{}');
    writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch":0}\n');
    writeFileSync(join(dir, 'summary.json'), '{"status": "finished"}');
    expect(() => claimRunDir(dir, false)).toThrow(expect.objectContaining({ code: 'NETC5102', message: `${dir} already holds a finished run`, hint: expect.stringContaining(`--resume ${dir}`) }));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false); // the failed claim let go of its lock
    claimRunDir(dir, true).release();
    expect(readdirSync(dir)).toEqual([]);

    const other = tmp();
    writeFileSync(join(other, 'thesis.tex'), '...');
    expect(() => claimRunDir(other, true)).toThrow(expect.objectContaining({ code: 'NETC5102', message: expect.stringContaining('`thesis.tex`') }));
    expect(readdirSync(other)).toEqual(['thesis.tex']);
  });
});

const dataDir = FMNIST_FIXTURE;
const spec = tinyFmnistSpec('tiny-rundir');

describe('runs and their directories', () => {
  const plan = planOf(spec);
  const base = { plan, baseDir: '.', backend: 'wasm' as const, reporter: quiet() };

  it('a second run in a directory in use is refused, and the first is not disturbed', async () => {
    const dir = tmp();
    const first = startRun({ ...base, runDir: dir });
    // The first run holds the lock from its first synchronous step.
    await expect(startRun({ ...base, runDir: dir })).rejects.toMatchObject({ code: 'NETC5101' });
    const s = await first;
    expect(s.status).toBe('finished');
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('a finished run directory is reused only with --resume or --overwrite', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir });
    await expect(startRun({ ...base, runDir: dir })).rejects.toMatchObject({ code: 'NETC5102' });
    await startRun({ ...base, runDir: dir, overwrite: true });
    // Started over: one epoch in the metrics, not two.
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    await startRun({ resumeDir: dir, epochs: 2, reporter: quiet() });
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([1, 2]); // counted from 1, as the progress text says them
  });

  it('--resume refuses flags that would change the run, naming them (usage: exit 2)', async () => {
    const dir = tmp();
    await startRun({ ...base, runDir: dir });
    for (const [flags, names] of [
      [{ batch: 8 }, '--batch'],
      [{ lr: 0.1, seed: 4 }, '--lr, --seed'],
      [{ dataPath: '/nonexistent' }, '--data'],
    ] as const) {
      await expect(startRun({ resumeDir: dir, reporter: quiet(), ...flags })).rejects.toMatchObject({ code: 'NETC5104', usage: true, message: expect.stringContaining(`cannot take ${names}`) });
    }
    // The run's own values are no conflict; --epochs applies.
    const s = await startRun({ resumeDir: dir, reporter: quiet(), batch: 16, lr: 0.01, seed: 3, epochs: 2 });
    expect(s.history).toHaveLength(2);
  });

  it('--resume of a folder that is not a run directory names what it lacks (NETC5103)', async () => {
    const dir = tmp();
    await expect(startRun({ resumeDir: dir, reporter: quiet() })).rejects.toMatchObject({ code: 'NETC5103', message: `${dir} is not a netc run directory: it has no plan.json` });
    await startRun({ ...base, runDir: dir });
    writeFileSync(join(dir, 'config.json'), '{"backend": "wasm", "devices": "two"}');
    await expect(startRun({ resumeDir: dir, reporter: quiet() })).rejects.toMatchObject({ code: 'NETC5103', message: expect.stringContaining('`devices` must be an integer >= 1') });
  });

  it('a run that fails before writing anything leaves no empty folder behind', async () => {
    const parent = tmp();
    const dir = join(parent, 'run');
    // idx: no fall-back to a system copy of the data
    const noData = planOf(spec.replace(`kind: fashion-mnist, path: ${JSON.stringify(dataDir)}`, `kind: idx, path: ${JSON.stringify(join(parent, 'nowhere'))}`));
    await expect(startRun({ ...base, plan: noData, runDir: dir })).rejects.toMatchObject({ code: 'NETC5301' });
    expect(existsSync(dir)).toBe(false);
  });
});

describe.skipIf(!existsSync(resolve('dist/cli/main.js')))('the CLI', () => {
  it('two `netc train` with one --run-dir: the second exits 1 with NETC5101, the first goes on', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'tiny.yaml'), spec);
    const args = ['train', 'tiny.yaml', '--run-dir', 'run', '--backend', 'wasm', '-q'];
    // The first trains long enough to be running when the second starts, and is stopped with SIGINT after.
    const first = spawn(process.execPath, [resolve('dist/cli/main.js'), ...args, '--epochs', '10000'], { cwd: dir, stdio: 'ignore' });
    const firstExit = new Promise<number | null>((r) => first.on('exit', r));
    for (let i = 0; i < 1200 && !existsSync(join(dir, 'run', 'config.json')); i++) await new Promise((r) => setTimeout(r, 50));
    const second = spawnSync(process.execPath, [resolve('dist/cli/main.js'), ...args], { cwd: dir, encoding: 'utf8' });
    first.kill('SIGINT');
    expect(second.stderr).toContain('error NETC5101');
    expect(second.stderr).toContain('run is in use by another netc run');
    expect(second.status).toBe(1);
    expect(await firstExit).toBe(130);
  });
});
