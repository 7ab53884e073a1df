// Backend selection (runtime/backend/select.ts).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend } from '../../runtime/backend/select.js';
import { WASM_TRAINING_KERNELS } from '../../runtime/kernels/index.js';
import { hasTfjsNode } from './helpers.js';

describe('initBackend', () => {
  it('initialises wasm from the installed package and registers the training kernels', async () => {
    const { name, reason } = await initBackend('wasm');
    expect(name).toBe('wasm');
    expect(reason).toMatch(/wasm/);
    expect(tf.getBackend()).toBe('wasm');
    for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k, 'wasm')).toBeDefined();
    expect(tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0])).toBe(3);
  });

  it('initialises cpu', async () => {
    expect((await initBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('auto picks the first usable backend and says why', async () => {
    const { name, reason } = await initBackend('auto');
    expect(['tensorflow', 'webgpu', 'wasm', 'cpu']).toContain(name);
    expect(tf.getBackend()).toBe(name);
    expect(reason.startsWith(`${name}: `)).toBe(true);
    if (!hasTfjsNode) {
      expect(name).not.toBe('tensorflow');
      expect(reason).toMatch(/tfjs-node not installed/);
    }
  });

  it.skipIf(hasTfjsNode)('explains how to get tensorflow when it is not installed', async () => {
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err).toMatchObject({ code: 'NETC5403' });
    expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node/);
    expect((err as Error).message).not.toMatch(/\n\s+at /); // no stack trace in the message
  });

  it('rejects unknown names', async () => {
    await expect(initBackend('tpu' as never)).rejects.toThrow(/Unknown backend 'tpu'/);
  });
});
