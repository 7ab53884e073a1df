// Conv2DBackpropFilter (dW of conv2d) for the wasm backend, which has none.
//
// Per spatial dim, dW[a] = sum_{n,o} xpad[n, o*stride + a] * dy[n, o]. Read
// x as a batch of Ci images [Ci,H,W,N] (the batch N becomes the reduced
// channel dim) and dy as a filter [OH,OW,N,Co] applied with
// dilation = stride: one stride-1 XNNPACK conv gives [Ci,kh,kw,Co].
// Padding is chosen so the output is exactly kh x kw; x rows/cols past the
// last window (in + pads - k not divisible by stride) are cropped away.
import * as tf from '@tensorflow/tfjs';
import { type Backend, type Info, type KernelArgs, conv2d, cropNegativePads, release, transpose } from './wasm_ops.js';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

export function conv2DBackpropFilterWasm(args: KernelArgs): Info {
  const b = args.backend as Backend;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const a = args.attrs as unknown as Attrs;
  if (a.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad,
    a.dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { inHeight, inWidth, outHeight, outWidth, padInfo } = info;

  const xt = transpose(b, x, [3, 1, 2, 0]); // [Ci,H,W,N]
  const dyt = transpose(b, dy, [1, 2, 0, 3]); // [OH,OW,N,Co]
  const { x: xc, pad } = cropNegativePads(b, xt, {
    top: padInfo.top,
    bottom: kh + (outHeight - 1) * sh - inHeight - padInfo.top,
    left: padInfo.left,
    right: kw + (outWidth - 1) * sw - inWidth - padInfo.left,
  });
  release(b, xt);
  const dw = conv2d(b, xc, dyt, pad, [sh, sw]); // [Ci,kh,kw,Co]
  release(b, xc, dyt);
  const out = transpose(b, dw, [1, 2, 0, 3]);
  release(b, dw);
  return out;
}
