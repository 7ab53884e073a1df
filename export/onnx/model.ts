/**
 * `netc export --to onnx`: the inference graph of a plan (input to logits, then the softmax)
 * as an ONNX model, opset 13, with the given weights as initializers. Input `input` is
 * N x C x H x W float32 (as PyTorch takes images); outputs `logits` and `probabilities`.
 * Node names are the plan's op names; the netc-specific facts (spec hash, preprocessing) are
 * metadata properties.
 */
import type { Plan } from '../../plan/types.js';
import { ExportError } from '../errors.js';
import { opsNeededFor } from '../../plan/graph.js';
import type { PlanOp, Shape } from '../../plan/types.js';
import { opNamed } from '../plan-ops.js';
import type { WeightSet } from '../weights.js';
import { GraphBuilder, int } from './builder.js';
import { onnxLowering, type OnnxContext } from './ops.js';
import { DataType, encodeModel, type Dimension, type ModelProto, type ValueInfoProto } from './proto.js';

export const OPSET = 13;
/** IR version 7 is what opset 13 shipped with (ONNX 1.8); every current runtime reads it. */
const IR_VERSION = 7;

/** netc's per-image HWC shape as ONNX's N x C x H x W. */
function nchw(shape: Shape): Dimension[] {
  const dims = shape.length === 3 ? [shape[2]!, shape[0]!, shape[1]!] : shape;
  return [{ dim_param: 'N' }, ...dims.map((d) => ({ dim_value: d }))];
}

function valueInfo(name: string, shape: Shape, doc?: string): ValueInfoProto {
  return { name, ...(doc ? { doc_string: doc } : {}), type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: nchw(shape) } } } };
}

export function buildOnnxModel(plan: Plan, weights: WeightSet, producerVersion: string): Uint8Array {
  const b = new GraphBuilder();
  const logitsOp = opNamed(plan, plan.output.logits);
  const ops = opsNeededFor(plan, plan.output.logits);
  // Reserve every op's output name first, so intermediate values never take one.
  const outName = new Map<number, string>([[0, b.fresh('input')]]);
  for (const op of ops) if (op.id !== 0) outName.set(op.id, b.fresh(op.id === logitsOp.id ? 'logits' : op.name));
  const ctx: OnnxContext = {
    b,
    weight(name) {
      const w = weights.get(name);
      if (!w) throw new ExportError(`no weights for \`${name}\``);
      return w;
    },
    out: (op: PlanOp) => outName.get(op.id)!,
  };
  const value = new Map<number, string>();
  const shapes: ValueInfoProto[] = [];
  for (const op of ops) {
    const inputs = op.inputs.map((i) => value.get(i)!);
    const v = onnxLowering(op)(op, inputs, ctx) ?? inputs[0] ?? outName.get(0)!;
    value.set(op.id, v);
    if (v === ctx.out(op) && op.id !== logitsOp.id && op.id !== 0) shapes.push(valueInfo(v, op.outputShape));
  }
  let logits = value.get(logitsOp.id)!;
  if (logits !== 'logits') logits = b.node('Identity', [logits], 'logits', {}, `${logitsOp.name}/output`);
  const probabilities = b.node('Softmax', [logits], b.fresh('probabilities'), { axis: int(1) }, plan.output.op);

  const classes = logitsOp.outputShape;
  const model: ModelProto = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: OPSET }],
    producer_name: 'netc',
    producer_version: producerVersion,
    doc_string: `${plan.model.name}${plan.model.description ? `: ${plan.model.description}` : ''} (inference graph exported by netc)`,
    graph: {
      name: plan.model.name,
      doc_string: 'input: float32 N x C x H x W, preprocessed as the plan\'s data section says (see metadata netc.preprocess); outputs: logits and softmax probabilities',
      node: b.nodes,
      initializer: b.initializers,
      input: [valueInfo('input', plan.input.shape, 'images, N x C x H x W')],
      output: [valueInfo('logits', classes, `the logits (\`${logitsOp.name}\`)`), valueInfo(probabilities, classes, `class probabilities (\`${plan.output.op}\`)`)],
      value_info: shapes,
    },
    metadata_props: [
      { key: 'netc.model', value: plan.model.name },
      { key: 'netc.spec_sha256', value: plan.model.specHash },
      { key: 'netc.input_layout', value: 'NCHW' },
      { key: 'netc.classes', value: String(plan.output.classes ?? '') },
      { key: 'netc.preprocess', value: JSON.stringify(plan.data?.preprocess ?? null) },
    ],
  };
  if (!ops.some((o) => o.id === 0)) throw new ExportError('the plan\'s logits do not depend on its input');
  return encodeModel(model);
}
