/**
 * Multi-device speed: images/s of the Fashion-MNIST example network
 * (examples/fashion-mnist/fmnist-alexnet.yaml, bundled data) on the wasm
 * backend, on one device (in-process, as `--devices 1`) and on N worker
 * threads with data and tower placement, and the speed-up over one device.
 * Batches are prepared (augmented) before timing, so this measures the
 * executors. The configurations take turns, a few times over, so a busy
 * machine slows them alike; the load average is printed: measure when quiet.
 *
 *   node dist/bench/devices.js [--devices 2] [--steps 12] [--repeats 3] [--batch 128]
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { compileFile } from '../compiler/compile.js';
import type { Plan } from '../plan/types.js';
import { initBackend } from '../runtime/backend/select.js';
import { createMultiDeviceExecutor } from '../runtime/devices/index.js';
import { DataParallelExecutor } from '../runtime/devices/data-parallel.js';
import { TowerParallelExecutor } from '../runtime/devices/tower-parallel.js';
import type { Executor, HostBatch } from '../runtime/exec/executor.js';
import { LocalExecutor } from '../runtime/exec/local-executor.js';
import { prepareData, RECIPE } from '../runtime/train/data-setup.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const devices = flag('devices', 2);
const steps = flag('steps', 12);
const repeats = flag('repeats', 3);
const warmup = 3;

const specPath = fileURLToPath(new URL('../../examples/fashion-mnist/fmnist-alexnet.yaml', import.meta.url));
const compiled = compileFile(specPath);
if (!compiled.plan) throw new Error(`${specPath} does not compile`);
const plan: Plan = compiled.plan;
plan.train.batch = flag('batch', plan.train.batch);

await initBackend('wasm');
const data = await prepareData(plan, { baseDir: fileURLToPath(new URL('../../examples/fashion-mnist/', import.meta.url)), seed: plan.seed, workers: 0 });
const batches: HostBatch[] = [];
for await (const b of data.loader.batches(data.train, RECIPE.train, { batchSize: plan.train.batch, seed: plan.seed, dropRemainder: true })) {
  batches.push({ x: b.x, shape: b.shape, y: b.y });
  if (batches.length === warmup + steps) break;
}
await data.close();

const config = (placement: 'data' | 'towers') => ({
  backend: 'wasm', devices, placement, seed: plan.seed, baseDir: '.', dataPath: null, trainLimit: null, testLimit: null, checkpointEvery: 0,
});

interface Setup {
  label: string;
  executor: Executor;
  rates: number[];
}

const setups: Setup[] = [{ label: '1 device (in-process)', executor: new LocalExecutor(plan, { seed: plan.seed }), rates: [] }];
for (const placement of ['data', 'towers'] as const) {
  setups.push({ label: `${devices} devices, ${placement}`, executor: await createMultiDeviceExecutor(plan, config(placement), 'wasm'), rates: [] });
}

const load0 = loadavg()[0]!;
for (const s of setups) for (let i = 0; i < warmup; i++) await s.executor.trainStep(batches[i]!, 0.01, i);
const towers = setups.map((s) => s.executor).find((e): e is TowerParallelExecutor => e instanceof TowerParallelExecutor);
for (const t of towers?.times ?? []) Object.assign(t, { steps: 0, stepMs: 0, exchanges: 0, waitMs: 0, copyMs: 0 });
const dataParallel = setups.map((s) => s.executor).find((e): e is DataParallelExecutor => e instanceof DataParallelExecutor);
for (const t of dataParallel?.times ?? []) Object.assign(t, { steps: 0, computeMs: 0, updates: 0, updateMs: 0 });
if (dataParallel) Object.assign(dataParallel.wall, { steps: 0, ms: 0 });
for (let r = 0; r < repeats; r++) {
  for (const s of setups) {
    const t0 = performance.now();
    let images = 0;
    for (let i = 0; i < steps; i++) images += (await s.executor.trainStep(batches[warmup + i]!, 0.01, warmup + i)).count;
    s.rates.push(images / ((performance.now() - t0) / 1000));
  }
}
const load1 = loadavg()[0]!;
const towerTimes = towers?.times.map((t) => ({ ...t })) ?? [];
const dataTimes = dataParallel?.times.map((t) => ({ ...t })) ?? [];
const dataWall = dataParallel ? { ...dataParallel.wall } : null;
for (const s of setups) await s.executor.dispose();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(setups[0]!.rates);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}; load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after`);
console.log(`${plan.model.name}: batch ${plan.train.batch}, ${steps} steps x ${repeats} rounds (after ${warmup} warm-up steps), wasm backend`);
for (const s of setups) {
  const m = median(s.rates);
  console.log(`  ${s.label.padEnd(24)} ${m.toFixed(1).padStart(7)} images/s (median; runs ${s.rates.map((x) => x.toFixed(0)).join(', ')})  speed-up ${(m / base).toFixed(2)}x`);
}
const t = plan.totals;
console.log(`data placement moves ${mb(2 * t.paramBytes * devices)} of gradients per step (all-reduce through the coordinator: ${mb(t.paramBytes)} up and down per device)`);
const perBatch = (perImage: number) => perImage * plan.train.batch;
console.log(`tower placement moves ${mb(perBatch(t.exchangeBytesPerImage.forward))} forward + ${mb(perBatch(t.exchangeBytesPerImage.backward))} backward per batch (plan totals per image x batch, ${plan.ops.filter((o) => o.op === 'exchange').length} exchanges, each a barrier of all devices)`);
if (dataWall) {
  const computing = dataTimes.map((t, d) => `device ${d} ${(t.computeMs / Math.max(1, t.steps)).toFixed(1)} ms + ${(t.updateMs / Math.max(1, t.updates)).toFixed(1)} ms updating`).join(', ');
  const slowest = Math.max(...dataTimes.map((t) => t.computeMs / Math.max(1, t.steps)));
  console.log(`  data: ${(dataWall.ms / Math.max(1, dataWall.steps)).toFixed(1)} ms per step at the coordinator; computing gradients: ${computing} (the rest: messages and the all-reduce)`);
  console.log(`  data, gradients alone (no update, no messages) would give ${((1000 * plan.train.batch) / slowest / base).toFixed(2)}x: the rest of the gap is the devices' work per step that does not shrink with the batch, and two cores slowing each other`);
}
for (const [d, t] of towerTimes.entries()) {
  const per = (ms: number) => (ms / Math.max(1, t.steps)).toFixed(1);
  console.log(`  towers, device ${d}: ${per(t.stepMs)} ms per step, of which ${per(t.waitMs)} ms waiting for the other device at ${(t.exchanges / Math.max(1, t.steps)).toFixed(0)} exchanges and ${per(t.copyMs)} ms copying through shared memory`);
}
