/**
 * The coordinator's view of its devices: starts them, numbers requests and
 * matches replies, and watches for failure. A device that exits, sends an
 * error or does not answer in time (the watchdog: a request has a deadline,
 * scaled to the slowest answer seen so far) fails the whole group at once:
 * every pending request rejects with a DeviceError naming the device, waiting
 * peers are woken (exchange abort word) and every device is stopped. Nothing
 * is written on failure, so the run's last checkpoint stays as it was.
 */
import { DeviceError } from './errors.js';
import { openLink, type Link, type Transport } from './links.js';
import { describeRequest, type Buf, type Envelope, type Request, type RequestKind, type WireReply } from './messages.js';

export interface GroupOptions {
  devices: number;
  transport: Transport;
  script: URL;
  backend: string;
  /** Extra environment of device d's process. */
  envFor?: (device: number) => Record<string, string>;
  /** A request other than start-up that gets no answer in this time fails the run (at least 10x the slowest answer so far). */
  timeoutMs: number;
  /** Start-up (loading tfjs and the backend) may take longer. */
  startTimeoutMs: number;
}

interface Pending {
  device: number;
  kind: RequestKind;
  started: number;
  resolve: (e: Envelope<Record<string, unknown>>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class DeviceGroup {
  readonly links: Link[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: DeviceError | null = null;
  private closing = false;
  private slowestMs = 0;
  private stopped: Promise<unknown> = Promise.resolve();
  /** The tower exchange, if any: who waits there for the others (victims, not culprits), and how to wake them on failure. */
  exchange: { waiting(): number[]; abort(): void } | null = null;

  constructor(private readonly o: GroupOptions) {
    this.links = [];
    for (let d = 0; d < o.devices; d++) {
      const link = openLink(o.transport, { script: o.script, device: d, ...(o.envFor ? { env: o.envFor(d) } : {}) });
      link.onMessage = (e) => this.onReply(d, e as Envelope<WireReply>);
      link.onGone = (why) => {
        if (!this.closing) this.fail(new DeviceError(`${this.name(d)} ${why} during ${this.activity(d)}`, d));
      };
      this.links.push(link);
    }
  }

  get devices(): number {
    return this.o.devices;
  }

  /** `device 1 of 2 (worker thread 3, wasm)`. */
  name(d: number): string {
    return `device ${d} of ${this.o.devices} (${this.links[d]?.label ?? '?'}, ${this.o.backend})`;
  }

  private activity(d: number): string {
    const p = [...this.pending.values()].find((q) => q.device === d);
    return p ? describeRequest(p.kind) : 'an idle moment';
  }

  get failed(): DeviceError | null {
    return this.failure;
  }

  request(device: number, req: Request, bufs: readonly Buf[] = []): Promise<Envelope<Record<string, unknown>>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const ms = req.kind === 'init' ? this.o.startTimeoutMs : Math.max(this.o.timeoutMs, 10 * this.slowestMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.onTimeout(device, req.kind, ms), ms);
      timer.unref();
      this.pending.set(id, { device, kind: req.kind, started: Date.now(), resolve, reject, timer });
      this.links[device]!.send({ ...req, id }, bufs);
    });
  }

  /** The same request to every device (bufs per device). */
  all(req: (d: number) => Request, bufs: (d: number) => readonly Buf[] = () => []): Promise<Envelope<Record<string, unknown>>[]> {
    return Promise.all(this.links.map((_, d) => this.request(d, req(d), bufs(d))));
  }

  private onReply(device: number, e: Envelope<WireReply>): void {
    const h = e.h;
    const p = h.re === null ? undefined : this.pending.get(h.re);
    if (h.kind === 'error') {
      const during = p ? describeRequest(p.kind) : 'an idle moment';
      this.fail(new DeviceError(`${this.name(device)} failed during ${during}: ${h.message}`, device));
      return;
    }
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(h.re);
    if (p.kind !== 'init') this.slowestMs = Math.max(this.slowestMs, Date.now() - p.started);
    p.resolve(e as Envelope<Record<string, unknown>>);
  }

  private onTimeout(device: number, kind: RequestKind, ms: number): void {
    if (this.failure) return;
    // With tower placement, devices waiting at an exchange are victims: blame the ones that are not.
    const waiting = this.exchange?.waiting() ?? [];
    const busy = [...new Set([...this.pending.values()].map((p) => p.device))].filter((d) => !waiting.includes(d));
    const culprit = busy.length > 0 && !busy.includes(device) ? busy[0]! : device;
    this.fail(new DeviceError(
      `${this.name(culprit)} did not answer within ${Math.round(ms / 1000)} s during ${describeRequest(kind)}: it hangs or is far slower than expected (NETC_DEVICE_TIMEOUT=<seconds> allows longer)`,
      culprit,
    ));
  }

  /** Fails every pending request with `err` and stops every device. */
  fail(err: DeviceError): void {
    if (this.failure) return;
    this.failure = err;
    this.exchange?.abort();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.closing = true;
    this.stopped = Promise.all(this.links.map((l) => l.terminate()));
  }

  /** Asks every device to exit, then stops those that did not. */
  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      for (const link of this.links) link.send({ kind: 'close', id: this.nextId++ }, []);
      await Promise.all(this.links.map((l) => l.exited(5000)));
      // Answers that will never come (an update sent just before closing) must not wake the watchdog.
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new DeviceError('the devices were closed'));
      }
      this.pending.clear();
    }
    await this.stopped;
    await Promise.all(this.links.map((l) => l.terminate()));
  }
}
