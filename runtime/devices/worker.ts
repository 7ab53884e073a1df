/**
 * The device program: one per worker thread or child process, started by the
 * coordinator (coordinator.ts) from dist/. It initialises its own tfjs
 * backend, checks the plan it was sent, builds the engine of its placement
 * and answers requests one at a time, in order.
 */
import { threadId } from 'node:worker_threads';
import type { Plan } from '../../plan/types.js';
import { initBackend, type BackendName } from '../backend/select.js';
import type { NamedArray } from '../exec/executor.js';
import { DataEngine } from './data-engine.js';
import { Exchange, type TowerExchange } from './exchange.js';
import type { Buf, Envelope, Fault, ReadyReply, Request, StateEntry, WireRequest } from './messages.js';
import { planHash } from './plan-hash.js';
import { PipeExchange } from './pipe-exchange.js';
import { openPort } from './port.js';
import { sharedFloat32 } from './shared.js';
import { TowerEngine } from './tower-engine.js';

const port = openPort();

interface State {
  device: number;
  fault: Fault | null;
  engine: DataEngine | TowerEngine;
  exchange: TowerExchange | null;
  plan: Plan;
}

let state: State | null = null;

function need(): State {
  if (!state) throw new Error('the device has not been initialised');
  return state;
}

/** Deliberate failures for the tests of failure detection. */
function maybeFault(step: number): void {
  const f = state?.fault;
  if (!f || f.device !== state!.device || f.step !== step) return;
  if (f.kind === 'crash') process.exit(70);
  if (f.kind === 'throw') throw new Error(`injected fault at step ${step}`);
  for (;;) {
    // hang: never answer
  }
}

async function init(req: Extract<Request, { kind: 'init' }>): Promise<ReadyReply> {
  const backend = await initBackend(req.backend as BackendName);
  const hash = planHash(req.plan);
  let exchange: TowerExchange | null = null;
  let engine: DataEngine | TowerEngine;
  if (req.placement === 'towers') {
    // Threads share memory; a process talks to the coordinator on its exchange channel.
    if (req.exchange) exchange = new Exchange(req.exchange, req.device, req.devices);
    else if (port.transport === 'process') exchange = new PipeExchange(Number(process.env.NETC_EXCHANGE_FD ?? 4), req.device, req.devices);
    else throw new Error('tower placement on threads needs its shared exchange memory');
    engine = new TowerEngine(req.plan, req.device, req.devices, req.seed, req.labelSmoothing, exchange);
  } else {
    const count = req.plan.params.reduce((s, p) => s + p.count, 0);
    const flat = port.transport === 'thread' ? sharedFloat32(count) : new Float32Array(count);
    engine = new DataEngine(req.plan, req.seed, req.labelSmoothing, flat);
  }
  state = { device: req.device, fault: req.fault, engine, exchange, plan: req.plan };
  const gpu = process.env.CUDA_VISIBLE_DEVICES !== undefined ? `, CUDA_VISIBLE_DEVICES=${process.env.CUDA_VISIBLE_DEVICES}` : '';
  const where = port.transport === 'thread' ? `pid ${process.pid} thread ${threadId}` : `pid ${process.pid}${gpu}`;
  return { backend: backend.name, specHash: req.plan.model.specHash, planHash: hash, where };
}

async function handle(req: WireRequest, bufs: Buf[]): Promise<{ reply: object; out?: Buf[] }> {
  switch (req.kind) {
    case 'init':
      return { reply: await init(req) };
    case 'grads': {
      maybeFault(req.step);
      const s = need();
      if (!(s.engine instanceof DataEngine)) throw new Error('grads is a data-placement request');
      const t0 = performance.now();
      const { reply, flat } = s.engine.grads(bufs[0] as Float32Array, req.shape, bufs[1] as Int32Array, req.step, req.rows);
      return { reply: { ...reply, stepMs: performance.now() - t0 }, out: [flat] };
    }
    case 'apply': {
      const s = need();
      if (!(s.engine instanceof DataEngine)) throw new Error('apply is a data-placement request');
      const t0 = performance.now();
      if (!req.skip) s.engine.apply(bufs[0] as Float32Array, req.lr);
      return { reply: { stepMs: performance.now() - t0 } };
    }
    case 'train': {
      maybeFault(req.step);
      const s = need();
      if (!(s.engine instanceof TowerEngine)) throw new Error('train is a tower-placement request');
      if (req.exchange && s.exchange instanceof Exchange) s.exchange.setMemory(req.exchange);
      s.exchange!.takeStats();
      const t0 = performance.now();
      const reply = s.engine.trainStep(bufs[0] as Float32Array, req.shape, bufs[1] as Int32Array, req.step, req.lr);
      return { reply: { ...reply, stepMs: performance.now() - t0, exchange: s.exchange!.takeStats() } };
    }
    case 'evaluate': {
      const s = need();
      if (req.exchange && s.exchange instanceof Exchange) s.exchange.setMemory(req.exchange);
      const r = await s.engine.evaluate(bufs[0] as Float32Array, req.shape, bufs[1] as Int32Array);
      const sendProbabilities = s.engine instanceof DataEngine || s.device === 0;
      return { reply: { lossSum: r.lossSum }, out: sendProbabilities ? [r.probabilities] : [] };
    }
    case 'getState': {
      const s = need();
      if (s.engine instanceof TowerEngine) {
        const { entries, values, optimizerStep } = s.engine.getState();
        return { reply: { entries, optimizerStep }, out: values };
      }
      const st = await s.engine.getState();
      const entries: StateEntry[] = [
        ...st.params.map((p) => ({ name: p.name, param: p.name, slot: false, shape: p.shape })),
        ...st.slots.map((p) => ({ name: p.name, param: '', slot: true, shape: p.shape })),
      ];
      return { reply: { entries, optimizerStep: st.optimizerStep }, out: [...st.params, ...st.slots].map((a) => a.values) };
    }
    case 'setState': {
      const s = need();
      const values = bufs as Float32Array[];
      if (s.engine instanceof TowerEngine) s.engine.setState(req.entries, values, req.optimizerStep);
      else {
        const arrays: NamedArray[] = req.entries.map((e, i) => ({ name: e.name, shape: e.shape, values: values[i]! }));
        await s.engine.setState({ params: arrays.filter((_, i) => !req.entries[i]!.slot), slots: arrays.filter((_, i) => req.entries[i]!.slot), optimizerStep: req.optimizerStep });
      }
      return { reply: {} };
    }
    case 'close':
      await state?.engine.dispose();
      process.exit(0);
  }
}

// One request at a time, in arrival order: a reply always answers the oldest request.
let queue: Promise<void> = Promise.resolve();
port.onMessage(({ h, bufs }: Envelope) => {
  const req = h as WireRequest;
  queue = queue.then(async () => {
    try {
      const { reply, out } = await handle(req, bufs);
      port.send({ ...reply, kind: 'ok', re: req.id }, out ?? []);
    } catch (err) {
      const e = err as Error;
      port.send({ kind: 'error', re: req.id, message: e?.message ?? String(err), stack: e?.stack });
    }
  });
});
port.onClose(() => process.exit(0));
// Ctrl-C reaches the whole process group: a device process leaves it to the coordinator, which
// finishes the step, checkpoints and then closes its devices.
if (port.transport === 'process') {
  process.on('SIGINT', () => {});
}
