/**
 * The geometry of windowed ops (conv, pooling) as the spec says it: kernel,
 * stride, the spec's padding, and the rounding the layer needed. The plan
 * keeps ceil rounding as extra bottom/right padding (`padEnd`), which is how
 * engines compute it; shown as padding it would read `[0,1,0,1]` on a pool
 * nobody padded, so the report and the diff show it as `ceil` instead.
 */
import type { ConvOp, PoolOp } from '../../plan/types.js';

/** `3x3`, or `3x5` when the sides differ. */
export const formatSize = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}x${p[0]}` : `${p[0]}x${p[1]}`);
/** `2`, or `2x1` when the sides differ. */
export const formatStep = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}` : `${p[0]}x${p[1]}`);

/** Top, bottom, left, right: one number when all four agree. */
export function formatPadding(pad: readonly number[], separator = ','): string {
  return pad.every((v) => v === pad[0]) ? String(pad[0]) : `[${pad.join(separator)}]`;
}

/**
 * The rounding a windowed op needed: `floor` (a partial window at the end was
 * dropped), `ceil` (it was kept, reading `padEnd` extra zeros) or null (the
 * windows fit exactly, whatever `round` the spec says).
 */
export function appliedRounding(op: ConvOp | PoolOp): 'floor' | 'ceil' | null {
  const input = op.inputShapes[0];
  if (!input || input.length !== 3) return null;
  const kernel = op.op === 'conv2d' ? op.attrs.kernel : op.attrs.window;
  const dilation = op.op === 'conv2d' ? op.attrs.dilation : [1, 1];
  let floor = false;
  for (const axis of [0, 1] as const) {
    if (op.attrs.padEnd[axis]! > 0) return 'ceil';
    const padded = input[axis]! + op.attrs.pad[2 * axis]! + op.attrs.pad[2 * axis + 1]!;
    const span = padded - (dilation[axis]! * (kernel[axis]! - 1) + 1);
    if (span % op.attrs.stride[axis]! !== 0) floor = true;
  }
  return floor ? 'floor' : null;
}

/** `11x11/4 pad 0`, `3x3/2 pad 0 ceil`, `3x3/1 pad 1 dil 2`. */
export function formatGeometry(op: ConvOp | PoolOp): string {
  const kernel = op.op === 'conv2d' ? op.attrs.kernel : op.attrs.window;
  const round = appliedRounding(op);
  const dilation = op.op === 'conv2d' && (op.attrs.dilation[0] !== 1 || op.attrs.dilation[1] !== 1) ? ` dil ${formatStep(op.attrs.dilation)}` : '';
  return `${formatSize(kernel)}/${formatStep(op.attrs.stride)} pad ${formatPadding(op.attrs.pad)}${round ? ` ${round}` : ''}${dilation}`;
}

/** `round` where the windows did not fit exactly, for diffs: a round change shows where it changed a shape. */
export function roundingAttribute(op: ConvOp | PoolOp): Record<string, string> {
  const round = appliedRounding(op);
  return round ? { round } : {};
}
