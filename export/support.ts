/** Plan features both exporters decline, with the reason (shared so the two say the same). */
import { ExportError } from './errors.js';
import type { ConvOp } from '../plan/types.js';

/**
 * A grouped convolution that reads every tower: tower t's filters, group g, read input group g,
 * so the output channels interleave towers and groups in an order a single grouped Conv
 * (PyTorch, ONNX) does not produce.
 */
export function checkConvGroups(op: ConvOp, engine: string): void {
  if (op.towers.count > 1 && op.towers.connect === 'all' && op.attrs.specGroups > 1) {
    throw new ExportError(
      `\`${op.name}\`: a grouped convolution (groups ${op.attrs.specGroups}) that reads all ${op.towers.count} towers orders its output channels tower by tower within each group; ${engine} cannot express that with one grouped convolution. Use connect: tower, or groups: 1`,
    );
  }
}
