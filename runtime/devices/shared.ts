/**
 * Arrays crossing between threads. postMessage copies a typed array's whole
 * underlying buffer, even for a small view; an array over a SharedArrayBuffer
 * crosses without any copy. So anything sent to or from a worker thread is
 * either already shared, or copied once (just its elements) into shared memory.
 */
import type { Buf } from './messages.js';

export function isShared(b: Buf): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && b.buffer instanceof SharedArrayBuffer;
}

export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

export function toShared(b: Buf): Buf {
  if (isShared(b)) return b;
  const out = b instanceof Int32Array ? new Int32Array(new SharedArrayBuffer(b.byteLength)) : new Float32Array(new SharedArrayBuffer(b.byteLength));
  out.set(b);
  return out;
}
