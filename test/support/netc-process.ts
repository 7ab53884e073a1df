/**
 * Runs the built `netc` binary (dist/cli/main.js) as a user would. The
 * global setup (test/global-setup.ts) has built dist/ from the current
 * sources, so these never skip and never run stale code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NETC_MAIN = join(ROOT, 'dist', 'cli', 'main.js');

export interface NetcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface NetcOptions {
  cwd?: string;
  /** Node flags before the script (e.g. `--import` a fault injector). */
  nodeArgs?: string[];
  /** Called with each complete stdout line as it arrives (the child is passed, to signal it). */
  onLine?: (line: string, child: ChildProcess) => void;
  /** Run as this user and group (a test as root that needs a folder it may not write). */
  uid?: number;
  gid?: number;
}

/** Runs `netc <args>` to completion; colour off, output captured. */
export function netc(args: string[], options: NetcOptions = {}): Promise<NetcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), NETC_MAIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' },
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout!.on('data', (c: Buffer) => {
      const text = c.toString();
      stdout += text;
      if (!options.onLine) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) options.onLine(line, child);
    });
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The JSON objects of a `--json` output, one per non-empty line (throws on a line that is not JSON). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}
