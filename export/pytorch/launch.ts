/**
 * Running a generated trainer: finding a Python that has PyTorch, and starting N processes
 * the way torchrun does (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), since
 * Debian's torchrun (torch 1.13, Python 3.11) fails at start-up. Rank 0's stdout carries JSON
 * events (--events); every process's stderr is kept for the error message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { NetcError } from '../../compiler/diagnostics/netc-error.js';

/** Python or PyTorch is missing, or the trainer failed: the user's environment, exit 1 (NETC5502). */
export class EngineError extends NetcError {
  constructor(message: string) {
    super('NETC5502', message);
  }
}

export interface PythonInfo {
  python: string;
  torch: string;
}

/**
 * The first Python that imports torch and numpy: `explicit` (--python, $NETC_PYTHON) alone when
 * given, else python3 on the PATH, then /usr/bin/python3 (Debian's python3-torch lives there
 * even when another python3 comes first on the PATH).
 */
export function findPython(explicit?: string): PythonInfo {
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  const problems: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.error) {
      problems.push(`${python}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}`);
      continue;
    }
    if (r.status === 0) return { python, torch: r.stdout.trim() };
    const last = r.stderr.trim().split('\n').pop() ?? `exit status ${r.status}`;
    problems.push(`${python}: ${last.replace(/^ModuleNotFoundError: /, '')}`);
  }
  throw new EngineError(
    `the pytorch engine needs Python 3 with PyTorch (1.13 or later) and numpy:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
      'Install them (pip install torch numpy, or apt-get install python3-torch), or name a Python that has them with --python PATH (or NETC_PYTHON).',
  );
}

/** A TCP port free on this machine for the processes' rendezvous. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface LaunchOptions {
  python: string;
  script: string;
  args: string[];
  /** Processes on this machine (DistributedDataParallel when > 1). */
  processes: number;
  cwd?: string;
  /** Each JSON line of rank 0's stdout; other lines go to `onLine`. */
  onEvent?: (event: Record<string, unknown>) => void;
  onLine?: (line: string) => void;
}

export interface LaunchResult {
  /** Exit status of the first process that failed, else 0 (130: stopped by a signal after its checkpoint). */
  code: number;
  /** The tail of the failing (or first) process's stderr. */
  stderr: string;
}

/** Splits a stream into lines as they arrive. */
function lines(stream: NodeJS.ReadableStream | null, each: (line: string) => void): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const l of parts) each(l);
  });
  stream?.on('end', () => rest && each(rest));
}

export async function launch(o: LaunchOptions): Promise<LaunchResult> {
  const port = o.processes > 1 ? await freePort() : 0;
  // Each process gets its share of the cores (torchrun sets 1; an even share is faster on a CPU box).
  const threads = String(Math.max(1, Math.floor(cpus().length / o.processes)));
  const children: ChildProcess[] = [];
  const stderr: string[] = [];
  const exits: Promise<number>[] = [];
  for (let rank = 0; rank < o.processes; rank++) {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
    if (o.processes > 1) {
      Object.assign(env, {
        RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(o.processes), LOCAL_WORLD_SIZE: String(o.processes),
        MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? threads,
      });
    }
    const child = spawn(o.python, [o.script, ...o.args], { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    stderr.push('');
    lines(child.stderr, (l) => {
      stderr[rank] = (stderr[rank]! + l + '\n').slice(-8000);
    });
    if (rank === 0) {
      lines(child.stdout, (l) => {
        if (o.onEvent && l.startsWith('{')) {
          try {
            o.onEvent(JSON.parse(l) as Record<string, unknown>);
            return;
          } catch {
            // not an event: show it as it is
          }
        }
        o.onLine?.(l);
      });
    } else child.stdout?.resume();
    exits.push(
      new Promise((resolve) => {
        child.on('error', (e) => {
          stderr[rank] += `${e.message}\n`;
          resolve(127);
        });
        child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 130 : 1)));
      }),
    );
  }
  // Signals are passed on: every process finishes its step, rank 0 checkpoints, all exit 130.
  // (From a terminal the children get Ctrl-C twice; their handler only sets a flag.)
  const forward = (sig: NodeJS.Signals) => {
    for (const c of children) if (c.exitCode === null) c.kill(sig);
  };
  const onTerm = () => forward('SIGTERM');
  const onInt = () => forward('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    // A process that fails leaves the others waiting on it in a collective: stop them.
    const codes = await new Promise<number[]>((resolve) => {
      const done: number[] = new Array(exits.length);
      let left = exits.length;
      exits.forEach((p, i) =>
        p.then((code) => {
          done[i] = code;
          if (code !== 0 && code !== 130) for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
          if (--left === 0) resolve(done);
        }),
      );
    });
    const failed = codes.findIndex((c) => c !== 0 && c !== 130);
    const code = failed >= 0 ? codes[failed]! : codes.includes(130) ? 130 : 0;
    return { code, stderr: stderr[Math.max(0, failed)]!.trim() };
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
}
