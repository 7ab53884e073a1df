// UnsortedSegmentSum for the wasm backend, which lacks it. It is the gradient
// of gather (tf.gather / embedding lookups). One pass over x in JS on the
// wasm heap: O(size), where the cpu backend's version is O(segments * size).
import * as tf from '@tensorflow/tfjs';
import type { Info, KernelArgs, WasmHeapBackend } from './wasm_ops.js';

export function unsortedSegmentSumWasm(args: KernelArgs): Info {
  const b = args.backend as WasmHeapBackend;
  const { x, segmentIds } = args.inputs as { x: Info; segmentIds: Info };
  const { numSegments } = args.attrs as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`wasm UnsortedSegmentSum: unsupported dtype ${x.dtype}`);
  }
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const inner = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const out = b.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  // Views only after makeOutput: allocation may grow (and detach) the heap.
  const xv = b.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = b.typedArrayFromHeap(segmentIds) as Int32Array;
  const ov = b.typedArrayFromHeap(out) as Float32Array | Int32Array;
  ov.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue; // out-of-range ids are dropped, as in TF
    const src = r * inner, dst = s * inner;
    for (let i = 0; i < inner; i++) ov[dst + i] += xv[src + i];
  }
  return out;
}
