// AvgPoolGrad for the wasm backend, as a JS loop over the wasm heap.
//
// tfjs' avgPool divides each window by the number of in-bounds pixels (as TF
// does), but the stock AvgPoolGrad kernels (wasm and cpu alike) spread dy
// with 1 / (filterHeight * filterWidth), which is wrong for every window that
// overlaps the padding ('same', explicit or ceil-rounded pools). Here each
// window's dy is spread evenly over its in-bounds pixels: the exact gradient
// of the forward pass. The output grid is taken from dy's shape, because
// tfjs' avgPool gradient does not pass dimRoundingMode on.
import * as tf from '@tensorflow/tfjs';
import { type Info, type KernelArgs, type WasmHeapBackend, f32 } from './wasm_ops.js';

export function avgPoolGradWasm(args: KernelArgs): Info {
  const b = args.backend as WasmHeapBackend;
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const a = args.attrs as unknown as {
    filterSize: number | [number, number]; strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, padInfo } = info;
  const [, OH, OW] = dy.shape;
  const dx = b.makeOutput(input.shape, 'float32');
  const dxv = f32(b, dx), dyv = f32(b, dy);
  dxv.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - padInfo.top;
      const hs = Math.max(0, h0), he = Math.min(H, h0 + kh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - padInfo.left;
        const ws = Math.max(0, w0), we = Math.min(W, w0 + kw);
        const count = (he - hs) * (we - ws);
        if (count <= 0) continue;
        const out = ((n * OH + oh) * OW + ow) * C;
        for (let ih = hs; ih < he; ih++) {
          for (let iw = ws; iw < we; iw++) {
            const base = ((n * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) dxv[base + c] += dyv[out + c] / count;
          }
        }
      }
    }
  }
  return dx;
}
