// Ceil / round output rounding (Caffe-style pooling) for the wasm backend's
// forward conv and pool kernels.
//
// The stock wasm kernels allocate the output with the rounded-up shape that
// tfjs computes, but XNNPACK derives its own (floor) output size from the
// padding, so the extra last row/column is garbage and the rest is laid out
// with the wrong row stride. Rounding up is the same as extending the bottom /
// right padding until the last window fits, so we pass that explicit padding
// and drop the rounding mode. Padding is zero for convs and excluded from
// max / average for pools (as tfjs' cpu backend treats the overhang).
import * as tf from '@tensorflow/tfjs';
import type { Info, KernelArgs } from './wasm_ops.js';

type Kind = 'conv' | 'depthwise' | 'pool';

export function withRoundingAsPadding(kind: Kind, stock: tf.KernelFunc): tf.KernelFunc {
  return ((args: KernelArgs) => {
    const attrs = args.attrs as Record<string, unknown> & { dimRoundingMode?: 'floor' | 'round' | 'ceil' };
    if (attrs === undefined || attrs.dimRoundingMode == null || attrs.dimRoundingMode === 'floor') {
      return stock(args);
    }
    const x = args.inputs.x as Info;
    const xShape = x.shape as [number, number, number, number];
    const a = attrs as unknown as {
      strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
      filterSize: number | [number, number]; dilations?: number | [number, number];
    };
    const info = kind === 'pool'
      ? tf.backend_util.computePool2DInfo(xShape, a.filterSize, a.strides, 1, a.pad, attrs.dimRoundingMode)
      : tf.backend_util.computeConv2DInfo(
        xShape, (args.inputs.filter as Info).shape as [number, number, number, number], a.strides,
        a.dilations ?? 1, a.pad, attrs.dimRoundingMode, kind === 'depthwise');
    const { padInfo: p, outHeight, outWidth, strideHeight, strideWidth } = info;
    const extraH = Math.max(0, (outHeight - 1) * strideHeight + info.effectiveFilterHeight - (info.inHeight + p.top + p.bottom));
    const extraW = Math.max(0, (outWidth - 1) * strideWidth + info.effectiveFilterWidth - (info.inWidth + p.left + p.right));
    const pad = [[0, 0], [p.top, p.bottom + extraH], [p.left, p.right + extraW], [0, 0]];
    return stock({ ...args, attrs: { ...attrs, pad, dimRoundingMode: undefined } as unknown as tf.NamedAttrMap });
  }) as tf.KernelFunc;
}
