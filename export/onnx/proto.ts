/**
 * ONNX's own schema (onnx.proto, vendored from ONNX 1.12) read by protobufjs: the exporter
 * builds plain objects shaped like ModelProto and this encodes them, so no byte is laid out
 * by hand.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { assetPath } from '../assets.js';

let modelType: protobuf.Type | null = null;

function model(): protobuf.Type {
  modelType ??= protobuf.parse(readFileSync(assetPath('onnx/onnx.proto'), 'utf8'), { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** ONNX enums the exporter uses (onnx.proto: TensorProto.DataType, AttributeProto.AttributeType). */
export const DataType = { FLOAT: 1, INT64: 7 } as const;
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
  doc_string?: string;
}

export interface Dimension {
  dim_value?: number;
  dim_param?: string;
}

export interface ValueInfoProto {
  name: string;
  doc_string?: string;
  type: { tensor_type: { elem_type: number; shape: { dim: Dimension[] } } };
}

export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string: string;
  graph: {
    name: string;
    doc_string: string;
    node: NodeProto[];
    initializer: TensorProto[];
    input: ValueInfoProto[];
    output: ValueInfoProto[];
    value_info: ValueInfoProto[];
  };
  metadata_props: { key: string; value: string }[];
}

export function encodeModel(m: ModelProto): Uint8Array {
  const type = model();
  const err = type.verify(m);
  if (err) throw new Error(`internal: the ONNX model does not match onnx.proto: ${err}`);
  return type.encode(type.fromObject(m)).finish();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = model();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as unknown as ModelProto;
}
