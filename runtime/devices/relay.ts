/**
 * The tower exchange between device processes (GPUs), which share no memory:
 * each device writes its part to the coordinator on its exchange channel and
 * blocks reading the answer (pipe-exchange.ts), so for the device the
 * exchange is as synchronous as the shared-memory one. The coordinator answers
 * once every device has sent its part of that exchange: the other devices'
 * parts (all-gather), or the sum over devices of the device's block of
 * channels (reduce-scatter, summed in device order).
 */
import { DeviceError } from './errors.js';
import type { Buf, Envelope } from './messages.js';

export interface ExchangeHeader {
  kind: 'gather' | 'scatter';
  seq: number;
  /** reduce-scatter: rows and channels of the [outer, channels] gradient. */
  outer?: number;
  channels?: number;
}

export class ExchangeRelay {
  private readonly open = new Map<number, (Envelope<ExchangeHeader> | undefined)[]>();

  constructor(
    private readonly devices: number,
    private readonly reply: (device: number, h: object, bufs: readonly Buf[]) => void,
    private readonly fail: (err: DeviceError) => void,
  ) {}

  /** A device's part of exchange `seq`. */
  onPart(device: number, e: Envelope<ExchangeHeader>): void {
    const seq = e.h.seq;
    const parts = this.open.get(seq) ?? new Array<Envelope<ExchangeHeader> | undefined>(this.devices).fill(undefined);
    parts[device] = e;
    this.open.set(seq, parts);
    if (parts.some((p) => p === undefined)) return;
    this.open.delete(seq);
    const all = parts as Envelope<ExchangeHeader>[];
    const first = all[0]!;
    const size = first.bufs[0]!.length;
    const odd = all.findIndex((p) => p.h.kind !== first.h.kind || p.bufs[0]!.length !== size);
    if (odd >= 0) {
      this.fail(new DeviceError(`exchange ${seq} out of step: device ${odd} sent a ${all[odd]!.h.kind} of ${all[odd]!.bufs[0]!.length} values, device 0 a ${first.h.kind} of ${size}`, odd));
      return;
    }
    if (first.h.kind === 'gather') {
      for (let d = 0; d < this.devices; d++) this.reply(d, { seq }, all.filter((_, e) => e !== d).map((p) => p.bufs[0]!));
      return;
    }
    const outer = first.h.outer!;
    const channels = first.h.channels!;
    const c = channels / this.devices;
    for (let d = 0; d < this.devices; d++) {
      const mine = new Float32Array(outer * c);
      for (const p of all) {
        const src = p.bufs[0] as Float32Array;
        for (let r = 0; r < outer; r++) {
          const from = r * channels + d * c;
          for (let j = 0; j < c; j++) mine[r * c + j]! += src[from + j]!;
        }
      }
      this.reply(d, { seq }, [mine]);
    }
  }

  /** Devices that sent their part of an unfinished exchange (they are waiting for the others). */
  waiting(): number[] {
    const out = new Set<number>();
    for (const parts of this.open.values()) parts.forEach((p, d) => p && out.add(d));
    return [...out];
  }
}
