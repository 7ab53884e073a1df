/**
 * One run per run directory: a lock file, `run.lock`, holding the owner's
 * process id, host and start time. It is created atomically (written in full
 * to a temp file, then hard-linked into place, which fails if a lock is
 * there), removed when the run ends, and a lock whose process is gone (a
 * `kill -9`, a crash, a reboot) is stale: the next run takes it over. A
 * process id reused by an unrelated process is told apart by its start time
 * (Linux /proc), so a stale lock is not mistaken for a live one.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeError } from '../../files/write.js';
import { errnoOf } from '../../files/errors.js';
import { RunDirError } from './run-dir-error.js';

export const LOCK_FILE = 'run.lock';

interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time (clock ticks since boot, /proc/<pid>/stat), or null off Linux. */
  started: number | null;
  since: string;
}

/** Start time of a process, from /proc/<pid>/stat field 22; null where there is no /proc. */
function processStart(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // Another machine (a shared file system): no way to know, so it is in use.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if (errnoOf(e) === 'ESRCH') return false;
    // EPERM: a process of another user has that id; fall through to the start time.
  }
  if (owner.started === null) return true;
  const now = processStart(owner.pid);
  return now === null ? false : now === owner.started;
}

function readOwner(path: string): LockOwner | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return errnoOf(e) === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') return { pid: v.pid, host: v.host, started: typeof v.started === 'number' ? v.started : null, since: String(v.since ?? '') };
  } catch {
    // fall through
  }
  return 'unreadable';
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock if it is still this process's. */
  release(): void;
}

/** Takes the run directory's lock, or throws NETC5101 naming the run that holds it. */
export function lockRunDir(dir: string): RunLock {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: processStart('self'), since: new Date().toISOString() };
  const text = JSON.stringify(me) + '\n';
  const tmp = `${path}.${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw writeError(tmp, e, 'choose another --run-dir');
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, path);
        return ownLock(path, me);
      } catch (e) {
        if (errnoOf(e) !== 'EEXIST') throw writeError(path, e, 'choose another --run-dir');
      }
      const owner = readOwner(path);
      if (owner === 'gone') continue;
      if (owner === 'unreadable') {
        throw new RunDirError(`${dir} is locked by ${path}, which is not a lock netc wrote`, 'NETC5101', { hint: `if no run is using ${dir}, delete ${path}` });
      }
      if (isAlive(owner)) {
        const where = owner.host === me.host ? `process ${owner.pid}` : `process ${owner.pid} on ${owner.host}`;
        throw new RunDirError(`${dir} is in use by another netc run (${where}, since ${owner.since})`, 'NETC5101', {
          hint: `wait for it to finish, or pass another --run-dir${owner.host === me.host ? '' : `; if no run is using it, delete ${path}`}`,
        });
      }
      takeOverStale(path, owner);
    }
    throw new RunDirError(`${dir}: could not take ${path}: other runs keep taking it`, 'NETC5101', { hint: 'pass another --run-dir' });
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/**
 * Moves a stale lock aside. Renaming is atomic, so of two runs that both
 * found it stale only one moves it; if what was moved is not the stale lock
 * read before (another run took over in between), it is put back.
 */
function takeOverStale(path: string, stale: LockOwner): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return;
    throw writeError(path, e, 'choose another --run-dir');
  }
  const moved = readOwner(aside);
  const same = typeof moved === 'object' && moved.pid === stale.pid && moved.since === stale.since;
  try {
    if (!same) linkSync(aside, path);
  } catch {
    // a third run has locked it meanwhile: that lock stands
  }
  unlinkSync(aside);
}

function ownLock(path: string, me: LockOwner): RunLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const owner = readOwner(path);
    if (typeof owner === 'object' && owner.pid === me.pid && owner.since === me.since) {
      try {
        unlinkSync(path);
      } catch {
        // removed by hand meanwhile
      }
    }
  };
  // process.exit (a second Ctrl-C) skips finally blocks, not exit handlers.
  process.on('exit', release);
  return { path, release };
}
