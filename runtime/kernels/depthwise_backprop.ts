// DepthwiseConv2dNativeBackpropInput / ...BackpropFilter for the wasm backend,
// which has neither. Same identities as the dense conv backprops
// (conv2d_backprop_input.ts, conv2d_backprop_filter.ts), on XNNPACK's
// depthwise conv; filter [kh,kw,C,M], output channel c*M + m.
//  - dx: depthwise conv of zero-inserted dy (C*M channels) with the flipped
//    filter as [kh,kw,C*M,1], then a sum over the M products of each channel.
//  - dW: x as one image [1,H,W,N*C], dy as a filter [OH,OW,N*C,M] applied with
//    dilation = stride, giving [1,kh,kw,N*C*M]; then a sum over the batch N.
// Gradients of dilated depthwise convs are not supported by tfjs (nor here).
import * as tf from '@tensorflow/tfjs';
import { insertStrideZeros } from './conv2d_backprop_input.js';
import {
  type Backend, type Info, type KernelArgs, cropNegativePads, depthwiseConv2d, release, reshape, reverse,
  sum, transpose,
} from './wasm_ops.js';

interface Attrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(kernel: string, xShape: number[], filterShape: number[], a: Attrs) {
  const d = a.dilations ?? 1;
  if (!(d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1))) {
    throw new Error(`wasm ${kernel}: dilations > 1 are not supported in gradients`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides, 1, a.pad, a.dimRoundingMode, true /* depthwise */);
}

export function depthwiseConv2dBackpropInputWasm(args: KernelArgs): Info {
  const b = args.backend as Backend;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const a = args.attrs as unknown as Attrs & { inputShape: [number, number, number, number] };
  const info = convInfo('DepthwiseConv2dNativeBackpropInput', a.inputShape, filter.shape, a);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { batchSize: n, inHeight, inWidth, inChannels: c, outHeight, outWidth, padInfo } = info;
  const m = filter.shape[3];

  const zeros = insertStrideZeros(b, dy, sh, sw);
  const { x: cropped, pad } = cropNegativePads(b, zeros, {
    top: kh - 1 - padInfo.top,
    bottom: inHeight + padInfo.top - (outHeight - 1) * sh - 1 - (sh - 1),
    left: kw - 1 - padInfo.left,
    right: inWidth + padInfo.left - (outWidth - 1) * sw - 1 - (sw - 1),
  });
  const flipped = reverse(b, filter, [0, 1]);
  const w = reshape(b, flipped, [kh, kw, c * m, 1]);
  const products = depthwiseConv2d(b, cropped, w, pad); // [N,H,W,C*M]
  release(b, zeros, cropped, flipped, w);
  if (m === 1) return products;
  const split = reshape(b, products, [n, inHeight, inWidth, c, m]);
  const dx = sum(b, split, 4);
  release(b, products, split);
  return dx;
}

export function depthwiseConv2dBackpropFilterWasm(args: KernelArgs): Info {
  const b = args.backend as Backend;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const a = args.attrs as unknown as Attrs & { filterShape: [number, number, number, number] };
  const info = convInfo('DepthwiseConv2dNativeBackpropFilter', x.shape, a.filterShape, a);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { batchSize: n, inHeight, inWidth, inChannels: c, outHeight, outWidth, padInfo } = info;
  const m = a.filterShape[3];

  const xt = transpose(b, x, [1, 2, 0, 3]); // [H,W,N,C]
  const image = reshape(b, xt, [1, inHeight, inWidth, n * c]);
  const dyt = transpose(b, dy, [1, 2, 0, 3]); // [OH,OW,N,C*M]
  const dyFilter = reshape(b, dyt, [outHeight, outWidth, n * c, m]);
  const { x: cropped, pad } = cropNegativePads(b, image, {
    top: padInfo.top,
    bottom: kh + (outHeight - 1) * sh - inHeight - padInfo.top,
    left: padInfo.left,
    right: kw + (outWidth - 1) * sw - inWidth - padInfo.left,
  });
  const perImage = depthwiseConv2d(b, cropped, dyFilter, pad, [sh, sw]); // [1,kh,kw,N*C*M]
  release(b, xt, image, dyt, dyFilter, cropped);
  const split = reshape(b, perImage, [kh, kw, n, c, m]);
  const dw = sum(b, split, 2);
  release(b, perImage, split);
  return dw;
}
