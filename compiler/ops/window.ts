/**
 * Output sizes of windowed ops (conv, pooling) with their diagnostics: a
 * size that is not a whole number (NETC3101, with the arithmetic and the way
 * out), a window larger than the padded input (NETC3102), padding as large
 * as the window (NETC3108).
 */
import { formatDecimal, outputDim, resolvePadding, type DimResult } from '../passes/geometry.js';
import type { ConvLayer } from './conv.js';
import type { InferContext, Value } from './kind.js';
import type { PoolLayer } from './pool.js';

export interface WindowGeometry {
  out: [number, number];
  pad: [number, number, number, number];
  padEnd: [number, number];
}

export function windowGeometry(layer: ConvLayer | PoolLayer, v: Value, kernel: [number, number], dilation: [number, number], ctx: InferContext): WindowGeometry | null {
  const { sink } = ctx;
  const input = v.shape;
  const results: DimResult[] = [];
  const pads: [number, number][] = [];
  let paddingWarned = false;
  for (const axis of [0, 1] as const) {
    const p = resolvePadding(layer.pad, axis, input[axis]!, kernel[axis], layer.stride[axis], dilation[axis]);
    pads.push(p);
    if ((p[0] >= kernel[axis] || p[1] >= kernel[axis]) && layer.pad.kind === 'explicit' && !paddingWarned) {
      paddingWarned = true; // one warning per layer, not one per axis
      sink.report('NETC3108', ctx.at('pad'), { pad: Math.max(...p), dim: axis === 0 ? 'height' : 'width', kernel: kernel[axis] }, { hint: 'padding is usually at most (kernel - 1) / 2' });
    }
    results.push(outputDim({ size: input[axis]!, kernel: kernel[axis], stride: layer.stride[axis], dilation: dilation[axis], padBefore: p[0], padAfter: p[1], round: layer.round }));
  }
  let failed = false;
  results.forEach((r, axis) => {
    if (r.ok) return;
    failed = true;
    const dim = axis === 0 ? 'height' : 'width';
    // Report a square problem once, not once per axis.
    if (axis === 1 && !results[0]!.ok && input[0] === input[1] && kernel[0] === kernel[1] && layer.stride[0] === layer.stride[1] && pads[0]![0] === pads[1]![0] && pads[0]![1] === pads[1]![1]) return;
    const kernelField = layer.type === 'conv' ? 'kernel' : 'window';
    const size = input[axis]!;
    const padSum = pads[axis]![0] + pads[axis]![1];
    if (r.reason === 'kernel-too-large') {
      sink.report('NETC3102', ctx.at(kernelField), { kind: layer.type === 'conv' ? 'kernel' : 'window', dim, kernel: r.effectiveKernel, size: r.padded }, {
        hint: `use a ${kernelField} of at most ${r.padded}, or pad the input`,
        related: v.origin.span ? [{ span: v.origin.span, label: v.origin.label }] : [],
      });
      return;
    }
    const stride = layer.stride[axis];
    const up = stride - r.remainder;
    const inputWord = v.modelInput ? 'a model input' : 'an input';
    const hint =
      `use ${inputWord} ${dim} of ${size + up}${size - r.remainder > 0 ? ` or ${size - r.remainder}` : ''}, ` +
      `add ${up} more pixel${up === 1 ? '' : 's'} of padding, or set \`round: ceil\` (${Math.floor(r.exact) + 1}, as cuda-convnet) or \`round: floor\` (${Math.floor(r.exact)}, dropping the partial window)`;
    sink.report('NETC3101', ctx.at(stride > 1 ? 'stride' : kernelField), {
      what: `\`${layer.name}\``, dim, size, pads: padSum, kernel: r.effectiveKernel, stride, value: formatDecimal(r.exact),
    }, { hint, related: v.origin.span ? [{ span: v.origin.span, label: `${v.origin.label} (${dim} ${size})` }] : [] });
  });
  if (failed) return null;
  const ok = results as Extract<DimResult, { ok: true }>[];
  return {
    out: [ok[0]!.out, ok[1]!.out],
    pad: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]],
    padEnd: [ok[0]!.padEnd, ok[1]!.padEnd],
  };
}
