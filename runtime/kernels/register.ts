// Registers the wasm training kernels that replace slow, wrong or missing stock ones.
import * as tf from '@tensorflow/tfjs';
// Side effect: registers the stock wasm kernels our replacements build on.
import '@tensorflow/tfjs-backend-wasm';
import { avgPoolGradWasm } from './avg_pool_grad.js';
import { makeBatchMatMulWasm } from './batch_mat_mul.js';
import { withRoundingAsPadding } from './ceil_rounding.js';
import { conv2DBackpropFilterWasm } from './conv2d_backprop_filter.js';
import { conv2DBackpropInputWasm } from './conv2d_backprop_input.js';
import { depthwiseConv2dBackpropFilterWasm, depthwiseConv2dBackpropInputWasm } from './depthwise_backprop.js';
import { makeLrnGradWasm, makeLrnWasm } from './lrn_wasm.js';
import { maxPoolGradWasm, maxPoolWithArgmaxWasm } from './max_pool.js';
import { unsortedSegmentSumWasm } from './segment_sum.js';

interface Replacement {
  kernelName: string;
  /** Builds our kernelFunc; `stock` is the displaced wasm kernelFunc, if any. */
  make(stock: tf.KernelFunc | undefined): tf.KernelFunc;
}

const REPLACEMENTS: Replacement[] = [
  // Missing on wasm: XNNPACK conv with dilation = stride over transposed x and dy.
  { kernelName: 'Conv2DBackpropFilter', make: () => conv2DBackpropFilterWasm as tf.KernelFunc },
  // Stock is a scalar loop: XNNPACK conv over zero-inserted dy with the flipped filter.
  { kernelName: 'Conv2DBackpropInput', make: () => conv2DBackpropInputWasm as tf.KernelFunc },
  // Missing on wasm: XNNPACK depthwise convs (+ a channel or batch sum).
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', make: () => depthwiseConv2dBackpropInputWasm as tf.KernelFunc },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', make: () => depthwiseConv2dBackpropFilterWasm as tf.KernelFunc },
  // Missing on wasm (gradient of gather): one JS pass.
  { kernelName: 'UnsortedSegmentSum', make: () => unsortedSegmentSumWasm as tf.KernelFunc },
  // Stock mishandles windows with all values <= 0 and is slow: one-pass JS argmax.
  { kernelName: 'MaxPoolGrad', make: () => maxPoolGradWasm as tf.KernelFunc },
  { kernelName: 'MaxPoolWithArgmax', make: () => maxPoolWithArgmaxWasm as unknown as tf.KernelFunc },
  // Stock divides by the full window, not the in-bounds pixels the forward pass averages.
  { kernelName: 'AvgPoolGrad', make: () => avgPoolGradWasm as tf.KernelFunc },
  // Stock forward kernels give garbage with dimRoundingMode ceil/round (XNNPACK rounds down).
  ...([
    ['Conv2D', 'conv'], ['FusedConv2D', 'conv'], ['DepthwiseConv2dNative', 'depthwise'],
    ['FusedDepthwiseConv2D', 'depthwise'], ['MaxPool', 'pool'], ['AvgPool', 'pool'],
  ] as const).map(([kernelName, kind]): Replacement => ({
    kernelName,
    make: (stock) => {
      if (stock === undefined) throw new Error(`stock wasm ${kernelName} kernel is missing`);
      return withRoundingAsPadding(kind, stock);
    },
  })),
  // Stock recomputes window sums and pow() per element: running sums, sqrt-based powers.
  {
    kernelName: 'LRN',
    make: (stock) => {
      if (stock === undefined) throw new Error('stock wasm LRN kernel is missing');
      return makeLrnWasm(stock);
    },
  },
  {
    kernelName: 'LRNGrad',
    make: (stock) => {
      if (stock === undefined) throw new Error('stock wasm LRNGrad kernel is missing');
      return makeLrnGradWasm(stock);
    },
  },
  // Stock runs transposed/batched products (the dense backward pass) in a scalar loop.
  {
    kernelName: 'BatchMatMul',
    make: (stock) => {
      if (stock === undefined) throw new Error('stock wasm BatchMatMul kernel is missing');
      return makeBatchMatMulWasm(stock);
    },
  },
];

/** Names of the wasm kernels this module replaces or adds. */
export const WASM_TRAINING_KERNELS: readonly string[] = REPLACEMENTS.map((r) => r.kernelName);

/** Our installed kernelFuncs and the stock configs they displaced (undefined: none). */
const installed = new Map<string, tf.KernelFunc>();
const stock = new Map<string, tf.KernelConfig | undefined>();

/**
 * Installs the replacement kernels for the 'wasm' backend; safe to call
 * repeatedly, before or after the backend is initialised (initBackend calls it).
 */
export function registerWasmTrainingKernels(): void {
  for (const { kernelName, make } of REPLACEMENTS) {
    const current = tf.getKernel(kernelName, 'wasm');
    if (current !== undefined && current.kernelFunc === installed.get(kernelName)) continue;
    stock.set(kernelName, current);
    const kernelFunc = make(current?.kernelFunc);
    if (current !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    // Keep the stock setup hook: it prepares the C++ entry points our wrappers call,
    // should the wasm backend be (re)initialised after this registration.
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: current?.setupFunc });
    installed.set(kernelName, kernelFunc);
  }
}

/** Puts the stock wasm kernels back (benchmarks and tests compare against them). */
export function restoreStockWasmKernels(): void {
  for (const [kernelName, config] of stock) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
    if (config !== undefined) tf.registerKernel(config);
  }
  stock.clear();
  installed.clear();
}
