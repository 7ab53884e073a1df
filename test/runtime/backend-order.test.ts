/**
 * `--backend auto` tries tensorflow, then webgpu, then wasm, then cpu, takes
 * the first that works, and says why it skipped the others, in that order.
 * The GPU backends are stood in for by registering a backend under their
 * name (this file's process only: vitest runs each file in its own fork).
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../runtime/backend/select.js';
import { hasTfjsNode } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
});

describe.skipIf(hasTfjsNode)('auto backend order (without tfjs-node)', () => {
  it('takes webgpu before wasm when webgpu works', async () => {
    tf.registerBackend('webgpu', tf.findBackendFactory('cpu')!);
    const { name, reason } = await initBackend('auto');
    expect(name).toBe('webgpu');
    expect(reason).toBe('webgpu: tfjs-node not installed');
  });

  it('falls through tensorflow, webgpu and wasm to cpu, naming each reason in order', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {}); // tfjs prints the failed initialisation
    tf.registerBackend('webgpu', () => {
      throw new Error('no adapter (test)');
    });
    tf.removeBackend('wasm');
    const { name, reason } = await initBackend('auto');
    expect(name).toBe('cpu');
    expect(reason).toMatch(/^cpu: tfjs-node not installed; webgpu backend failed to initialise.*; wasm backend failed to initialise/);
  });
});
