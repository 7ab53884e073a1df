/**
 * The layer-shape report as data: one row per op (exchange ops are folded
 * into the layer that needs them), then totals. `netc report --format json`
 * prints this object; text and markdown render it.
 */
import { formatActivation } from '../spec/init.js';
import type { Plan, PlanOp } from '../../plan/types.js';

export interface ReportLayer {
  name: string;
  type: string;
  /** HxWxC or [n] */
  outputShape: number[];
  /** "11x11/4 pad 0" for windowed ops, "" otherwise */
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
}

export interface Report {
  model: string;
  towers: number;
  placement: string;
  input: number[];
  layers: ReportLayer[];
  totals: ReportTotals;
}

function geometryOf(op: PlanOp): string {
  const pads = (p: number[], end: number[]) => {
    const all = [p[0]! , p[1]! + end[0]!, p[2]!, p[3]! + end[1]!];
    return all.every((v) => v === all[0]) ? String(all[0]) : `[${all.join(',')}]`;
  };
  const k = (pair: number[]) => (pair[0] === pair[1] ? `${pair[0]}x${pair[0]}` : `${pair[0]}x${pair[1]}`);
  const s = (pair: number[]) => (pair[0] === pair[1] ? `${pair[0]}` : `${pair[0]}x${pair[1]}`);
  switch (op.op) {
    case 'conv2d': {
      const dil = op.attrs.dilation[0] !== 1 || op.attrs.dilation[1] !== 1 ? ` dil ${s(op.attrs.dilation)}` : '';
      return `${k(op.attrs.kernel)}/${s(op.attrs.stride)} pad ${pads(op.attrs.pad, op.attrs.padEnd)}${dil}`;
    }
    case 'maxpool':
    case 'avgpool':
      return `${k(op.attrs.window)}/${s(op.attrs.stride)} pad ${pads(op.attrs.pad, op.attrs.padEnd)}`;
    case 'lrn':
      return `n ${op.attrs.size}`;
    case 'dropout':
      return `p ${op.attrs.p}`;
    default:
      return '';
  }
}

/** The spec's layer type for each op kind. */
const typeNames: Record<PlanOp['op'], string> = {
  input: 'input', conv2d: 'conv', maxpool: 'maxpool', avgpool: 'avgpool', globalavgpool: 'globalavgpool', globalmaxpool: 'globalmaxpool',
  lrn: 'lrn', batchnorm: 'batchnorm', dropout: 'dropout', dense: 'dense', flatten: 'flatten', activation: 'activation',
  softmax: 'softmax', add: 'add', concat: 'concat', exchange: 'exchange',
};

export function buildReport(plan: Plan): Report {
  const layers: ReportLayer[] = [];
  const pendingExchange = new Map<string, number>();
  for (const op of plan.ops) {
    if (op.op === 'input') continue; // the report's header shows the input
    if (op.op === 'exchange') {
      pendingExchange.set(op.attrs.consumer, (op.attrs.forwardBytes + op.attrs.backwardBytes) * plan.train.batch);
      continue;
    }
    const activation = op.op === 'conv2d' || op.op === 'dense' ? op.attrs.activation : op.op === 'activation' ? op.attrs : null;
    const groups = op.op === 'conv2d' ? op.attrs.specGroups : 1;
    layers.push({
      name: op.name,
      type: op.op === 'activation' ? op.attrs.fn : typeNames[op.op],
      outputShape: op.outputShape,
      geometry: geometryOf(op),
      activation: activation && activation.fn !== 'linear' && op.op !== 'activation' ? formatActivation(activation) : null,
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
    },
  };
}
