/** Builds the node and initializer lists of an ONNX graph with unique value names and typed attributes. */
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';

export type Attr = { kind: 'int'; v: number } | { kind: 'float'; v: number } | { kind: 'ints'; v: number[] } | { kind: 'string'; v: string };
export const int = (v: number): Attr => ({ kind: 'int', v });
export const float = (v: number): Attr => ({ kind: 'float', v });
export const ints = (v: number[]): Attr => ({ kind: 'ints', v });

function attribute(name: string, a: Attr): AttributeProto {
  switch (a.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: a.v };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.v };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: a.v };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.v) };
  }
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet: `base`, else `base_2`, ... */
  fresh(base: string): string {
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}_${n}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node writing `output` (a name from fresh) and returns it. */
  node(opType: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}, name = output): string {
    this.nodes.push({ name, op_type: opType, input: inputs, output: [output], attribute: Object.entries(attrs).map(([k, a]) => attribute(k, a)) });
    return output;
  }

  /** A float32 initializer (a weight). */
  floats(base: string, dims: number[], values: Float32Array): string {
    const name = this.fresh(base);
    const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.initializers.push({ name, dims, data_type: DataType.FLOAT, raw_data: bytes });
    return name;
  }

  /** A 1-D int64 initializer (a shape for Reshape). */
  int64s(base: string, values: number[]): string {
    const name = this.fresh(base);
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], data_type: DataType.INT64, raw_data: new Uint8Array(data.buffer) });
    return name;
  }
}

/** Values of a row-major tensor of `shape`, with its axes permuted (output axis i = input axis perm[i]). */
export function transpose(values: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(values.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i]! * inStrides[perm[i]!]!;
    out[o] = values[src]!;
    for (let i = outShape.length - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}
