// LRN and LRNGrad for the wasm backend, as JS loops over the wasm heap, for
// the common exponents beta = 0.5, 0.75 (AlexNet / Caffe default) and 1.
//
// The stock C++ kernels recompute each window's sum of squares per element
// and call pow() per element (per window element in the grad); at beta 0.75
// that made LRN + LRNGrad the largest cost of a small conv net's training step
// after the convolutions. Here window sums are running sums over the channels
// and s^-beta is built from sqrt. Other exponents keep the stock kernels.
import type * as tf from '@tensorflow/tfjs';
import { type Info, type KernelArgs, type WasmHeapBackend, f32 } from './wasm_ops.js';

interface LrnAttrs { depthRadius: number; bias: number; alpha: number; beta: number }

/** s -> s^-beta for the exponents with a fast form; undefined otherwise. */
function fastInversePower(beta: number): ((s: number) => number) | undefined {
  if (beta === 0.5) return (s) => 1 / Math.sqrt(s);
  if (beta === 0.75) return (s) => { const r = Math.sqrt(s); return 1 / (r * Math.sqrt(r)); };
  if (beta === 1) return (s) => 1 / s;
  return undefined;
}

/** norm[j] = bias + alpha * sum of x^2 over channels [j-r, j+r] of one pixel at offset p. */
function windowNorms(
  x: Float32Array, p: number, C: number, r: number, bias: number, alpha: number, norm: Float64Array,
): void {
  let acc = 0;
  for (let j = 0; j <= Math.min(r, C - 1); j++) acc += x[p + j] * x[p + j];
  for (let i = 0; i < C; i++) {
    norm[i] = bias + alpha * acc;
    if (i + r + 1 < C) acc += x[p + i + r + 1] * x[p + i + r + 1];
    if (i - r >= 0) acc -= x[p + i - r] * x[p + i - r];
  }
}

export function makeLrnWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs): Info => {
    const a = args.attrs as unknown as LrnAttrs;
    const inv = fastInversePower(a.beta);
    const x = args.inputs.x as Info;
    if (inv === undefined || x.dtype !== 'float32') return stock(args) as Info;
    const b = args.backend as WasmHeapBackend;
    const C = x.shape[x.shape.length - 1];
    const out = b.makeOutput(x.shape, 'float32');
    const xv = f32(b, x), yv = f32(b, out);
    const norm = new Float64Array(C);
    // Attribute objects can be slow dictionaries: read them once, not per element.
    const { depthRadius: r, bias, alpha } = a;
    for (let p = 0; p < xv.length; p += C) {
      windowNorms(xv, p, C, r, bias, alpha, norm);
      for (let i = 0; i < C; i++) yv[p + i] = xv[p + i] * inv(norm[i]);
    }
    return out;
  }) as tf.KernelFunc;
}

/**
 * dx_k = dy_k * s_k^-beta - 2 alpha beta x_k * sum_{i : |i-k| <= r} dy_i y_i / s_i
 * (the window is symmetric, so the sum runs over k's own window).
 */
export function makeLrnGradWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs): Info => {
    const a = args.attrs as unknown as LrnAttrs;
    const inv = fastInversePower(a.beta);
    const { x, y, dy } = args.inputs as { x: Info; y: Info; dy: Info };
    if (inv === undefined || x.dtype !== 'float32') return stock(args) as Info;
    const b = args.backend as WasmHeapBackend;
    const C = x.shape[x.shape.length - 1];
    const { depthRadius: r, bias, alpha } = a;
    const dx = b.makeOutput(x.shape, 'float32');
    const xv = f32(b, x), yv = f32(b, y), dyv = f32(b, dy), dxv = f32(b, dx);
    const norm = new Float64Array(C), t = new Float64Array(C);
    const c = -2 * a.alpha * a.beta;
    for (let p = 0; p < xv.length; p += C) {
      windowNorms(xv, p, C, r, bias, alpha, norm);
      for (let i = 0; i < C; i++) t[i] = (dyv[p + i] * yv[p + i]) / norm[i];
      let acc = 0;
      for (let j = 0; j <= Math.min(r, C - 1); j++) acc += t[j];
      for (let k = 0; k < C; k++) {
        dxv[p + k] = dyv[p + k] * inv(norm[k]) + c * xv[p + k] * acc;
        if (k + r + 1 < C) acc += t[k + r + 1];
        if (k - r >= 0) acc -= t[k - r];
      }
    }
    return dx;
  }) as tf.KernelFunc;
}
