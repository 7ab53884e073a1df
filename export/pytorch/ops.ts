/**
 * How each plan op kind becomes PyTorch: the submodule it owns (named after its spec layer)
 * and the expression of its output. Values are whole N x C x H x W tensors whose channels are
 * in tower order, so towers only show where they change the arithmetic: grouped convolutions
 * and dense layers, per-tower LRN, tower-major flatten and concat. Adding an op kind is one
 * entry here (and one in export/onnx/ops.ts).
 */
import { ExportError } from '../errors.js';
import type { Activation, OpKind, Plan, PlanOp } from '../../plan/types.js';
import type { OpOf } from '../plan-ops.js';
import { fullPads, hasPadding, torchPoolPadding } from '../pool-padding.js';
import { checkConvGroups } from '../support.js';
import { pyFloat, pyNumber } from './python-source.js';

export interface TorchContext {
  plan: Plan;
  /** `self.<attribute>` of the op's submodule. */
  self: (op: PlanOp) => string;
  /** Records a name the model file must import from layers.py. */
  useLayer: (name: string) => void;
}

export interface TorchLowering<O extends PlanOp> {
  /** The submodule's constructor (`nn.Conv2d(...)`), when the op owns one. */
  module?: (op: O, ctx: TorchContext) => string;
  /**
   * The op's output as a Python expression over its inputs' expressions; null when the op
   * passes its input through (an exchange on one device). `fresh`: the result is a new tensor
   * that an in-place activation may overwrite.
   */
  forward: (op: O, inputs: string[], ctx: TorchContext) => string | null;
}

type LoweringTable = { [K in OpKind]: TorchLowering<OpOf<K>> };

const pair = ([a, b]: [number, number] | number[]): string => (a === b ? pyNumber(a!) : `(${a}, ${b})`);

/** An activation applied to a freshly computed tensor (so ReLU may work in place). */
export function activate(expr: string, act: Activation): string {
  switch (act.fn) {
    case 'relu':
      return `F.relu(${expr}, inplace=True)`;
    case 'leaky_relu':
      return `F.leaky_relu(${expr}, ${pyFloat(act.slope ?? 0.01)}, inplace=True)`;
    case 'tanh':
      return `torch.tanh(${expr})`;
    case 'sigmoid':
      return `torch.sigmoid(${expr})`;
    case 'linear':
      return expr;
  }
}

function activationModule(act: Activation): string {
  switch (act.fn) {
    case 'relu':
      return 'nn.ReLU()';
    case 'leaky_relu':
      return `nn.LeakyReLU(${pyFloat(act.slope ?? 0.01)})`;
    case 'tanh':
      return 'nn.Tanh()';
    case 'sigmoid':
      return 'nn.Sigmoid()';
    case 'linear':
      return 'nn.Identity()';
  }
}

const padTuple = (op: Parameters<typeof fullPads>[0]): string => {
  const [t, b, l, r] = fullPads(op);
  return `(${l}, ${r}, ${t}, ${b})`; // F.pad order: left, right, top, bottom
};

function needRank(op: PlanOp, rank: number, what: string): void {
  const shape = op.inputShapes[0]!;
  if (shape.length !== rank) throw new ExportError(`\`${op.name}\` (${op.op}) reads a value of shape [${shape.join(', ')}]; the PyTorch exporter supports ${what}`);
}

/** Symmetric padding that torch's Conv2d takes itself, or null for an explicit F.pad. */
function convPadding(op: OpOf<'conv2d'>): [number, number] | null {
  const [t, b, l, r] = fullPads(op);
  return t === b && l === r ? [t, l] : null;
}

