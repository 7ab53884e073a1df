// Batch normalization for training as two kernels, forward and backward, each
// a few JS passes over NHWC memory (channels innermost, so per-channel sums
// stream through memory), registered for the wasm and cpu backends.
//
// tf.moments + tf.batchNorm (what tfjs-layers does) costs a dozen kernels per
// layer and its gradient tiles rsqrt(variance) to the whole input: on wasm,
// Tile and the transposes behind Sum/Mean over leading axes took about 60% of
// a residual network's step. Here the forward pass is one pass for the
// statistics (float64 sums of x and x^2) and one to write y; the backward
// pass is one pass for the sums and one to write dx.
// An optional relu is fused (its gradient masks dy where y is 0).
//
//   y = (x - mean) / sqrt(var + eps) * scale + shift      (var biased)
//   dshift = sum dy'      dscale = sum dy' * xhat          (dy' = dy, masked by the relu)
//   dx = scale / sqrt(var + eps) * (dy' - dshift / M - xhat * dscale / M)
import * as tf from '@tensorflow/tfjs';
import { type Info, type KernelArgs, type WasmHeapBackend, f32 } from './wasm_ops.js';

export const BATCH_NORM_TRAIN = 'NetcBatchNormTrain';
export const BATCH_NORM_GRAD = 'NetcBatchNormGrad';

export interface BatchNormAttrs {
  epsilon: number;
  relu: boolean;
}

// The loops are flat with a running channel index (faster in V8 than a loop
// per pixel), and the relu is branch-free: max(v, 0) = (v + |v|) / 2 exactly,
// and its mask is +(y > 0) (a compare, no jump: data-dependent branches cost
// several times the arithmetic here).

/** Per-channel mean and biased variance of x ([M, C] row-major): one pass of float64 sums. */
function moments(x: Float32Array, C: number, mean: Float32Array, variance: Float32Array): void {
  const M = x.length / C;
  const s = new Float64Array(C);
  const ss = new Float64Array(C);
  for (let i = 0, c = 0; i < x.length; i++) {
    const v = x[i]!;
    s[c]! += v;
    ss[c]! += v * v;
    if (++c === C) c = 0;
  }
  for (let c = 0; c < C; c++) {
    const m = s[c]! / M;
    mean[c] = m;
    variance[c] = Math.max(0, ss[c]! / M - m * m);
  }
}

/** Also writes k = scale / sqrt(var + eps) per channel, which the backward pass needs (so it needs no scale input). */
export function batchNormForward(x: Float32Array, C: number, scale: Float32Array | null, shift: Float32Array | null, a: BatchNormAttrs, y: Float32Array, mean: Float32Array, variance: Float32Array, k: Float32Array): void {
  moments(x, C, mean, variance);
  // y = x * k + b per channel
  const b = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    k[c] = (scale ? scale[c]! : 1) / Math.sqrt(variance[c]! + a.epsilon);
    b[c] = (shift ? shift[c]! : 0) - mean[c]! * k[c]!;
  }
  if (a.relu) {
    for (let i = 0, c = 0; i < x.length; i++) {
      const v = x[i]! * k[c]! + b[c]!;
      y[i] = (v + Math.abs(v)) * 0.5;
      if (++c === C) c = 0;
    }
  } else {
    for (let i = 0, c = 0; i < x.length; i++) {
      y[i] = x[i]! * k[c]! + b[c]!;
      if (++c === C) c = 0;
    }
  }
}

/** `y` (the forward output) is read only with the relu, for its mask; `k` is the forward pass's scale / sqrt(var + eps). */
export function batchNormBackward(dy: Float32Array, x: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, k: Float32Array, a: BatchNormAttrs, dx: Float32Array, dscale: Float32Array, dshift: Float32Array): void {
  const C = mean.length;
  const M = x.length / C;
  const sumDy = new Float64Array(C);
  const sumDyX = new Float64Array(C); // sum dy' * x
  const masked = a.relu ? dx : dy; // with the relu, dx first holds dy'
  if (a.relu) {
    for (let i = 0, c = 0; i < x.length; i++) {
      const g = dy[i]! * +(y[i]! > 0);
      dx[i] = g;
      sumDy[c]! += g;
      sumDyX[c]! += g * x[i]!;
      if (++c === C) c = 0;
    }
  } else {
    for (let i = 0, c = 0; i < x.length; i++) {
      const g = dy[i]!;
      sumDy[c]! += g;
      sumDyX[c]! += g * x[i]!;
      if (++c === C) c = 0;
    }
  }
  // dx = k dy' + u x + v per channel
  const u = new Float32Array(C);
  const v = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const invStd = 1 / Math.sqrt(variance[c]! + a.epsilon);
    const centred = sumDyX[c]! - mean[c]! * sumDy[c]!; // sum dy' * (x - mean)
    dshift[c] = sumDy[c]!;
    dscale[c] = centred * invStd;
    u[c] = (-k[c]! * invStd * invStd * centred) / M;
    v[c] = (-k[c]! * sumDy[c]!) / M - u[c]! * mean[c]!;
  }
  for (let i = 0, c = 0; i < x.length; i++) {
    dx[i] = k[c]! * masked[i]! + u[c]! * x[i]! + v[c]!;
    if (++c === C) c = 0;
  }
}

