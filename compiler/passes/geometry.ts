/**
 * Output-size arithmetic for windowed ops (conv, pooling), one dimension at a
 * time. Pure functions: the shape pass turns their failures into diagnostics.
 */
import type { PadSpec, Rounding } from '../spec/types.js';

export interface DimInput {
  size: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** Padding before and after, already resolved. */
  padBefore: number;
  padAfter: number;
  round: Rounding;
}

export type DimResult =
  | { ok: true; out: number; padEnd: number }
  | { ok: false; reason: 'kernel-too-large'; effectiveKernel: number; padded: number }
  | { ok: false; reason: 'not-integer'; exact: number; remainder: number; effectiveKernel: number };

export const effectiveKernel = (kernel: number, dilation: number) => dilation * (kernel - 1) + 1;

/** TensorFlow's `same`: output = ceil(size / stride), padding split with the extra pixel after. */
export function resolveSamePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effectiveKernel(kernel, dilation) - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Padding for one axis (0: height, 1: width) as [before, after]. */
export function resolvePadding(pad: PadSpec, axis: 0 | 1, size: number, kernel: number, stride: number, dilation: number): [number, number] {
  if (pad.kind === 'valid') return [0, 0];
  if (pad.kind === 'same') return resolveSamePadding(size, kernel, stride, dilation);
  return axis === 0 ? [pad.pads[0], pad.pads[1]] : [pad.pads[2], pad.pads[3]];
}

export function outputDim(d: DimInput): DimResult {
  const ke = effectiveKernel(d.kernel, d.dilation);
  const padded = d.size + d.padBefore + d.padAfter;
  if (ke > padded) return { ok: false, reason: 'kernel-too-large', effectiveKernel: ke, padded };
  const span = padded - ke;
  const remainder = span % d.stride;
  if (remainder === 0) return { ok: true, out: span / d.stride + 1, padEnd: 0 };
  if (d.round === 'floor') return { ok: true, out: Math.floor(span / d.stride) + 1, padEnd: 0 };
  if (d.round === 'ceil') {
    let out = Math.ceil(span / d.stride) + 1;
    // As Caffe: the last window must start inside the input or its leading padding.
    if ((out - 1) * d.stride >= d.size + d.padBefore) out--;
    return { ok: true, out, padEnd: Math.max(0, (out - 1) * d.stride + ke - padded) };
  }
  return { ok: false, reason: 'not-integer', exact: span / d.stride + 1, remainder, effectiveKernel: ke };
}

/** A number as the arithmetic shows it: 54.25, not 54.250000001. */
export function formatDecimal(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
}
