/**
 * Training speed of netc against the same network written by hand with the
 * tfjs-layers functional API (tf.model over tf.layers, model.fit), same
 * backend, batch and data, in one process. Two networks: the residual
 * example (merges, batchnorm, global pooling: tf.layers.add,
 * batchNormalization, globalAveragePooling2d) and the one-tower variant of the
 * AlexNet example (tfjs-layers has no grouped convolution; LRN is a small
 * custom layer over tf.localResponseNormalization, since tfjs-layers has
 * none). Rounds of the two alternate and each keeps its best, so a busy
 * machine slows whichever runs at the wrong moment, not one side. Prints
 * images/s, the ratio and the machine's load average before and after (other
 * work on a shared machine makes every figure an upper bound of the slowdown);
 * never fails on a slow machine.
 *
 *   node dist/bench/train.js [--network resnet|alexnet|both] [--model spec-or-plan]
 *                            [--backend wasm|cpu] [--images 1024] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { compileSource } from '../compiler/compile.js';
import { DiagnosticSink } from '../compiler/diagnostics/diagnostic.js';
import { readPlan } from '../compiler/plan/read-plan.js';
import type { Plan } from '../plan/types.js';
import { initBackend, type BackendName } from '../runtime/backend/select.js';
import { iterateBatches } from '../runtime/data/batches.js';
import { loadDataset } from '../runtime/data/datasets.js';
import { LocalExecutor } from '../runtime/exec/local-executor.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const backend = flag('backend', 'wasm') as BackendName;
const images = Number(flag('images', '1024'));
const rounds = Number(flag('rounds', '3'));
const network = flag('network', 'both');
const example = (file: string) => new URL(`../../examples/fashion-mnist/${file}`, import.meta.url).pathname;

/** A spec is compiled, a .json is read as a plan. */
function loadPlan(path: string, edit: (text: string) => string = (t) => t): Plan {
  const text = edit(readFileSync(path, 'utf8'));
  if (path.endsWith('.json')) {
    const sink = new DiagnosticSink();
    const plan = readPlan(path, text, sink);
    if (!plan) throw new Error(sink.items.map((d) => d.message).join('; '));
    return plan;
  }
  const r = compileSource(path, text);
  if (!r.plan) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.plan;
}

/** The AlexNet example on one tower: same widths, grouped layers see all channels. */
const alexnetPlan = () => loadPlan(example('fmnist-alexnet.yaml'), (t) => t.replace(/^towers: 2.*$/m, 'towers: 1').replace(/, connect: (tower|all)/g, ''));

/** tfjs-layers has no LRN layer: this one calls the same tfjs op netc uses. */
class Lrn extends tf.layers.Layer {
  static className = 'Lrn';
  constructor(private readonly p: { n: number; k: number; alpha: number; beta: number }) {
    super({});
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.localResponseNormalization(x, Math.floor(this.p.n / 2), this.p.k, this.p.alpha, this.p.beta);
  }
}

type Sym = tf.SymbolicTensor;