type Inputs = Record<string, Info | undefined>;
const channelsOf = (x: Info) => x.shape[x.shape.length - 1]!;

/** The two kernels over one backend's memory: how to read an input and make an output. */
interface Memory {
  read(t: Info): Float32Array;
  make(shape: number[]): Info;
}

function trainKernel(mem: (args: KernelArgs) => Memory) {
  return (args: KernelArgs): Info[] => {
    const m = mem(args);
    const { x, scale, shift } = args.inputs as Inputs;
    const C = channelsOf(x!);
    const outs = [m.make(x!.shape), m.make([C]), m.make([C]), m.make([C])];
    // Views only after every output exists: a wasm allocation may move the heap.
    const [y, mean, variance, k] = outs.map((o) => m.read(o));
    batchNormForward(m.read(x!), C, scale ? m.read(scale) : null, shift ? m.read(shift) : null, args.attrs as unknown as BatchNormAttrs, y!, mean!, variance!, k!);
    return outs;
  };
}

function gradKernel(mem: (args: KernelArgs) => Memory) {
  return (args: KernelArgs): Info[] => {
    const m = mem(args);
    const { dy, x, y, mean, variance, k } = args.inputs as Inputs;
    const C = channelsOf(x!);
    const outs = [m.make(x!.shape), m.make([C]), m.make([C])];
    const [dx, dscale, dshift] = outs.map((o) => m.read(o));
    batchNormBackward(m.read(dy!), m.read(x!), m.read(y!), m.read(mean!), m.read(variance!), m.read(k!), args.attrs as unknown as BatchNormAttrs, dx!, dscale!, dshift!);
    return outs;
  };
}

const wasmMemory = (args: KernelArgs): Memory => {
  const b = args.backend as WasmHeapBackend;
  return { read: (t) => f32(b, t), make: (shape) => b.makeOutput(shape, 'float32') };
};

interface CpuBackend extends tf.KernelBackend {
  data: { get(id: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): Info;
}
const cpuMemory = (args: KernelArgs): Memory => {
  const b = args.backend as CpuBackend;
  return {
    read: (t) => b.data.get(t.dataId).values,
    make: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((p, q) => p * q, 1))),
  };
};

let registered = false;

/** Registers both kernels on wasm and cpu, and the forward kernel's gradient. Idempotent. The forward kernel's 4th output (k) is for its gradient. */
export function registerBatchNormKernels(): void {
  if (registered) return;
  registered = true;
  for (const [backendName, mem] of [['wasm', wasmMemory], ['cpu', cpuMemory]] as const) {
    tf.registerKernel({ kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: trainKernel(mem) as unknown as tf.KernelFunc });
    tf.registerKernel({ kernelName: BATCH_NORM_GRAD, backendName, kernelFunc: gradKernel(mem) as unknown as tf.KernelFunc });
  }
  tf.registerGradient({
    kernelName: BATCH_NORM_TRAIN,
    inputsToSave: ['x'],
    outputsToSave: [true, true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const dy = (dys as tf.Tensor[])[0]!;
      const [x, y, mean, variance, k] = saved;
      const [dx, dscale, dshift] = tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x: x!, y: y!, mean: mean!, variance: variance!, k: k! }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx!, scale: () => dscale!, shift: () => dshift! };
    },
  });
}

/** Whether the current backend has the kernels (else batchnorm uses tf.moments and tf.batchNorm). */
export function hasBatchNormKernels(): boolean {
  return tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) !== undefined;
}

/** Training batchnorm of x over all but the last axis: y, and the batch's mean and biased variance. */
export function batchNormTrain(x: tf.Tensor, scale: tf.Tensor | undefined, shift: tf.Tensor | undefined, attrs: BatchNormAttrs): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  const inputs: tf.NamedTensorMap = { x };
  if (scale) inputs.scale = scale;
  if (shift) inputs.shift = shift;
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return [y!, mean as tf.Tensor1D, variance as tf.Tensor1D];
}
