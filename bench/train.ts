/**
 * Training speed of netc against the same network written by hand with
 * tfjs-layers (tf.sequential + model.fit), same backend, same batch, same
 * data, in one process. tfjs-layers has no grouped convolution, so both run
 * the one-tower variant of examples/fashion-mnist/fmnist-alexnet.yaml; LRN is
 * a small custom layer over tf.localResponseNormalization (tfjs-layers has
 * none). Prints images/s and the ratio; never fails on a slow machine.
 *
 *   node dist/bench/train.js [--backend wasm|cpu] [--images 2048] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { compileSource } from '../compiler/compile.js';
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
const images = Number(flag('images', '2048'));
const rounds = Number(flag('rounds', '3'));
const batchSize = 128;

/** The example network on one tower: same widths, grouped layers see all channels. */
function oneTowerPlan(): Plan {
  const path = new URL('../../examples/fashion-mnist/fmnist-alexnet.yaml', import.meta.url);
  const text = readFileSync(path, 'utf8').replace(/^towers: 2.*$/m, 'towers: 1').replace(/, connect: (tower|all)/g, '');
  const r = compileSource('fmnist-1tower.yaml', text);
  if (!r.plan) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.plan;
}

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

/** The same network, layer by layer, as a tfjs-layers user would write it. */
function layersModel(plan: Plan): tf.Sequential {
  const model = tf.sequential();
  let first = true;
  const input = () => (first ? ((first = false), { inputShape: plan.input.shape }) : {});
  for (const op of plan.ops) {
    switch (op.op) {
      case 'conv2d':
        model.add(tf.layers.conv2d({ ...input(), filters: op.attrs.filters, kernelSize: op.attrs.kernel, strides: op.attrs.stride, padding: op.attrs.pad[0] > 0 ? 'same' : 'valid', activation: 'relu', kernelRegularizer: tf.regularizers.l2({ l2: 0.0005 / 2 }) }));
        break;
      case 'lrn':
        model.add(new Lrn({ n: op.attrs.size, k: op.attrs.k, alpha: op.attrs.alpha, beta: op.attrs.beta }));
        break;
      case 'maxpool':
        model.add(tf.layers.maxPooling2d({ poolSize: op.attrs.window, strides: op.attrs.stride, padding: op.attrs.padEnd[0] > 0 ? 'same' : 'valid' }));
        break;
      case 'flatten':
        model.add(tf.layers.flatten());
        break;
      case 'dense':
        model.add(tf.layers.dense({ units: op.attrs.units, activation: op.attrs.activation.fn === 'relu' ? 'relu' : 'linear', kernelRegularizer: tf.regularizers.l2({ l2: 0.0005 / 2 }) }));
        break;
      case 'dropout':
        model.add(tf.layers.dropout({ rate: op.attrs.p }));
        break;
      default:
        break;
    }
  }
  model.add(tf.layers.softmax());
  model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

async function main() {
  const chosen = await initBackend(backend);
  const plan = oneTowerPlan();
  const ds = await loadDataset({ kind: 'fashion-mnist' }, 'train', { specDir: new URL('../../examples/fashion-mnist/', import.meta.url).pathname });
  const n = Math.min(images, ds.count);
  const batches = [...iterateBatches({ ...ds, count: n }, { batchSize, seed: 1, scale: 1 / 255 })];

  // netc: the executor that `netc train` drives, on the same batches
  const ex = new LocalExecutor(plan, { seed: 1 });
  await ex.trainStep(batches[0]!, 0.01, 0); // warm-up: kernels compiled, buffers allocated
  const netcRound = async () => {
    const t0 = performance.now();
    for (const [i, b] of batches.entries()) await ex.trainStep(b, 0.01, i + 1);
    return (n / (performance.now() - t0)) * 1000;
  };

  // tfjs-layers: model.fit over the same images
  const model = layersModel(plan);
  const xs = tf.tensor4d(batches.flatMap((b) => Array.from(b.x)), [n, 28, 28, 1]);
  const ys = tf.tensor1d(batches.flatMap((b) => Array.from(b.y)), 'float32');
  await model.fit(xs.slice(0, batchSize), ys.slice(0, batchSize), { batchSize, epochs: 1, verbose: 0 });
  const layersRound = async () => {
    const t0 = performance.now();
    await model.fit(xs, ys, { batchSize, epochs: 1, verbose: 0, shuffle: false });
    return (n / (performance.now() - t0)) * 1000;
  };

  // Alternate the two, several rounds, and keep each one's best: a busy machine slows
  // whichever runs at the wrong moment, and interleaving gives both the same chances.
  const netc: number[] = [];
  const layers: number[] = [];
  for (let r = 0; r < rounds; r++) {
    netc.push(await netcRound());
    layers.push(await layersRound());
  }
  await ex.dispose();
  const netcRate = Math.max(...netc);
  const layersRate = Math.max(...layers);

  console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, node ${process.version}, backend ${chosen.name}`);
  console.log(`network: ${plan.model.name} one-tower variant, ${plan.totals.params.toLocaleString('en-US')} params, ${(plan.totals.macs / 1e6).toFixed(2)} M mult-adds/image, batch ${batchSize}, ${n} images`);
  const all = (v: number[]) => v.map((x) => x.toFixed(0)).join(', ');
  console.log(`netc train step:      ${netcRate.toFixed(1)} images/s (best of ${all(netc)})`);
  console.log(`tfjs-layers fit:      ${layersRate.toFixed(1)} images/s (best of ${all(layers)})`);
  console.log(`ratio netc / layers:  ${(netcRate / layersRate).toFixed(2)}x`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
