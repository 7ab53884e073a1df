/**
 * The tower exchange between worker threads, in shared memory and
 * synchronous: an all-gather of activations (forward) and a reduce-scatter of
 * their gradients (backward) are ordinary calls inside the device's tfjs
 * graph (tower-engine.ts), so a step is one forward and one backward pass with
 * no recomputation. Each exchange is: write my part into my slot, wait at a
 * barrier (Atomics), read the others' slots.
 *
 * Two banks of slots alternate: a device that runs ahead writes the other
 * bank, and cannot come back to this one before everyone passed the next
 * barrier, i.e. finished reading. The coordinator can set the abort word, so
 * a device waiting for a crashed peer gives up at once.
 */
import type { ExchangeMemory } from './messages.js';

const GEN = 0;
const COUNT = 1;
const ABORT = 2;
const HEAD = 3;

/** Control words for `devices`: generation, count, abort, then per bank and device a (sequence, length) tag, then per device a waiting flag. */
export function controlWords(devices: number): number {
  return HEAD + 2 * 2 * devices + devices;
}

export class ExchangeAborted extends Error {
  constructor() {
    super('stopped: another device failed');
    this.name = 'ExchangeAborted';
  }
}

/** What a tower device needs of an exchange (shared memory here, pipes in pipe-exchange.ts). */
export interface TowerExchange {
  allGather(mine: Float32Array): Float32Array[];
  reduceScatter(full: Float32Array, outer: number, channels: number): Float32Array;
  takeStats(): { exchanges: number; waitMs: number; copyMs: number };
}

export class Exchange implements TowerExchange {
  private control!: Int32Array;
  private data!: Float32Array;
  private slotElems = 0;
  private timeoutMs = 0;
  private seq = 0;
  /** Time blocked at barriers, and time in exchanges in all (copies included), since the last take. */
  private waitMs = 0;
  private totalMs = 0;
  private count = 0;

  constructor(
    mem: ExchangeMemory,
    readonly device: number,
    readonly devices: number,
  ) {
    this.setMemory(mem);
  }

  /** Adopts new (larger) memory; the control words carry over. */
  setMemory(mem: ExchangeMemory): void {
    this.control = new Int32Array(mem.control);
    this.data = new Float32Array(mem.data);
    this.slotElems = mem.slotElems;
    this.timeoutMs = mem.timeoutMs;
  }

  private slot(bank: number, device: number, n: number): Float32Array {
    const start = (bank * this.devices + device) * this.slotElems;
    return this.data.subarray(start, start + n);
  }

  /** Writes `mine` into my slot and waits for everyone; returns the bank to read. */
  private post(mine: Float32Array): number {
    if (mine.length > this.slotElems) throw new Error(`exchange of ${mine.length} values exceeds its buffer (${this.slotElems})`);
    const bank = this.seq % 2;
    this.slot(bank, this.device, mine.length).set(mine);
    const tag = HEAD + (bank * this.devices + this.device) * 2;
    Atomics.store(this.control, tag, this.seq);
    Atomics.store(this.control, tag + 1, mine.length);
    this.barrier();
    for (let e = 0; e < this.devices; e++) {
      const t = HEAD + (bank * this.devices + e) * 2;
      if (Atomics.load(this.control, t) !== this.seq || Atomics.load(this.control, t + 1) !== mine.length) {
        throw new Error(`exchange out of step: device ${e} is at exchange ${Atomics.load(this.control, t)} (${Atomics.load(this.control, t + 1)} values), device ${this.device} at ${this.seq} (${mine.length} values)`);
      }
    }
    this.seq++;
    return bank;
  }

  private barrier(): void {
    const c = this.control;
    const waiting = HEAD + 4 * this.devices + this.device;
    const gen = Atomics.load(c, GEN);
    if (Atomics.add(c, COUNT, 1) === this.devices - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GEN, 1);
      Atomics.notify(c, GEN);
      return;
    }
    Atomics.store(c, waiting, 1);
    const t0 = performance.now();
    const deadline = Date.now() + this.timeoutMs;
    try {
      while (Atomics.load(c, GEN) === gen) {
        if (Atomics.load(c, ABORT) !== 0) throw new ExchangeAborted();
        const left = deadline - Date.now();
        if (left <= 0) {
          const absent = [...Array(this.devices).keys()].filter((e) => e !== this.device && Atomics.load(c, HEAD + 4 * this.devices + e) === 0);
          throw new Error(`waited ${Math.round(this.timeoutMs / 1000)} s at an exchange for device ${absent.join(', ')}`);
        }
        Atomics.wait(c, GEN, gen, Math.min(left, 1000));
      }
    } finally {
      Atomics.store(c, waiting, 0);
      this.waitMs += performance.now() - t0;
    }
  }

  /** Every device's part (mine included), in device order; all parts have mine's length. */
  allGather(mine: Float32Array): Float32Array[] {
    const t0 = performance.now();
    const bank = this.post(mine);
    const parts = [...Array(this.devices).keys()].map((e) => (e === this.device ? mine : this.slot(bank, e, mine.length).slice()));
    this.totalMs += performance.now() - t0;
    this.count++;
    return parts;
  }

  /** Exchange time since the last call: waiting for peers, and everything else (copies). */
  takeStats(): { exchanges: number; waitMs: number; copyMs: number } {
    const r = { exchanges: this.count, waitMs: this.waitMs, copyMs: this.totalMs - this.waitMs };
    this.count = this.waitMs = this.totalMs = 0;
    return r;
  }

  /**
   * `full` is [outer, channels] (row-major) on every device; returns the sum
   * over devices of my block of channels, [outer, channels / devices], summed
   * in device order (the same order on every device).
   */
  reduceScatter(full: Float32Array, outer: number, channels: number): Float32Array {
    const t0 = performance.now();
    const bank = this.post(full);
    const c = channels / this.devices;
    const mine = new Float32Array(outer * c);
    for (let e = 0; e < this.devices; e++) {
      const src = e === this.device ? full : this.slot(bank, e, full.length);
      for (let r = 0; r < outer; r++) {
        const from = r * channels + this.device * c;
        for (let j = 0; j < c; j++) mine[r * c + j]! += src[from + j]!;
      }
    }
    this.totalMs += performance.now() - t0;
    this.count++;
    return mine;
  }
}

/** Coordinator side: wakes every waiting device with the abort word set. */
export function abortExchange(control: SharedArrayBuffer): void {
  const c = new Int32Array(control);
  Atomics.store(c, ABORT, 1);
  Atomics.notify(c, GEN);
}

/** Coordinator side: which devices are waiting at an exchange now. */
export function waitingDevices(control: SharedArrayBuffer, devices: number): number[] {
  const c = new Int32Array(control);
  return [...Array(devices).keys()].filter((e) => Atomics.load(c, HEAD + 4 * devices + e) !== 0);
}
