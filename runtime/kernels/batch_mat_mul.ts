// BatchMatMul for the wasm backend that keeps transposed and batched products
// on XNNPACK.
//
// The stock kernel hands a product to XNNPACK's fully-connected operator only
// when neither side is transposed and both batch sizes are 1; everything else
// (including both matmuls in the backward pass of a dense layer, which use
// transposeA / transposeB) runs a scalar blocked loop several times slower.
// Here transposes are materialised first (an O(size) copy), a batch-1 right
// side is folded into the rows of the left side, and other batches are run
// one XNNPACK product at a time. Small products stay on the stock kernel,
// where the per-call operator setup would cost more than it saves.
import * as tf from '@tensorflow/tfjs';
import {
  type Info, type KernelArgs, type WasmHeapBackend, f32, release, reshape, slice, transpose,
} from './wasm_ops.js';

/** Below this many multiply-adds per batch entry the stock loop is as fast. */
const MIN_MACS = 32 * 32 * 32;

export function makeBatchMatMulWasm(stock: tf.KernelFunc): tf.KernelFunc {
  /** Stock kernel on untransposed 3-D operands with batch 1 on both sides: the XNNPACK path. */
  const xnnMatMul = (b: WasmHeapBackend, a: Info, bb: Info): Info =>
    stock({ inputs: { a, b: bb }, backend: b, attrs: { transposeA: false, transposeB: false } }) as Info;

  return ((args: KernelArgs): Info => {
    const b = args.backend as WasmHeapBackend;
    const { a, b: bb } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const ra = a.shape.length, rb = bb.shape.length;
    const [m, k] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
    const n = transposeB ? bb.shape[rb - 2] : bb.shape[rb - 1];
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(bb.shape.slice(0, -2));
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bb.shape.slice(0, -2));
    const batch = tf.util.sizeFromShape(outer);
    const simpleBatch = batchB === 1 || batchA === 1 || batchA === batchB;
    if (a.dtype !== 'float32' || bb.dtype !== 'float32' || !simpleBatch ||
        m * k * n < MIN_MACS || (!transposeA && !transposeB && batch === 1)) {
      return stock(args) as Info; // already XNNPACK, or too small / unusual to be worth it
    }

    // Untransposed 3-D operands [batchA,m,k] and [batchB,k,n].
    const a3 = reshape(b, a, transposeA ? [batchA, k, m] : [batchA, m, k]);
    const b3 = reshape(b, bb, transposeB ? [batchB, n, k] : [batchB, k, n]);
    const aa = transposeA ? transpose(b, a3, [0, 2, 1]) : reshape(b, a3, a3.shape);
    const bn = transposeB ? transpose(b, b3, [0, 2, 1]) : reshape(b, b3, b3.shape);
    release(b, a3, b3);
    const outShape = [...outer, m, n];

    if (batchB === 1) {
      // One product: the left batch entries are just more rows.
      const rows = reshape(b, aa, [1, batchA * m, k]);
      const prod = xnnMatMul(b, rows, bn);
      const out = reshape(b, prod, outShape);
      release(b, rows, prod, aa, bn);
      return out;
    }
    const out = b.makeOutput(outShape, 'float32');
    for (let i = 0; i < batch; i++) {
      const ai = slice(b, aa, [batchA === 1 ? 0 : i, 0, 0], [1, m, k]);
      const bi = slice(b, bn, [i, 0, 0], [1, k, n]);
      const prod = xnnMatMul(b, ai, bi);
      f32(b, out).set(f32(b, prod), i * m * n); // fresh views: the heap may have grown
      release(b, ai, bi, prod);
    }
    release(b, aa, bn);
    return out;
  }) as tf.KernelFunc;
}
