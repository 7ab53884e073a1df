/**
 * The coordinator's end of one device: a worker thread (wasm/cpu: wasm runs
 * one thread per Node isolate, so threads are how more cores get used) or a
 * child process (tensorflow/webgpu: tfjs-node cannot live in worker threads
 * and has no device placement, so each GPU gets a process that sees only it).
 * Both carry the same envelopes; only the way arrays travel differs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { encodeFrame, FrameDecoder } from './frames.js';
import type { Buf, Envelope } from './messages.js';
import { toShared } from './shared.js';

export type Transport = 'thread' | 'process';

export interface Link {
  /** For messages: `worker thread 3` or `process 1234 (CUDA_VISIBLE_DEVICES=1)`. */
  readonly label: string;
  send(h: object, bufs: readonly Buf[]): void;
  /** Messages from the device. */
  onMessage: (e: Envelope) => void;
  /** Tower exchange parts from a device process (relay.ts); threads exchange in shared memory instead. */
  onExchange: (e: Envelope) => void;
  sendExchange(h: object, bufs: readonly Buf[]): void;
  /** The device went away on its own (exit, crash, broken pipe); `why` says how. */
  onGone: (why: string) => void;
  /** Stops the device now; resolves when it is gone. */
  terminate(): Promise<void>;
  /** Resolves when the device has exited (after a close request), or after ms. */
  exited(ms: number): Promise<boolean>;
}

export interface LinkOptions {
  script: URL;
  device: number;
  /** Extra environment for a process (CUDA_VISIBLE_DEVICES...). */
  env?: Record<string, string>;
}

const noop = () => {};

class ThreadLink implements Link {
  readonly label: string;
  onMessage: (e: Envelope) => void = noop;
  onExchange: (e: Envelope) => void = noop;
  onGone: (why: string) => void = noop;
  private readonly worker: Worker;
  private gone = false;
  private lastError: string | null = null;
  private readonly exitPromise: Promise<void>;

  constructor(o: LinkOptions) {
    this.worker = new Worker(o.script, { execArgv: [], env: { ...process.env, ...o.env }, workerData: { device: o.device } });
    this.label = `worker thread ${this.worker.threadId}`;
    this.worker.on('message', (m: Envelope) => this.onMessage(m));
    this.worker.on('error', (err) => {
      this.lastError = err instanceof Error ? err.message : String(err);
    });
    this.worker.on('messageerror', (err) => {
      this.lastError = `a message could not be read (${err.message})`;
    });
    this.exitPromise = new Promise((resolve) => {
      this.worker.on('exit', (code) => {
        const was = this.gone;
        this.gone = true;
        resolve();
        if (!was) this.onGone(`exited with code ${code}${this.lastError ? ` (${this.lastError})` : ''}`);
      });
    });
  }

  send(h: object, bufs: readonly Buf[]): void {
    if (!this.gone) this.worker.postMessage({ h, bufs: bufs.map(toShared) });
  }

  sendExchange(): void {
    throw new Error('worker threads exchange in shared memory');
  }

  async terminate(): Promise<void> {
    this.gone = true;
    await this.worker.terminate();
  }

  async exited(ms: number): Promise<boolean> {
    return Promise.race([this.exitPromise.then(() => true), delay(ms).then(() => false)]);
  }
}

class ProcessLink implements Link {
  readonly label: string;
  onMessage: (e: Envelope) => void = noop;
  onExchange: (e: Envelope) => void = noop;
  onGone: (why: string) => void = noop;
  private readonly child: ChildProcess;
  private readonly channel: Socket;
  private readonly exchange: Socket;
  private gone = false;
  /** The end of the child's stderr, to explain a crash. */
  private stderrTail = '';
  private readonly exitPromise: Promise<void>;

  constructor(o: LinkOptions) {
    // fd 3 carries requests and replies, fd 4 the tower exchange (read and written
    // blocking by the device); the child's stdout goes to our stderr so it cannot
    // corrupt a --json stream, and its stderr is echoed with a prefix.
    this.child = spawn(process.execPath, [fileURLToPath(o.script)], {
      stdio: ['ignore', 2, 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...o.env, NETC_DEVICE_FD: '3', NETC_EXCHANGE_FD: '4', NETC_DEVICE_INDEX: String(o.device) },
    });
    const gpu = o.env?.CUDA_VISIBLE_DEVICES !== undefined ? ` (CUDA_VISIBLE_DEVICES=${o.env.CUDA_VISIBLE_DEVICES})` : '';
    this.label = `process ${this.child.pid ?? '?'}${gpu}`;
    this.channel = this.child.stdio[3] as Socket;
    this.exchange = this.child.stdio[4] as Socket;
    this.readFrames(this.channel, (m) => this.onMessage(m));
    this.readFrames(this.exchange, (m) => this.onExchange(m));
    this.child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-2000);
      process.stderr.write(text.replace(/^(?=.)/gm, `[device ${o.device}] `));
    });
    this.exitPromise = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        resolve();
        // Node ends a crash report with its version: the error line above it says more.
        const lines = this.stderrTail.trim().split('\n').map((l) => l.trim()).filter(Boolean);
        const last = [...lines].reverse().find((l) => /\w*Error\b/.test(l)) ?? lines.pop();
        this.goneWith(`${signal ? `was killed by ${signal}` : `exited with code ${code}`}${last ? ` (${last.slice(0, 300)})` : ''}`);
      });
      this.child.on('error', (err) => {
        resolve();
        this.goneWith(`could not start (${err.message})`);
      });
    });
  }

  private readFrames(socket: Socket, deliver: (e: Envelope) => void): void {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      let messages: Envelope[];
      try {
        messages = decoder.push(chunk);
      } catch (err) {
        this.goneWith(`sent a bad frame (${(err as Error).message})`);
        void this.terminate();
        return;
      }
      for (const m of messages) deliver(m);
    });
    socket.on('error', () => {}); // the exit event reports it
  }

  private goneWith(why: string): void {
    if (this.gone) return;
    this.gone = true;
    this.onGone(why);
  }

  send(h: object, bufs: readonly Buf[]): void {
    this.write(this.channel, h, bufs);
  }

  sendExchange(h: object, bufs: readonly Buf[]): void {
    this.write(this.exchange, h, bufs);
  }

  private write(socket: Socket, h: object, bufs: readonly Buf[]): void {
    if (this.gone || !socket.writable) return;
    socket.cork();
    for (const c of encodeFrame(h, bufs)) socket.write(c);
    socket.uncork();
  }

  async terminate(): Promise<void> {
    this.gone = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited(5000);
  }

  async exited(ms: number): Promise<boolean> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    return Promise.race([this.exitPromise.then(() => true), delay(ms).then(() => false)]);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function openLink(transport: Transport, o: LinkOptions): Link {
  return transport === 'thread' ? new ThreadLink(o) : new ProcessLink(o);
}
