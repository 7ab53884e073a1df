// MaxPoolGrad and MaxPoolWithArgmax for the wasm backend, as JS loops over
// the wasm heap.
//
// The stock C++ kernels seed the running max with FLT_MIN (the smallest
// *positive* float) instead of -inf, so windows whose values are all <= 0
// (e.g. all-zero windows after relu, or negative inputs) route their gradient
// to element 0 of the tensor and report a bogus max. The grad is also slow (it
// rescans windows per input pixel). Here each output window is scanned once
// and dy is added at its first maximum, exactly like the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { type Info, type KernelArgs, type WasmHeapBackend, f32 } from './wasm_ops.js';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Flat NHWC index into x of each output window's first maximum (row-major
 * window order), or -1 when the window has none above -inf (all -inf/NaN, or
 * empty): the cpu backend's rule, so such windows get no gradient there either.
 *
 * With the forward output y (exact maxima: XNNPACK's max pool) we look for the
 * first element equal to y, which stops early and has predictable branches;
 * without y, or if nothing matches (NaN), a strictly-greater scan decides.
 */
function firstMaxPositions(x: Float32Array, y: Float32Array | null, info: tf.backend_util.Conv2DInfo): Int32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { effectiveFilterHeight: kh, effectiveFilterWidth: kw, padInfo } = info;
  const positions = new Int32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - padInfo.top;
      // First in-bounds row on this window's dilation grid, and the end row.
      const hs = h0 < 0 ? h0 + Math.ceil(-h0 / dh) * dh : h0;
      const he = Math.min(H, h0 + kh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - padInfo.left;
        const ws = w0 < 0 ? w0 + Math.ceil(-w0 / dw) * dw : w0;
        const we = Math.min(W, w0 + kw);
        const out = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let pos = -1;
          if (y !== null) {
            const target = y[out + c];
            search: for (let ih = hs; ih < he; ih += dh) {
              for (let iw = ws, i = ((n * H + ih) * W + ws) * C + c; iw < we; iw += dw, i += dw * C) {
                if (x[i] === target) { pos = i; break search; }
              }
            }
          }
          if (pos < 0) {
            let best = -Infinity;
            for (let ih = hs; ih < he; ih += dh) {
              for (let iw = ws, i = ((n * H + ih) * W + ws) * C + c; iw < we; iw += dw, i += dw * C) {
                // Strictly greater: the first maximum wins, as on cpu and in TF.
                if (x[i] > best) { best = x[i]; pos = i; }
              }
            }
          }
          positions[out + c] = pos;
        }
      }
    }
  }
  return positions;
}

function poolInfo(shape: number[], a: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
}

export function maxPoolGradWasm(args: KernelArgs): Info {
  const b = args.backend as WasmHeapBackend;
  const { dy, input, output } = args.inputs as { dy: Info; input: Info; output?: Info };
  const attrs = args.attrs as unknown as PoolAttrs;
  let info = poolInfo(input.shape, attrs);
  if (info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) {
    // dy from a ceil-rounded pool whose gradient was not told the rounding mode.
    info = poolInfo(input.shape, { ...attrs, dimRoundingMode: 'ceil' });
    if (info.outHeight !== dy.shape[1] || info.outWidth !== dy.shape[2]) {
      throw new Error(`wasm MaxPoolGrad: dy shape ${dy.shape} does not fit input ${input.shape}`);
    }
  }
  const dx = b.makeOutput(input.shape, 'float32');
  // Views only after makeOutput: allocation may grow (and detach) the heap.
  const dxv = f32(b, dx), dyv = f32(b, dy), xv = f32(b, input);
  const positions = firstMaxPositions(xv, output === undefined ? null : f32(b, output), info);
  dxv.fill(0);
  for (let o = 0; o < positions.length; o++) if (positions[o] >= 0) dxv[positions[o]] += dyv[o];
  return dx;
}

export function maxPoolWithArgmaxWasm(args: KernelArgs): Info[] {
  const b = args.backend as WasmHeapBackend;
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs as unknown as PoolAttrs & { includeBatchInIndex: boolean };
  const info = poolInfo(x.shape, attrs);
  const pooled = b.makeOutput(info.outShape, 'float32');
  const indexes = b.makeOutput(info.outShape, 'int32');
  const xv = f32(b, x), pv = f32(b, pooled), iv = b.typedArrayFromHeap(indexes) as Int32Array;
  const positions = firstMaxPositions(xv, null, info);
  const perImage = info.inHeight * info.inWidth * info.inChannels;
  for (let o = 0; o < positions.length; o++) {
    const i = positions[o];
    pv[o] = i >= 0 ? xv[i] : -Infinity;
    iv[o] = i < 0 || attrs.includeBatchInIndex ? i : i % perImage;
  }
  return [pooled, indexes];
}