/** The plan's network as a tfjs-layers user writes it with the functional API (one tower). */
function layersModel(plan: Plan): tf.LayersModel {
  if (plan.towers !== 1) throw new Error('tfjs-layers has no towers: pass a one-tower model');
  const wd = plan.train.optimizer.weightDecay;
  const regularizer = () => (wd > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: wd / 2 }) } : {});
  const act = (fn: string): 'relu' | 'linear' => (fn === 'relu' ? 'relu' : 'linear');
  const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;
  const withActivation = (x: Sym, fn: string) => (fn === 'linear' ? x : apply(tf.layers.activation({ activation: act(fn) }), x));
  const out: Sym[] = [];
  for (const op of plan.ops) {
    const x = op.inputs.map((i) => out[i]!);
    switch (op.op) {
      case 'input':
        out.push(tf.input({ shape: op.outputShape }));
        break;
      case 'conv2d': {
        const a = op.attrs;
        const padding = a.pad.some((p) => p > 0) || a.padEnd.some((p) => p > 0) ? 'same' : 'valid';
        out.push(apply(tf.layers.conv2d({ filters: a.filters, kernelSize: a.kernel, strides: a.stride, padding, useBias: op.params.bias !== null, activation: act(a.activation.fn), ...regularizer() }), x[0]!));
        break;
      }
      case 'batchnorm': {
        const a = op.attrs;
        // Keras' momentum is the running statistics' decay: 1 - PyTorch's.
        const bn = apply(tf.layers.batchNormalization({ momentum: 1 - a.momentum, epsilon: a.epsilon, center: a.affine, scale: a.affine }), x[0]!);
        out.push(withActivation(bn, a.activation.fn));
        break;
      }
      case 'add':
        out.push(withActivation(apply(tf.layers.add(), x), op.attrs.activation.fn));
        break;
      case 'concat':
        out.push(apply(tf.layers.concatenate(), x));
        break;
      case 'lrn':
        out.push(apply(new Lrn({ n: op.attrs.size, k: op.attrs.k, alpha: op.attrs.alpha, beta: op.attrs.beta }), x[0]!));
        break;
      case 'maxpool':
      case 'avgpool': {
        const a = op.attrs;
        const padding = a.pad.some((p) => p > 0) || a.padEnd.some((p) => p > 0) ? 'same' : 'valid';
        const pool = op.op === 'maxpool' ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
        out.push(apply(pool({ poolSize: a.window, strides: a.stride, padding }), x[0]!));
        break;
      }
      case 'globalavgpool':
        out.push(apply(tf.layers.globalAveragePooling2d({}), x[0]!));
        break;
      case 'globalmaxpool':
        out.push(apply(tf.layers.globalMaxPooling2d({}), x[0]!));
        break;
      case 'flatten':
        out.push(apply(tf.layers.flatten(), x[0]!));
        break;
      case 'dense':
        out.push(apply(tf.layers.dense({ units: op.attrs.units, activation: act(op.attrs.activation.fn), ...regularizer() }), x[0]!));
        break;
      case 'dropout':
        out.push(apply(tf.layers.dropout({ rate: op.attrs.p }), x[0]!));
        break;
      case 'activation':
        out.push(withActivation(x[0]!, op.attrs.fn));
        break;
      case 'softmax':
        out.push(apply(tf.layers.softmax(), x[0]!));
        break;
      case 'exchange':
        out.push(x[0]!);
        break;
    }
  }
  const output = out[plan.ops.findIndex((o) => o.name === plan.output.op)]!;
  const model = tf.model({ inputs: out[0]!, outputs: output });
  model.compile({ optimizer: tf.train.momentum(plan.train.optimizer.lr, 0.9), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

async function compare(name: string, plan: Plan) {
  const batchSize = plan.train.batch;
  const ds = await loadDataset({ kind: 'fashion-mnist' }, 'train', { specDir: example('') });
  const n = Math.min(images, ds.count) - (Math.min(images, ds.count) % batchSize);
  const batches = [...iterateBatches({ ...ds, count: n }, { batchSize, seed: 1, scale: 1 / 255 })];

  // netc: the executor that `netc train` drives, on the same batches
  const ex = new LocalExecutor(plan, { seed: 1, labelSmoothing: plan.train.labelSmoothing });
  await ex.trainStep(batches[0]!, 0.01, 0); // warm-up: kernels compiled, buffers allocated
  const netcRound = async () => {
    const t0 = performance.now();
    for (const [i, b] of batches.entries()) await ex.trainStep(b, 0.01, i + 1);
    return (n / (performance.now() - t0)) * 1000;
  };

  // tfjs-layers: model.fit over the same images
  const model = layersModel(plan);
  const xs = tf.tensor(batches.flatMap((b) => Array.from(b.x)), [n, ...plan.input.shape]);
  const ys = tf.tensor1d(batches.flatMap((b) => Array.from(b.y)), 'float32');
  await model.fit(xs.slice(0, batchSize), ys.slice(0, batchSize), { batchSize, epochs: 1, verbose: 0 });
  const layersRound = async () => {
    const t0 = performance.now();
    await model.fit(xs, ys, { batchSize, epochs: 1, verbose: 0, shuffle: false });
    return (n / (performance.now() - t0)) * 1000;
  };

  const netc: number[] = [];
  const layers: number[] = [];
  for (let r = 0; r < rounds; r++) {
    netc.push(await netcRound());
    layers.push(await layersRound());
  }
  await ex.dispose();
  model.dispose();
  xs.dispose();
  ys.dispose();
  const netcRate = Math.max(...netc);
  const layersRate = Math.max(...layers);
  const all = (v: number[]) => v.map((x) => x.toFixed(0)).join(', ');
  console.log(`\n${name}: ${plan.model.name}, ${plan.totals.params.toLocaleString('en-US')} params, ${(plan.totals.macs / 1e6).toFixed(2)} M mult-adds/image, batch ${batchSize}, ${n} images`);
  console.log(`  netc train step:      ${netcRate.toFixed(1)} images/s (best of ${all(netc)})`);
  console.log(`  tfjs-layers fit:      ${layersRate.toFixed(1)} images/s (best of ${all(layers)})`);
  console.log(`  ratio netc / layers:  ${(netcRate / layersRate).toFixed(2)}x`);
}

/** 1-minute load average against the core count: how shared the machine was. */
const load = () => `load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;

async function main() {
  const chosen = await initBackend(backend);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}, backend ${chosen.name}, ${load()}`);
  if (network === 'resnet' || network === 'both') await compare('residual example', loadPlan(flag('model', example('fmnist-resnet.yaml'))));
  if (network === 'alexnet' || network === 'both') await compare('AlexNet example, one tower', alexnetPlan());
  console.log(`\nafter: ${load()}; best of ${rounds} interleaved rounds each (a load above the core count means a shared machine: both sides slowed)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
