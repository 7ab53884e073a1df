/**
 * The device's end of its link: the parent port of a worker thread, or fd 3
 * of a child process (frames, see frames.ts). Same envelopes either way.
 */
import { Socket } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { encodeFrame, FrameDecoder } from './frames.js';
import type { Buf, Envelope } from './messages.js';
import { toShared } from './shared.js';

export interface Port {
  readonly transport: 'thread' | 'process';
  send(h: object, bufs?: readonly Buf[]): void;
  onMessage(handler: (e: Envelope) => void): void;
  /** Called when the coordinator is gone (process only: a thread dies with its process). */
  onClose(handler: () => void): void;
}

export function openPort(): Port {
  if (parentPort) {
    const port = parentPort;
    return {
      transport: 'thread',
      send: (h, bufs = []) => port.postMessage({ h, bufs: bufs.map(toShared) }),
      onMessage: (handler) => port.on('message', handler),
      onClose: () => {},
    };
  }
  const fd = Number(process.env.NETC_DEVICE_FD);
  if (!Number.isInteger(fd)) throw new Error('the device worker is started by the coordinator (runtime/devices), not by hand');
  const socket = new Socket({ fd, readable: true, writable: true });
  const decoder = new FrameDecoder();
  const handlers: ((e: Envelope) => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const m of decoder.push(chunk)) for (const h of handlers) h(m);
  });
  return {
    transport: 'process',
    send: (h, bufs = []) => {
      socket.cork();
      for (const c of encodeFrame(h, bufs)) socket.write(c);
      socket.uncork();
    },
    onMessage: (handler) => handlers.push(handler),
    onClose: (handler) => {
      socket.on('end', handler);
      socket.on('close', handler);
      socket.on('error', handler);
    },
  };
}
