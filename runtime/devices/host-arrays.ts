/**
 * Slicing and joining flat row-major arrays along one axis, on the host: how
 * tower placement cuts each parameter into its towers' parts (along the
 * plan's towerAxis) and puts the parts back together for a checkpoint.
 */

/** Elements before the axis, along it, and after it. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[axis]!, inner];
}

/** Elements [start, start + size) along `axis`. */
export function sliceAxis(values: Float32Array, shape: readonly number[], axis: number, start: number, size: number): { values: Float32Array; shape: number[] } {
  const [outer, dim, inner] = around(shape, axis);
  const out = new Float32Array(outer * size * inner);
  for (let o = 0; o < outer; o++) out.set(values.subarray((o * dim + start) * inner, (o * dim + start + size) * inner), o * size * inner);
  const s = [...shape];
  s[axis] = size;
  return { values: out, shape: s };
}

/** Part `index` of `parts` equal parts along `axis`. */
export function partOf(values: Float32Array, shape: readonly number[], axis: number, parts: number, index: number): { values: Float32Array; shape: number[] } {
  const size = shape[axis]! / parts;
  if (!Number.isInteger(size)) throw new Error(`axis ${axis} of [${shape.join(', ')}] does not split into ${parts} parts`);
  return sliceAxis(values, shape, axis, index * size, size);
}

/** The parts joined along `axis` (they agree on every other axis). */
export function concatAxis(parts: readonly { values: Float32Array; shape: readonly number[] }[], axis: number): { values: Float32Array; shape: number[] } {
  const first = parts[0]!;
  const [outer, , inner] = around(first.shape, axis);
  const dims = parts.map((p) => p.shape[axis]!);
  const total = dims.reduce((a, b) => a + b, 0);
  const out = new Float32Array(outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    for (const [i, p] of parts.entries()) {
      const n = dims[i]! * inner;
      out.set(p.values.subarray(o * n, (o + 1) * n), at);
      at += n;
    }
  }
  const shape = [...first.shape];
  shape[axis] = total;
  return { values: out, shape };
}
