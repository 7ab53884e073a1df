/**
 * Plan emission: the shape IR -> the plan's graph of ops. Op 0 is the model
 * input; then each live layer's ops in list order (a deterministic
 * topological order), each reading its inputs by op id. An op that reads
 * every tower of a split value gets an explicit exchange (allgather) before
 * it, with the bytes it moves. Dead branches (layers that do not reach the
 * output) are left out.
 */
import type { LayerGraph } from '../passes/check-graph.js';
import { MODEL_INPUT } from '../passes/check-graph.js';
import type { ShapeIR } from '../passes/infer-shapes.js';
import type { OpDescription } from '../ops/kind.js';
import { product } from '../ops/shared.js';
import type { ModelSpec } from '../spec/types.js';
import type { PlanOp, Shape } from '../../plan/types.js';

const BYTES = 4; // float32

export interface EmittedGraph {
  ops: PlanOp[];
  /** The output op's name, or null when there is no output. */
  output: string | null;
  /** The op whose output feeds the loss: the output softmax's input, or the output op. */
  logits: string | null;
  outputShape: Shape | null;
}

export function emitOps(spec: ModelSpec, graph: LayerGraph, ir: ShapeIR): EmittedGraph {
  const T = spec.towers;
  const ops: PlanOp[] = [];
  const push = (op: Omit<OpDescription, 'gather'>, reads: number[]): number => {
    const { name, layer, op: kind, outputShape, towers, cost, ...rest } = op;
    const id = ops.length;
    ops.push({ id, name, layer, op: kind, inputs: reads, inputShapes: reads.map((r) => ops[r]!.outputShape), outputShape, towers, cost, ...rest } as PlanOp);
    return id;
  };
  const input = ir.input;
  push({ name: MODEL_INPUT, layer: MODEL_INPUT, op: 'input', outputShape: input.shape, towers: { count: T, connect: 'replicated', output: 'replicated' }, cost: { params: 0, macs: 0, otherOps: 0, outputBytes: product(input.shape) * BYTES }, attrs: {} }, []);

  /** Per layer: the id of the op making its output, and of the op feeding it (for a softmax, the logits). */
  const outputOf: number[] = [];
  const readBy: number[] = [];
  spec.layers.forEach((layer, i) => {
    const inferred = ir.layers[i];
    const inputs = graph.inputs[i];
    if (!graph.live[i] || !inferred || !inputs) return;
    let reads = inputs.map((j) => (j < 0 ? 0 : outputOf[j]!));
    readBy[i] = reads[0]!;
    for (const { gather, ...op } of inferred.ops) {
      // Reading every tower of a split value: the towers exchange it first.
      if (gather && T > 1 && ops[reads[0]!]!.towers.output === 'split') {
        const shape = ops[reads[0]!]!.outputShape;
        const bytes = (T - 1) * product(shape) * BYTES;
        reads = [push({
          name: `${op.name}.gather`, layer: op.layer, op: 'exchange', outputShape: shape,
          towers: { count: T, connect: 'all', output: 'replicated' }, cost: { params: 0, macs: 0, otherOps: 0, outputBytes: 0 },
          attrs: { kind: 'allgather', consumer: op.name, forwardBytes: bytes, backwardBytes: bytes },
        }, reads)];
      }
      reads = [push(op, reads)];
    }
    outputOf[i] = reads[0]!;
  });

  const out = graph.output;
  if (out === null || outputOf[out] === undefined) return { ops, output: null, logits: null, outputShape: null };
  // The logits feed the output softmax; a layer left after the softmax (NETC3003) does not change that.
  let k = out;
  while (k >= 0 && spec.layers[k]!.type !== 'softmax') k = graph.inputs[k]?.length === 1 ? graph.inputs[k]![0]! : -1;
  const outputOp = ops[outputOf[out]!]!;
  return {
    ops,
    output: outputOp.name,
    logits: k >= 0 && readBy[k] !== undefined ? ops[readBy[k]!]!.name : outputOp.name,
    outputShape: outputOp.outputShape,
  };
}
