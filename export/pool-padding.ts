/**
 * Padding as the target engines spell it. netc pads [top, bottom, left, right] plus `padEnd`
 * (the extra bottom/right of a ceil-rounded partial window); PyTorch takes one symmetric
 * padding per axis and a `ceil_mode` flag; ONNX takes begin/end pads.
 */
import type { ConvOp, PoolOp } from '../plan/types.js';

/** [top, bottom, left, right] with the partial window's extra padding included. */
export function fullPads(op: ConvOp | PoolOp): [number, number, number, number] {
  const [t, b, l, r] = op.attrs.pad;
  return [t, b + op.attrs.padEnd[0], l, r + op.attrs.padEnd[1]];
}

export const hasPadding = (op: ConvOp | PoolOp): boolean => fullPads(op).some((p) => p !== 0);

/** Output size of one axis of torch's pooling with symmetric padding `p`. */
function torchPoolSize(size: number, k: number, s: number, p: number, ceil: boolean): number {
  const span = size + 2 * p - k;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/**
 * A torch pooling layer's own padding and ceil_mode that give exactly netc's windows, or null
 * when the padding must be explicit (asymmetric, or wider than half the window).
 */
export function torchPoolPadding(op: PoolOp): { padding: [number, number]; ceilMode: boolean } | null {
  const [t, b, l, r] = op.attrs.pad;
  const [kh, kw] = op.attrs.window;
  if (t !== b || l !== r || t > kh / 2 || l > kw / 2) return null;
  const [h, w] = op.inputShapes[0]!;
  const [oh, ow] = op.outputShape;
  const ceilMode = op.attrs.padEnd.some((p) => p > 0);
  const fits =
    torchPoolSize(h!, kh, op.attrs.stride[0], t, ceilMode) === oh && torchPoolSize(w!, kw, op.attrs.stride[1], l, ceilMode) === ow;
  return fits ? { padding: [t, l], ceilMode } : null;
}
