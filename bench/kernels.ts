// Training-step throughput of a small conv net on the wasm backend, stock
// kernels vs netc's replacements (runtime/kernels), plus the cpu backend.
//
//   node dist/bench/kernels.js [--steps N] [--rounds R] [--profile] [--cpu]
//
// --cpu also times the pure-JS cpu backend (slow: about 20 s per step).
// The net: conv 5x5 (1->8) + relu + maxpool 3/2 + conv 5x5 (8->16) + relu +
// LRN + dense (->10) + softmax cross-entropy; batch 64 of 28x28x1, about
// 52 MMAC per forward pass. Stock wasm has no Conv2DBackpropFilter at all, so
// the "stock" run gets a plain-JS loop for it (what a naive fallback would be).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../runtime/backend/select.js';
import { registerWasmTrainingKernels, restoreStockWasmKernels } from '../runtime/kernels/register.js';

const BATCH = 64;

interface Net {
  vars: tf.Variable[];
  loss(x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar;
}

function makeNet(): Net {
  const init = (shape: number[], fanIn: number) =>
    tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', 7));
  const w1 = init([5, 5, 1, 8], 25), b1 = tf.variable(tf.zeros([8]));
  const w2 = init([5, 5, 8, 16], 200), b2 = tf.variable(tf.zeros([16]));
  const w3 = init([14 * 14 * 16, 10], 3136), b3 = tf.variable(tf.zeros([10]));
  return {
    vars: [w1, b1, w2, b2, w3, b3],
    loss(x, labels) {
      let h: tf.Tensor4D = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D;
      h = tf.maxPool(h, 3, 2, 'same');
      h = tf.relu(tf.add(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same'), b2)) as tf.Tensor4D;
      h = tf.localResponseNormalization(h, 2, 2, 1e-4, 0.75);
      const logits = tf.add(tf.matMul(tf.reshape(h, [BATCH, -1]), w3 as tf.Tensor2D), b3);
      return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    },
  };
}

/** Plain-JS Conv2DBackpropFilter (NHWC) standing in for the kernel stock wasm lacks. */
function naiveBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) {
  const backend = args.backend as tf.KernelBackend & { makeOutput(s: number[], d: string): tf.TensorInfo; typedArrayFromHeap(t: tf.TensorInfo): Float32Array };
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = args.attrs as unknown as { strides: number; pad: 'same' | 'valid'; filterShape: [number, number, number, number] };
  const c = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad);
  const xv = backend.readSync(x.dataId) as Float32Array, dyv = backend.readSync(dy.dataId) as Float32Array;
  const out = backend.makeOutput(a.filterShape, 'float32');
  const dw = backend.typedArrayFromHeap(out);
  const [, H, W, Ci] = x.shape, [, OH, OW, Co] = dy.shape;
  for (let kh = 0; kh < c.filterHeight; kh++) for (let kw = 0; kw < c.filterWidth; kw++)
    for (let n = 0; n < c.batchSize; n++) for (let oh = 0; oh < OH; oh++) {
      const ih = oh * c.strideHeight + kh - c.padInfo.top;
      if (ih < 0 || ih >= H) continue;
      for (let ow = 0; ow < OW; ow++) {
        const iw = ow * c.strideWidth + kw - c.padInfo.left;
        if (iw < 0 || iw >= W) continue;
        const xo = ((n * H + ih) * W + iw) * Ci, yo = ((n * OH + oh) * OW + ow) * Co;
        for (let ci = 0; ci < Ci; ci++) {
          const xval = xv[xo + ci], wo = ((kh * c.filterWidth + kw) * Ci + ci) * Co;
          for (let co = 0; co < Co; co++) dw[wo + co] += xval * dyv[yo + co];
        }
      }
    }
  return out;
}

function batch(): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 2) as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
  return { x, labels };
}

interface Throughput { wall: number; cpu: number }

/**
 * Images/s of SGD training steps after warm-up: median over steps, by wall
 * clock and by this process's CPU time (steadier on a shared machine; the
 * wasm backend is single-threaded in Node, so the two agree when idle).
 */
