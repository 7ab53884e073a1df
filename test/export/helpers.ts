/** Shared by the exporter tests: the Python that runs generated code, error measures, layouts. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's Python with python3-torch (CI installs it); NETC_TEST_PYTHON overrides. */
export const PYTHON = process.env.NETC_TEST_PYTHON ?? '/usr/bin/python3';

/** Why tests that run PyTorch must skip here, or null when `import torch` works. */
export function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot be run (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} -c 'import torch' failed: ${r.stderr.trim().split('\n').pop()}`;
  return null;
}

/** Why PYTHON cannot import `module`, or null when it can. */
export function pythonLacks(module: string): string | null {
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} cannot import ${module}`;
}

export const PY_DIR = fileURLToPath(new URL('./py/', import.meta.url));

/** Runs a Python script, failing the test with its stderr when it exits non-zero. */
export function runPython(args: string[], env: Record<string, string> = {}, timeout = 120_000): string {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout });
  if (r.status !== 0) throw new Error(`${PYTHON} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** max |a - b| / max |b|: the error relative to the reference tensor's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/** NHWC -> NCHW values of a batch (ONNX and PyTorch take channels first). */
export function toNCHW(x: Float32Array, [n, h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n!; i++)
    for (let y = 0; y < h!; y++) for (let z = 0; z < w!; z++) for (let k = 0; k < c!; k++) out[((i * c! + k) * h! + y) * w! + z] = x[((i * h! + y) * w! + z) * c! + k]!;
  return out;
}


/**
 * onnxruntime-node (1.30) writes `mat-debug-<pid>.log` and `.ses` into TMPDIR when its first
 * session starts (its telemetry library): call in beforeAll with a folder that the test file
 * removes, before creating a session.
 */
export function keepOnnxRuntimeFilesIn(dir: string): void {
  process.env.TMPDIR = dir;
}
