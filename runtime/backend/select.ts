// Picks and initialises the TensorFlow.js backend.
//
// 'auto' prefers native TensorFlow (tfjs-node[-gpu]), then WebGPU (Dawn for
// Node), then wasm (XNNPACK), then the pure-JS cpu backend. The native and
// WebGPU packages are optional: they are imported by computed specifiers so
// that neither tsc nor Node needs them to be installed.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { NetcError } from '../../compiler/diagnostics/netc-error.js';
import { registerWasmTrainingKernels } from '../kernels/register.js';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** A requested backend cannot be used; `message` says what to install. No stack needed. */
export class BackendUnavailableError extends NetcError {
  constructor(message: string) {
    super('NETC5403', message);
  }
}

type Probe = { ok: true } | { ok: false; why: string };

const INSTALL_HINT: Record<BackendName, string> = {
  tensorflow: 'install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu for CUDA): npm install @tensorflow/tfjs-node',
  webgpu: 'it needs the optional packages webgpu and @tensorflow/tfjs-backend-webgpu ' +
    '(npm install webgpu @tensorflow/tfjs-backend-webgpu) and a GPU with Vulkan, Metal or D3D12 drivers',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm (npm install @tensorflow/tfjs-backend-wasm)',
  cpu: 'reinstall @tensorflow/tfjs',
};

/** Imports a package that may be absent; the specifier is a variable so tsc does not resolve it. */
async function importOptional(specifier: string): Promise<{ mod?: unknown; why?: string }> {
  try {
    return { mod: await import(specifier) };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const missing = (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
      (e.message ?? '').includes(specifier);
    const firstLine = (e.message ?? String(err)).split('\n')[0];
    return { why: missing ? `${specifier} not installed` : `${specifier} failed to load (${firstLine})` };
  }
}

async function activate(name: string): Promise<Probe> {
  try {
    if (await tf.setBackend(name)) {
      await tf.ready();
      return { ok: true };
    }
    return { ok: false, why: `${name} backend failed to initialise` };
  } catch (err) {
    return { ok: false, why: `${name} backend failed to initialise (${(err as Error).message})` };
  }
}

async function tryTensorflow(): Promise<Probe> {
  const whys: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const { why } = await importOptional(pkg);
    if (why !== undefined) { whys.push(why); continue; }
    if (tf.findBackendFactory('tensorflow') == null) {
      // The package brought its own copy of tfjs-core and registered there.
      whys.push(`${pkg} uses a different @tensorflow/tfjs-core than netc`);
      continue;
    }
    return activate('tensorflow');
  }
  const notInstalled = whys.every((w) => w.endsWith('not installed'));
  return { ok: false, why: notInstalled ? 'tfjs-node not installed' : whys.join('; ') };
}

interface GpuLike {
  requestAdapter(opts?: object): Promise<{ info?: { isFallbackAdapter?: boolean } } | null>;
}

/** Makes `navigator.gpu` exist in Node, backed by Dawn from the `webgpu` package. */
async function installNodeWebGpu(): Promise<{ gpu?: GpuLike; why?: string }> {
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (g.navigator?.gpu) return { gpu: g.navigator.gpu };
  const { mod, why } = await importOptional('webgpu');
  if (why !== undefined) return { why };
  const { create, globals } = mod as { create(flags: string[]): GpuLike; globals: object };
  Object.assign(globalThis, globals);
  const gpu = create([]);
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  return { gpu };
}

/**
 * On Linux, Dawn needs the Vulkan loader; without it there is no adapter, and
 * probing anyway prints a native "Couldn't load Vulkan" warning on stderr.
 */
function linuxWithoutVulkanLoader(): boolean {
  if (process.platform !== 'linux') return false;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu',
    '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib', '/run/opengl-driver/lib',
  ];
  return !dirs.some((d) => existsSync(path.join(d, 'libvulkan.so.1')));
}

async function tryWebGpu(auto: boolean): Promise<Probe> {
  if (tf.findBackendFactory('webgpu') == null) {
    if (auto && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu && linuxWithoutVulkanLoader()) {
      return { ok: false, why: 'no WebGPU adapter (no Vulkan loader)' };
    }
    const { gpu, why } = await installNodeWebGpu();
    if (gpu === undefined) return { ok: false, why: why ?? 'no WebGPU' };
    let adapter;
    try {
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    } catch (err) {
      return { ok: false, why: `WebGPU adapter request failed (${(err as Error).message})` };
    }
    if (adapter === null) return { ok: false, why: 'no WebGPU adapter' };
    // A software (fallback) adapter is slower than wasm: only use it if asked for.
    if (adapter.info?.isFallbackAdapter && auto) {
      return { ok: false, why: 'only a software WebGPU adapter' };
    }
    // The package registers the 'webgpu' backend at import time, only if navigator.gpu exists.
    const imported = await importOptional('@tensorflow/tfjs-backend-webgpu');
    if (imported.why !== undefined) return { ok: false, why: imported.why };
    if (tf.findBackendFactory('webgpu') == null) {
      return { ok: false, why: '@tensorflow/tfjs-backend-webgpu did not register (different tfjs-core copy?)' };
    }
  }
  return activate('webgpu');
}

let wasmPathsSet = false;

async function tryWasm(): Promise<Probe> {
  if (!wasmPathsSet && tf.env().get('IS_NODE')) {
    // Load the .wasm binaries from the installed package's dist/ on disk.
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    try {
      setWasmPaths(path.dirname(entry) + path.sep);
    } catch {
      // Already initialised earlier (paths are then fixed): nothing to do.
    }
    wasmPathsSet = true;
  }
  const probe = await activate('wasm');
  if (probe.ok) registerWasmTrainingKernels();
  return probe;
}

function tryBackend(name: BackendName, auto: boolean): Promise<Probe> {
  switch (name) {
    case 'tensorflow': return tryTensorflow();
    case 'webgpu': return tryWebGpu(auto);
    case 'wasm': return tryWasm();
    case 'cpu': return activate('cpu');
  }
}

/**
 * Selects and initialises a backend. 'auto' takes the first that works of
 * tensorflow, webgpu, wasm, cpu; an explicit name that cannot be used throws
 * BackendUnavailableError saying what to install.
 */
export async function initBackend(
  requested: 'auto' | BackendName,
): Promise<{ name: BackendName; reason: string }> {
  if (requested !== 'auto') {
    if (!BACKEND_NAMES.includes(requested)) {
      throw new BackendUnavailableError(
        `Unknown backend '${String(requested)}': use auto, ${BACKEND_NAMES.join(', ')}`);
    }
    const probe = await tryBackend(requested, false);
    if (!probe.ok) {
      throw new BackendUnavailableError(
        `Backend '${requested}' is not available: ${probe.why}. To use it, ${INSTALL_HINT[requested]}.`);
    }
    return { name: requested, reason: `${requested}: requested explicitly` };
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    const probe = await tryBackend(name, true);
    if (probe.ok) {
      const why = skipped.length > 0 ? skipped.join('; ') : 'first choice';
      return { name, reason: `${name}: ${why}` };
    }
    skipped.push(probe.why);
  }
  throw new BackendUnavailableError('No TensorFlow.js backend could be initialised, not even cpu');
}