export const TORCH_OPS: LoweringTable = {
  input: { forward: () => null },
  conv2d: {
    module(op) {
      needRank(op, 3, 'convolutions of H x W x C images');
      const { filters, kernel, stride, dilation, groups } = op.attrs;
      checkConvGroups(op, 'PyTorch');
      const pad = convPadding(op);
      const args = [String(op.inputShapes[0]![2]), String(filters), `kernel_size=${pair(kernel)}`];
      if (stride.some((s) => s !== 1)) args.push(`stride=${pair(stride)}`);
      if (pad && pad.some((p) => p !== 0)) args.push(`padding=${pair(pad)}`);
      if (dilation.some((d) => d !== 1)) args.push(`dilation=${pair(dilation)}`);
      if (groups !== 1) args.push(`groups=${groups}`);
      if (op.params.bias === null) args.push('bias=False');
      return `nn.Conv2d(${args.join(', ')})`;
    },
    forward(op, [x], ctx) {
      const input = convPadding(op) ? x! : `F.pad(${x}, ${padTuple(op)})`;
      return activate(`${ctx.self(op)}(${input})`, op.attrs.activation);
    },
  },
  maxpool: {
    module(op) {
      needRank(op, 3, 'pooling of H x W x C images');
      const own = torchPoolPadding(op);
      const args = [`kernel_size=${pair(op.attrs.window)}`, `stride=${pair(op.attrs.stride)}`];
      if (own && own.padding.some((p) => p > 0)) args.push(`padding=${pair(own.padding)}`);
      if (own?.ceilMode) args.push('ceil_mode=True');
      return `nn.MaxPool2d(${args.join(', ')})`;
    },
    forward(op, [x], ctx) {
      // Explicit padding with -inf: padding never wins the max.
      return torchPoolPadding(op) ? `${ctx.self(op)}(${x})` : `${ctx.self(op)}(F.pad(${x}, ${padTuple(op)}, value=float("-inf")))`;
    },
  },
  avgpool: {
    module(op, ctx) {
      needRank(op, 3, 'pooling of H x W x C images');
      const own = torchPoolPadding(op);
      if (!own) {
        ctx.useLayer('PaddedAvgPool2d');
        return `PaddedAvgPool2d(kernel_size=${pair(op.attrs.window)}, stride=${pair(op.attrs.stride)}, pad=${padTuple(op)})`;
      }
      const args = [`kernel_size=${pair(op.attrs.window)}`, `stride=${pair(op.attrs.stride)}`];
      if (own.padding.some((p) => p > 0)) args.push(`padding=${pair(own.padding)}`);
      if (own.ceilMode) args.push('ceil_mode=True');
      // netc divides by the real (unpadded) pixels of each window.
      if (hasPadding(op)) args.push('count_include_pad=False');
      return `nn.AvgPool2d(${args.join(', ')})`;
    },
    forward: (op, [x], ctx) => `${ctx.self(op)}(${x})`,
  },
  lrn: {
    module(op, ctx) {
      needRank(op, 3, 'LRN over the channels of H x W x C images');
      ctx.useLayer('TowerLRN');
      const { size, alpha, beta, k, channelsPerTower } = op.attrs;
      const channels = op.inputShapes[0]![2]!;
      const towers = Math.max(1, Math.round(channels / Math.min(channelsPerTower, channels)));
      return `TowerLRN(size=${size}, alpha=${pyFloat(alpha)}, beta=${pyFloat(beta)}, k=${pyFloat(k)}${towers > 1 ? `, towers=${towers}` : ''})`;
    },
    forward: (op, [x], ctx) => `${ctx.self(op)}(${x})`,
  },
  dropout: {
    module: (op) => `nn.Dropout(${pyFloat(op.attrs.p)})`,
    forward: (op, [x], ctx) => `${ctx.self(op)}(${x})`,
  },
  dense: {
    module(op, ctx) {
      needRank(op, 1, 'dense layers over vectors (the plan flattens first)');
      const inputs = op.inputShapes[0]![0]!;
      const bias = op.params.bias === null ? ', bias=False' : '';
      if (op.attrs.groups === 1) return `nn.Linear(${inputs}, ${op.attrs.units}${bias})`;
      ctx.useLayer('GroupedLinear');
      return `GroupedLinear(${inputs}, ${op.attrs.units}, groups=${op.attrs.groups}${bias})`;
    },
    forward: (op, [x], ctx) => activate(`${ctx.self(op)}(${x})`, op.attrs.activation),
  },
  flatten: {
    module(op, ctx) {
      ctx.useLayer('FlattenHWC');
      return op.attrs.order === 'tower-major' && op.towers.count > 1 ? `FlattenHWC(towers=${op.towers.count})` : 'FlattenHWC()';
    },
    forward: (op, [x], ctx) => `${ctx.self(op)}(${x})`,
  },
  activation: {
    module: (op) => activationModule(op.attrs),
    forward: (op, [x], ctx) => `${ctx.self(op)}(${x})`,
  },
  softmax: { forward: (_op, [x]) => `F.softmax(${x}, dim=1)` },
  exchange: { forward: () => null },
  add: {
    forward: (op, xs) => activate(xs.join(' + '), op.attrs.activation),
  },
  concat: {
    forward(op, xs, ctx) {
      if (op.attrs.order === 'plain' || op.towers.count === 1) return `torch.cat([${xs.join(', ')}], dim=1)`;
      ctx.useLayer('cat_tower_major');
      return `cat_tower_major([${xs.join(', ')}], towers=${op.towers.count})`;
    },
  },
  batchnorm: {
    module(op) {
      const shape = op.inputShapes[0]!;
      const kind = shape.length === 3 ? 'BatchNorm2d' : shape.length === 1 ? 'BatchNorm1d' : null;
      if (!kind) throw new ExportError(`\`${op.name}\`: batch normalization of a value of shape [${shape.join(', ')}] is not supported by the PyTorch exporter`);
      const { epsilon, momentum, affine } = op.attrs;
      return `nn.${kind}(${shape[shape.length - 1]}, eps=${pyFloat(epsilon)}, momentum=${pyFloat(momentum)}${affine ? '' : ', affine=False'})`;
    },
    forward: (op, [x], ctx) => activate(`${ctx.self(op)}(${x})`, op.attrs.activation),
  },
  globalavgpool: { forward: (_op, [x]) => `${x}.mean(dim=(2, 3))` },
  globalmaxpool: { forward: (_op, [x]) => `${x}.amax(dim=(2, 3))` },
};

/** The torch state_dict suffix of each netc parameter role. */
export const TORCH_ROLE: Record<string, string> = {
  weight: 'weight',
  bias: 'bias',
  scale: 'weight',
  shift: 'bias',
  running_mean: 'running_mean',
  running_var: 'running_var',
};

export function lowering(op: PlanOp): TorchLowering<PlanOp> {
  return TORCH_OPS[op.op] as TorchLowering<PlanOp>;
}
