/**
 * The device side of the tower exchange between processes: the same calls as
 * the shared-memory Exchange, done by a blocking write of my part to the
 * coordinator (relay.ts) and a blocking read of its answer on a channel of
 * its own (fd 4), apart from the request channel.
 */
import { readFrameSync, writeFrameSync } from './frames.js';
import type { TowerExchange } from './exchange.js';

export class PipeExchange implements TowerExchange {
  private seq = 0;
  private waitMs = 0;
  private totalMs = 0;
  private count = 0;

  constructor(
    private readonly fd: number,
    readonly device: number,
    readonly devices: number,
  ) {}

  private roundTrip(h: object, part: Float32Array): Float32Array[] {
    const t0 = performance.now();
    writeFrameSync(this.fd, { ...h, seq: this.seq }, [part]);
    const t1 = performance.now();
    const answer = readFrameSync(this.fd);
    this.waitMs += performance.now() - t1;
    const seq = (answer.h as { seq: number }).seq;
    if (seq !== this.seq) throw new Error(`exchange out of step: got the answer to ${seq}, expected ${this.seq}`);
    this.seq++;
    this.count++;
    this.totalMs += t1 - t0;
    return answer.bufs as Float32Array[];
  }

  allGather(mine: Float32Array): Float32Array[] {
    const others = this.roundTrip({ kind: 'gather' }, mine);
    return [...others.slice(0, this.device), mine, ...others.slice(this.device)];
  }

  reduceScatter(full: Float32Array, outer: number, channels: number): Float32Array {
    return this.roundTrip({ kind: 'scatter', outer, channels }, full)[0]!;
  }

  takeStats(): { exchanges: number; waitMs: number; copyMs: number } {
    const r = { exchanges: this.count, waitMs: this.waitMs, copyMs: this.totalMs };
    this.count = this.waitMs = this.totalMs = 0;
    return r;
  }
}
