/**
 * Multi-device execution: `--devices N` with `--placement data|towers`.
 * A device is a worker with its own tfjs: a worker thread per CPU core for the
 * wasm and cpu backends, a child process per GPU for tensorflow and webgpu.
 * The coordinator (this process) starts them, checks that they agree on the
 * backend and the plan, feeds them batches and collects metrics; see
 * docs/multi-device.md.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../plan/types.js';
import type { Executor } from '../exec/executor.js';
import type { RunConfig } from '../train/run-dir.js';
import { DataParallelExecutor } from './data-parallel.js';
import { DeviceError } from './errors.js';
import { DeviceGroup } from './group.js';
import type { Transport } from './links.js';
import type { Envelope, Fault, Placement, ReadyReply } from './messages.js';
import { planHash } from './plan-hash.js';
import { ExchangeRelay, type ExchangeHeader } from './relay.js';
import { exchangePerImage, newExchangeMemory, TowerParallelExecutor } from './tower-parallel.js';
import { towersUnsupported } from './tower-engine.js';

export { DeviceError } from './errors.js';
export type { Transport } from './links.js';

export interface MultiDeviceOptions {
  /** thread or process; default: process for tensorflow and webgpu, thread otherwise (env NETC_DEVICE_TRANSPORT). */
  transport?: Transport;
  /** The compiled worker (default: worker.js next to this module, else dist/'s copy). */
  workerScript?: URL;
  /** No answer within this time (and 10x the slowest answer so far) fails the run; default 300 s (env NETC_DEVICE_TIMEOUT, seconds). */
  timeoutMs?: number;
  /** Start-up limit per device; default 180 s. */
  startTimeoutMs?: number;
  /** Tests only: a device that fails on purpose. */
  fault?: Fault;
}

/** The compiled device program. Under vitest this module runs from its .ts source, so dist/ has the worker. */
export function workerScript(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(here)) return here;
  const dist = new URL('../../dist/runtime/devices/worker.js', import.meta.url);
  if (import.meta.url.endsWith('.ts') && existsSync(dist)) return dist;
  throw new DeviceError(`the device program ${fileURLToPath(here)} is missing: build netc first (npm run build)`);
}

/** NETC_DEVICE_FAULT=device:step:crash|hang|throw makes a device fail on purpose (to try failure handling by hand). */
function faultFromEnv(): Fault | null {
  const m = /^(\d+):(\d+):(crash|hang|throw)$/.exec(process.env.NETC_DEVICE_FAULT ?? '');
  return m ? { device: Number(m[1]), step: Number(m[2]), kind: m[3] as Fault['kind'] } : null;
}

function defaultTransport(backend: string): Transport {
  const env = process.env.NETC_DEVICE_TRANSPORT;
  if (env === 'thread' || env === 'process') return env;
  return backend === 'tensorflow' || backend === 'webgpu' ? 'process' : 'thread';
}

/** Device d's environment: one GPU each for tfjs-node (CUDA_VISIBLE_DEVICES, taken from the parent's list if it has one). */
function envFor(backend: string, transport: Transport): ((d: number) => Record<string, string>) | undefined {
  if (transport !== 'process' || backend !== 'tensorflow') return undefined;
  const visible = process.env.CUDA_VISIBLE_DEVICES?.split(',').map((s) => s.trim()).filter(Boolean);
  return (d) => ({ CUDA_VISIBLE_DEVICES: visible && visible.length > 0 ? (visible[d] ?? String(d)) : String(d) });
}

export async function createMultiDeviceExecutor(plan: Plan, config: RunConfig, backend: string, options: MultiDeviceOptions = {}): Promise<Executor> {
  const devices = config.devices;
  const placement: Placement = config.placement;
  const transport = options.transport ?? defaultTransport(backend);
  if (placement === 'towers') {
    const why = towersUnsupported(plan, devices);
    if (why) throw new DeviceError(`--placement towers with --devices ${devices}: ${why}; use --placement data`);
  }
  const envSeconds = Number(process.env.NETC_DEVICE_TIMEOUT);
  const timeoutMs = options.timeoutMs ?? (envSeconds > 0 ? envSeconds * 1000 : 300_000);
  const env = envFor(backend, transport);
  const group = new DeviceGroup({
    devices, transport, backend, script: options.workerScript ?? workerScript(), timeoutMs,
    startTimeoutMs: options.startTimeoutMs ?? 180_000, ...(env ? { envFor: env } : {}),
  });
  try {
    const rows = plan.train.batch;
    // A device waiting at an exchange gives up only long after the coordinator's watchdog would have
    // named the hung device (and woken the waiters): the watchdog is the detector, this a safety net.
    const waitMs = Math.max(4 * timeoutMs, 600_000);
    const memory = placement === 'towers' && transport === 'thread' ? newExchangeMemory(devices, rows, exchangePerImage(plan), waitMs) : null;
    if (placement === 'towers' && transport === 'process') {
      // Device processes exchange through this process: parts in on each device's exchange channel, answers out.
      const relay = new ExchangeRelay(devices, (d, h, bufs) => group.links[d]!.sendExchange(h, bufs), (err) => group.fail(err));
      group.links.forEach((link, d) => (link.onExchange = (e) => relay.onPart(d, e as Envelope<ExchangeHeader>)));
      group.exchange = { waiting: () => relay.waiting(), abort: () => {} };
    }
    const hash = planHash(plan);
    const replies = await group.all((device) => ({
      kind: 'init', device, devices, placement, backend, plan, planHash: hash, seed: config.seed,
      labelSmoothing: plan.train.labelSmoothing, fault: options.fault ?? faultFromEnv(), exchange: memory,
    }));
    for (const [d, r] of replies.entries()) {
      const ready = r.h as unknown as ReadyReply;
      const differs = ready.backend !== backend ? `runs backend ${ready.backend}, not ${backend}`
        : ready.specHash !== plan.model.specHash || ready.planHash !== hash ? `received a different plan (spec ${ready.specHash.slice(0, 12)})` : null;
      if (differs) throw new DeviceError(`${group.name(d)} ${differs}`, d);
    }
    return placement === 'towers' ? new TowerParallelExecutor(group, plan, memory, rows) : new DataParallelExecutor(group, plan, transport === 'thread');
  } catch (err) {
    await group.close();
    throw err;
  }
}
