/**
 * Plans of version 1 (a chain: each op named the one op it read) upgraded to
 * version 2 (a graph: op 0 is the input, ops read ops by id, every op says
 * whether its output is split over towers). The upgrade is exact: v1 plans
 * could only hold chains, and their tower layout follows from the ops.
 */
import { PLAN_VERSION, type Plan, type PlanOp, type PlanParam } from './types.js';

/** The fields of a v1 op that v2 replaced. */
interface V1Op {
  id: number;
  name: string;
  op: string;
  input: string;
  inputShape: number[];
  outputShape: number[];
  towers: { count: number; connect: string };
  [key: string]: unknown;
}

interface V1Plan {
  version: 1;
  input: { shape: number[] };
  towers: number;
  ops: V1Op[];
  params: Omit<PlanParam, 'trainable'>[];
  totals: Record<string, unknown> & { params: number; activationBytesPerImage: number };
  [key: string]: unknown;
}

export function upgradePlanV1(v1: V1Plan): Plan {
  const T = v1.towers;
  const ids = new Map<string, number>([['input', 0]]);
  const input = {
    id: 0, name: 'input', layer: 'input', op: 'input', inputs: [], inputShapes: [], outputShape: [...v1.input.shape],
    towers: { count: T, connect: 'replicated', output: 'replicated' },
    cost: { params: 0, macs: 0, otherOps: 0, outputBytes: v1.input.shape.reduce((a, b) => a * b, 1) * 4 },
    attrs: {},
  };
  let split = false;
  const ops = [input as PlanOp];
  for (const { id: _v1Id, name, layer, op, input: from, inputShape, outputShape, towers, cost, ...rest } of v1.ops) {
    // v1's rule: weighted layers split their output over the towers; exchanges and the softmax replicate it.
    if (op === 'conv2d' || op === 'dense') split = T > 1;
    if (op === 'exchange' || op === 'softmax') split = false;
    const id = ops.length;
    const upgraded = { id, name, layer, op, inputs: [ids.get(from) ?? id - 1], inputShapes: [inputShape], outputShape, towers: { ...towers, output: split ? 'split' : 'replicated' }, cost, ...rest };
    ops.push(upgraded as unknown as PlanOp);
    ids.set(name, id);
  }
  return {
    ...(v1 as unknown as Plan),
    version: PLAN_VERSION,
    ops,
    params: v1.params.map((p) => ({ ...p, trainable: true })),
    totals: {
      ...(v1.totals as unknown as Plan['totals']),
      trainableParams: v1.totals.params,
      buffers: 0,
      // v1 counted the input outside the ops; v2's input op counts it: the total is the same.
      activationBytesPerImage: v1.totals.activationBytesPerImage,
    },
  } satisfies Plan;
}
