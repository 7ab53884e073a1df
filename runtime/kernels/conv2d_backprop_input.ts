// Conv2DBackpropInput (dx of conv2d) for the wasm backend, as one XNNPACK conv.
//
// The stock wasm kernel is a scalar C++ loop. The transposed-convolution
// identity lets XNNPACK do the work instead: per spatial dim,
//   dx[i] = sum_a D[i + (k-1-padBefore) - (k-1-a)] * w[a]
// where D is dy with (stride-1) zeros inserted between entries. That is a
// stride-1 'valid' correlation of D (padded by k-1-padBefore before and enough
// after to give `in` outputs) with the spatially flipped filter whose in/out
// channels are swapped. Rows of x that no window covers (when
// in + pads - k is not divisible by stride) come out as zeros automatically.
import * as tf from '@tensorflow/tfjs';
import {
  type Backend, type Info, type KernelArgs, conv2d, cropNegativePads, padZeros, release, reshape, reverse, transpose,
} from './wasm_ops.js';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** dy [N,OH,OW,C] -> [N,OH*sh,OW*sw,C] with dy at multiples of the stride, zeros elsewhere. */
export function insertStrideZeros(b: Backend, dy: Info, sh: number, sw: number): Info {
  const [n, oh, ow, c] = dy.shape;
  if (sh === 1 && sw === 1) return reshape(b, dy, dy.shape);
  const six = reshape(b, dy, [n, oh, 1, ow, 1, c]);
  const padded = padZeros(b, six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  release(b, six);
  const out = reshape(b, padded, [n, oh * sh, ow * sw, c]);
  release(b, padded);
  return out;
}

/** [kh,kw,Ci,Co] -> flipped spatially, [kh,kw,Co,Ci]: the filter of the transposed conv. */
export function flipFilter(b: Backend, filter: Info): Info {
  const flipped = reverse(b, filter, [0, 1]);
  const out = transpose(b, flipped, [0, 1, 3, 2]);
  release(b, flipped);
  return out;
}

export function conv2DBackpropInputWasm(args: KernelArgs): Info {
  const b = args.backend as Backend;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const a = args.attrs as unknown as Attrs;
  if (a.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropInput supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad,
    a.dimRoundingMode, false, 'channelsLast');
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { inHeight, inWidth, outHeight, outWidth, padInfo } = info;

  const zeros = insertStrideZeros(b, dy, sh, sw);
  // Padding of the zero-inserted dy; it already carries (stride-1) trailing zeros.
  const { x: cropped, pad } = cropNegativePads(b, zeros, {
    top: kh - 1 - padInfo.top,
    bottom: inHeight + padInfo.top - (outHeight - 1) * sh - 1 - (sh - 1),
    left: kw - 1 - padInfo.left,
    right: inWidth + padInfo.left - (outWidth - 1) * sw - 1 - (sw - 1),
  });
  release(b, zeros);
  const w = flipFilter(b, filter);
  const dx = conv2d(b, cropped, w, pad);
  release(b, cropped, w);
  return dx;
}