async function measure(steps: number, warmup = 2): Promise<Throughput> {
  const net = makeNet();
  const { x, labels } = batch();
  const opt = tf.train.sgd(0.01);
  const step = () => tf.tidy(() => { opt.minimize(() => net.loss(x, labels), false, net.vars); });
  for (let i = 0; i < warmup; i++) step();
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    step();
    await net.vars[0].data(); // sync point (wasm is synchronous anyway)
    const c1 = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c1.user + c1.system) / 1000);
  }
  tf.dispose([x, labels, ...net.vars]);
  opt.dispose();
  const median = (v: number[]) => v.sort((p, q) => p - q)[Math.floor(v.length / 2)];
  return { wall: BATCH / (median(wall) / 1000), cpu: BATCH / (median(cpu) / 1000) };
}

/** Per-kernel time (ms) per training step, averaged over `steps` profiled steps, largest first. */
async function profile(steps = 5): Promise<Array<[string, number]>> {
  const net = makeNet();
  const { x, labels } = batch();
  const opt = tf.train.sgd(0.01);
  const run = () => tf.tidy(() => { opt.minimize(() => net.loss(x, labels), false, net.vars); });
  run();
  const total = new Map<string, number>();
  for (let i = 0; i < steps; i++) {
    const info = await tf.profile(run);
    for (const k of info.kernels) {
      total.set(k.name, (total.get(k.name) ?? 0) + (await k.kernelTimeMs as number) / steps);
    }
  }
  tf.dispose([x, labels, ...net.vars]);
  opt.dispose();
  return [...total].sort((p, q) => q[1] - p[1]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const steps = Number(args[args.indexOf('--steps') + 1]) || 10;
  const rounds = Number(args[args.indexOf('--rounds') + 1]) || 3;
  const wantProfile = args.includes('--profile');

  let cpu: Throughput | undefined;
  if (args.includes('--cpu')) {
    await initBackend('cpu');
    cpu = await measure(1, 1);
  }

  await initBackend('wasm'); // also registers netc's kernels
  const useStock = () => {
    restoreStockWasmKernels();
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: naiveBackpropFilter as tf.KernelFunc });
  };
  const useNetc = () => {
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    registerWasmTrainingKernels();
  };
  // Alternate the two and keep each one's best round: the least disturbed by other load.
  let stock: Throughput = { wall: 0, cpu: 0 }, ours: Throughput = { wall: 0, cpu: 0 };
  const best = (p: Throughput, q: Throughput) => ({ wall: Math.max(p.wall, q.wall), cpu: Math.max(p.cpu, q.cpu) });
  for (let r = 0; r < rounds; r++) {
    useStock();
    stock = best(stock, await measure(steps));
    useNetc();
    ours = best(ours, await measure(steps));
  }
  let stockProfile: Array<[string, number]> = [], netcProfile: Array<[string, number]> = [];
  if (wantProfile) {
    useStock();
    stockProfile = await profile();
    useNetc();
    netcProfile = await profile();
  }

  const fmt = (t: Throughput) => `${t.wall.toFixed(0).padStart(6)} ${t.cpu.toFixed(0).padStart(8)}`;
  console.log(`training step, batch ${BATCH}, 28x28x1 conv net: best of ${rounds} rounds of ${steps} steps (median)`);
  console.log(`                                       images/s  per CPU-s`);
  if (cpu) console.log(`  cpu backend                           ${fmt(cpu)}`);
  console.log(`  wasm, stock kernels (+JS loop for dW) ${fmt(stock)}`);
  console.log(`  wasm, netc kernels                    ${fmt(ours)}`);
  console.log(`  speedup netc/stock: ${(ours.wall / stock.wall).toFixed(2)}x wall, ${(ours.cpu / stock.cpu).toFixed(2)}x CPU` +
    (cpu ? `;  netc/cpu: ${(ours.wall / cpu.wall).toFixed(0)}x wall` : ''));
  if (wantProfile) {
    for (const [title, prof] of [['stock', stockProfile], ['netc', netcProfile]] as const) {
      const sum = prof.reduce((s, [, t]) => s + t, 0);
      console.log(`\nkernel time per step, wasm ${title} (total ${sum.toFixed(1)} ms):`);
      for (const [name, ms] of prof.slice(0, 15)) console.log(`  ${name.padEnd(24)} ${ms.toFixed(2).padStart(8)} ms`);
    }
  }
}

await main();
