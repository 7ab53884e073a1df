/**
 * The layer-shape report as data: one row per op in the plan's (topological)
 * order, with the layers it reads (exchange ops are folded into the layer
 * that needs them), then totals. `netc report --format json`
 * prints this object; text and markdown render it.
 */
import { formatActivation } from '../spec/init.js';
import { opView } from '../ops/index.js';
import { BACKEND_MEMORY_LIMITS, estimateTrainingMemory, largestBatchThatFits, type MemoryEstimate } from '../../plan/memory.js';
import type { Plan, PlanOp } from '../../plan/types.js';

export interface ReportLayer {
  name: string;
  type: string;
  /** The layers it reads, in order (`input`: the model input). */
  inputs: string[];
  /** HxWxC or [n] */
  outputShape: number[];
  /** "11x11/4 pad 0" for windowed ops (then "ceil" or "floor" when the windows did not fit exactly), "" otherwise */
  geometry: string;
  activation: string | null;
  /** own tower (grouped), all towers (exchange), local, replicated; `groups=G` for plain groups */
  connect: string;
  groups: number;
  params: number;
  macs: number;
  otherOps: number;
  /** Activation memory of this op's output per image, bytes. */
  activationBytes: number;
  /** Bytes crossing between towers for this layer per batch (forward + backward). */
  exchangeBytesPerBatch: number;
}

export interface ReportTotals {
  params: number;
  trainableParams: number;
  macs: number;
  otherOps: number;
  batch: number;
  activationBytesPerBatch: number;
  paramBytes: number;
  optimizerStateBytes: number;
  exchangeBytesPerBatch: { forward: number; backward: number };
  /** A training step's memory on one device at the plan's batch (plan/memory.ts), and the largest batch the wasm backend's 4 GiB holds. */
  trainingMemory: MemoryEstimate & { wasmLargestBatch: number };
}

export interface Report {
  model: string;
  towers: number;
  placement: string;
  input: number[];
  layers: ReportLayer[];
  totals: ReportTotals;
}

/** The layers an op reads, by name: through the exchange ops, which the report folds into their consumer. */
function inputNames(plan: Plan, op: PlanOp): string[] {
  return op.inputs.map((id) => {
    let from = plan.ops[id]!;
    while (from.op === 'exchange' && from.inputs.length === 1) from = plan.ops[from.inputs[0]!]!;
    return from.name;
  });
}

export function buildReport(plan: Plan): Report {
  const layers: ReportLayer[] = [];
  const pendingExchange = new Map<string, number>();
  for (const op of plan.ops) {
    if (op.op === 'input') continue; // the report's header shows the input
    if (op.op === 'exchange') {
      pendingExchange.set(op.attrs.consumer, (op.attrs.forwardBytes + op.attrs.backwardBytes) * plan.train.batch);
      continue;
    }
    // How each op kind shows itself is its module's business (compiler/ops).
    const view = opView(op.op);
    const activation = view.activation?.(op) ?? null;
    const groups = op.op === 'conv2d' ? op.attrs.specGroups : 1;
    layers.push({
      name: op.name,
      type: view.typeName(op),
      inputs: inputNames(plan, op),
      outputShape: op.outputShape,
      geometry: view.geometry?.(op) ?? '',
      activation: activation && activation.fn !== 'linear' ? formatActivation(activation) : null,
      connect: op.towers.count > 1 ? op.towers.connect : 'local',
      groups,
      params: op.cost.params,
      macs: op.cost.macs,
      otherOps: op.cost.otherOps,
      activationBytes: op.cost.outputBytes,
      exchangeBytesPerBatch: pendingExchange.get(op.name) ?? 0,
    });
  }
  const t = plan.totals;
  return {
    model: plan.model.name,
    towers: plan.towers,
    placement: plan.placement.kind,
    input: plan.input.shape,
    layers,
    totals: {
      params: t.params,
      trainableParams: t.trainableParams,
      macs: t.macs,
      otherOps: t.otherOps,
      batch: plan.train.batch,
      activationBytesPerBatch: t.activationBytesPerBatch,
      paramBytes: t.paramBytes,
      optimizerStateBytes: t.optimizerStateBytes,
      exchangeBytesPerBatch: t.exchangeBytesPerBatch,
      trainingMemory: { ...estimateTrainingMemory(plan), wasmLargestBatch: largestBatchThatFits(plan, BACKEND_MEMORY_LIMITS.wasm!) },
    },
  };
}
