// Thin helpers for composing wasm-backend kernels out of other wasm kernels.
//
// Replacement kernels work on TensorInfos (not Tensors) and call the stock
// wasm kernelFuncs directly, as tfjs' own backends do: this keeps the inner
// ops off the gradient tape and out of the engine's tensor bookkeeping. Every
// intermediate must be released with `release`, otherwise wasm heap memory
// (and XNNPACK operators cached per filter) leak.
import * as tf from '@tensorflow/tfjs';

export type Info = tf.TensorInfo;
export type Backend = tf.KernelBackend;
export type Pair = [number, number];
/** The argument every tfjs kernelFunc receives. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Runs the currently registered wasm kernel `name` on TensorInfos. */
export function callWasm(
  name: string,
  backend: Backend,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel '${name}' is not registered`);
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  return (Array.isArray(out) ? out[0] : out) as Info;
}

/** Drops one reference to each intermediate result. */
export function release(backend: Backend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export const reshape = (b: Backend, x: Info, shape: number[]): Info =>
  callWasm('Reshape', b, { x }, { shape });

export const transpose = (b: Backend, x: Info, perm: number[]): Info =>
  callWasm('Transpose', b, { x }, { perm });

export const reverse = (b: Backend, x: Info, dims: number[]): Info =>
  callWasm('Reverse', b, { x }, { dims });

export const slice = (b: Backend, x: Info, begin: number[], size: number[]): Info =>
  callWasm('Slice', b, { x }, { begin, size });

export const padZeros = (b: Backend, x: Info, paddings: Pair[]): Info =>
  callWasm('PadV2', b, { x }, { paddings, constantValue: 0 });

type Padding = { top: number; bottom: number; left: number; right: number };

/** A stride-1 XNNPACK convolution kernel with explicit (non-negative) padding. */
function stride1Conv(kernel: 'Conv2D' | 'DepthwiseConv2dNative', b: Backend, x: Info, filter: Info, pad: Padding, dilations: Pair): Info {
  const explicit = [[0, 0], [pad.top, pad.bottom], [pad.left, pad.right], [0, 0]];
  return callWasm(kernel, b, { x, filter }, {
    strides: [1, 1],
    pad: explicit as unknown as tf.NamedAttrMap[string],
    dataFormat: 'NHWC',
    dilations,
  });
}

/** Stride-1 XNNPACK conv with explicit (non-negative) padding. */
export const conv2d = (b: Backend, x: Info, filter: Info, pad: Padding, dilations: Pair = [1, 1]): Info =>
  stride1Conv('Conv2D', b, x, filter, pad, dilations);

/** Stride-1 XNNPACK depthwise conv (filter [kh,kw,C,multiplier]) with explicit padding. */
export const depthwiseConv2d = (b: Backend, x: Info, filter: Info, pad: Padding, dilations: Pair = [1, 1]): Info =>
  stride1Conv('DepthwiseConv2dNative', b, x, filter, pad, dilations);

export const sum = (b: Backend, x: Info, axis: number): Info =>
  callWasm('Sum', b, { x }, { axis: [axis], keepDims: false });

/**
 * Cuts negative paddings out of x (rows/cols 1 and 2 of an NHWC tensor) and
 * returns the remaining non-negative padding: XNNPACK only pads, never crops.
 */
export function cropNegativePads(
  b: Backend,
  x: Info,
  pad: { top: number; bottom: number; left: number; right: number },
): { x: Info; pad: { top: number; bottom: number; left: number; right: number } } {
  const [n, h, w, c] = x.shape;
  const ct = Math.max(0, -pad.top), cb = Math.max(0, -pad.bottom);
  const cl = Math.max(0, -pad.left), cr = Math.max(0, -pad.right);
  const rest = {
    top: Math.max(0, pad.top), bottom: Math.max(0, pad.bottom),
    left: Math.max(0, pad.left), right: Math.max(0, pad.right),
  };
  if (ct + cb + cl + cr === 0) return { x: reshape(b, x, x.shape), pad: rest };
  return { x: slice(b, x, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]), pad: rest };
}

/** The parts of tfjs-backend-wasm's BackendWasm that JS-loop kernels use. */
export interface WasmHeapBackend extends Backend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  /** A view (no copy) of the tensor's memory; invalidated when the heap grows. */
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

/** Float32 heap view of a float32 tensor. */
export function f32(b: WasmHeapBackend, info: Info): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected float32, got ${info.dtype}`);
  return b.typedArrayFromHeap(info) as Float32Array;
}
