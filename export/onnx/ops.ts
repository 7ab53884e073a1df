/**
 * How each plan op kind becomes ONNX nodes (opset 13). Values are whole N x C x H x W (or
 * N x features) tensors with channels in tower order, as in the PyTorch export: towers become
 * grouped Conv nodes, per-tower LRN reshapes the towers apart, flatten transposes to netc's
 * HWC order so dense weights stay netc's. Adding an op kind is one entry here.
 */
import { ExportError } from '../errors.js';
import type { Activation, OpKind, PlanOp } from '../../plan/types.js';
import type { OpOf } from '../plan-ops.js';
import { fullPads, hasPadding } from '../pool-padding.js';
import { checkConvGroups } from '../support.js';
import { float, int, ints, transpose, type GraphBuilder } from './builder.js';

export interface OnnxContext {
  b: GraphBuilder;
  /** A parameter's values in netc's layout. */
  weight: (name: string) => { shape: number[]; values: Float32Array };
  /** The value name of an op's output (reserved up front). */
  out: (op: PlanOp) => string;
}

/** Writes the op's nodes and returns its output value, or null when the op passes its input through. */
export type OnnxLowering<O extends PlanOp> = (op: O, inputs: string[], ctx: OnnxContext) => string | null;

type LoweringTable = { [K in OpKind]: OnnxLowering<OpOf<K>> };

const ACTIVATION_NODE: Record<Exclude<Activation['fn'], 'linear'>, string> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', leaky_relu: 'LeakyRelu' };

/**
 * Runs `produce` so that its node writes the op's output, or, with an activation, an
 * intermediate value that the activation node then turns into the op's output.
 */
function withActivation(op: PlanOp, act: Activation, ctx: OnnxContext, produce: (target: string) => string): string {
  if (act.fn === 'linear') return produce(ctx.out(op));
  const pre = produce(ctx.b.fresh(`${op.name}/linear`));
  return ctx.b.node(ACTIVATION_NODE[act.fn], [pre], ctx.out(op), act.fn === 'leaky_relu' ? { alpha: float(act.slope ?? 0.01) } : {}, `${op.name}/${act.fn}`);
}

/** ONNX pads: [top, left, bottom, right] (begins, then ends). */
function onnxPads(op: OpOf<'conv2d'> | OpOf<'maxpool'>): number[] {
  const [t, b, l, r] = fullPads(op);
  return [t, l, b, r];
}

function reshape(ctx: OnnxContext, x: string, shape: number[], output: string, name: string): string {
  return ctx.b.node('Reshape', [x, ctx.b.int64s(`${name}/shape`, shape)], output, {}, name);
}

function pool(kind: 'MaxPool' | 'AveragePool'): OnnxLowering<OpOf<'maxpool'>> {
  return (op, [x], ctx) => {
    if (op.inputShapes[0]!.length !== 3) throw new ExportError(`\`${op.name}\`: pooling of a value of shape [${op.inputShapes[0]!.join(', ')}] is not supported by the ONNX exporter`);
    const attrs = { kernel_shape: ints(op.attrs.window), strides: ints(op.attrs.stride), pads: ints(onnxPads(op)) };
    // Max pooling never takes padding; average pooling leaves it out of the divisor (count_include_pad 0), as netc.
    return ctx.b.node(kind, [x!], ctx.out(op), kind === 'AveragePool' && hasPadding(op) ? { ...attrs, count_include_pad: int(0) } : attrs, op.name);
  };
}

export const ONNX_OPS: LoweringTable = {
  input: () => null,
  conv2d(op, [x], ctx) {
    checkConvGroups(op, 'ONNX');
    const w = ctx.weight(op.params.weight); // HWIO -> OIHW
    const [kh, kw, ci, co] = w.shape as [number, number, number, number];
    const inputs = [x!, ctx.b.floats(`${op.name}.weight`, [co, ci, kh, kw], transpose(w.values, w.shape, [3, 2, 0, 1]))];
    if (op.params.bias) inputs.push(ctx.b.floats(`${op.name}.bias`, [co], ctx.weight(op.params.bias).values));
    const attrs = { kernel_shape: ints(op.attrs.kernel), strides: ints(op.attrs.stride), dilations: ints(op.attrs.dilation), group: int(op.attrs.groups), pads: ints(onnxPads(op)) };
    return withActivation(op, op.attrs.activation, ctx, (target) => ctx.b.node('Conv', inputs, target, attrs, op.name));
  },
  maxpool: pool('MaxPool'),
  avgpool: pool('AveragePool'),
  lrn(op, [x], ctx) {
    const [h, w, c] = op.inputShapes[0] as [number, number, number];
    const { size, alpha, beta, k, channelsPerTower } = op.attrs;
    const span = 2 * Math.floor(size / 2) + 1; // netc's window: size // 2 channels each side
    // ONNX divides alpha by the window; netc does not.
    const attrs = { size: int(span), alpha: float(alpha * span), beta: float(beta), bias: float(k) };
    const towers = Math.max(1, Math.round(c / Math.min(channelsPerTower, c)));
    if (towers === 1) return ctx.b.node('LRN', [x!], ctx.out(op), attrs, op.name);
    // Towers side by side in the channel axis become separate images, so no window crosses them.
    const apart = reshape(ctx, x!, [-1, c / towers, h, w], ctx.b.fresh(`${op.name}/towers`), `${op.name}/split_towers`);
    const normed = ctx.b.node('LRN', [apart], ctx.b.fresh(`${op.name}/lrn`), attrs, op.name);
    return reshape(ctx, normed, [-1, c, h, w], ctx.out(op), `${op.name}/join_towers`);
  },
  dropout: () => null, // inference graph
  dense(op, [x], ctx) {
    const w = ctx.weight(op.params.weight); // IO, I per group
    const bias = op.params.bias ? ctx.b.floats(`${op.name}.bias`, [op.attrs.units], ctx.weight(op.params.bias).values) : null;
    const g = op.attrs.groups;
    if (g === 1) {
      const weight = ctx.b.floats(`${op.name}.weight`, w.shape, w.values);
      return withActivation(op, op.attrs.activation, ctx, (target) => ctx.b.node('Gemm', bias ? [x!, weight, bias] : [x!, weight], target, {}, op.name));
    }
    // Group t maps input slice t to output slice t: a batched MatMul over [G, N, I/G] x [G, I/G, O/G].
    const [inPer, units] = w.shape as [number, number];
    const weight = ctx.b.floats(`${op.name}.weight`, [g, inPer, units / g], transpose(w.values, [inPer, g, units / g], [1, 0, 2]));
    const grouped = reshape(ctx, x!, [-1, g, inPer], ctx.b.fresh(`${op.name}/grouped`), `${op.name}/group`);
    const byGroup = ctx.b.node('Transpose', [grouped], ctx.b.fresh(`${op.name}/by_group`), { perm: ints([1, 0, 2]) }, `${op.name}/by_group`);
    const products = ctx.b.node('MatMul', [byGroup, weight], ctx.b.fresh(`${op.name}/products`), {}, op.name);
    const byImage = ctx.b.node('Transpose', [products], ctx.b.fresh(`${op.name}/by_image`), { perm: ints([1, 0, 2]) }, `${op.name}/by_image`);
    return withActivation(op, op.attrs.activation, ctx, (target) => {
      if (!bias) return reshape(ctx, byImage, [-1, units], target, `${op.name}/ungroup`);
      const flat = reshape(ctx, byImage, [-1, units], ctx.b.fresh(`${op.name}/ungrouped`), `${op.name}/ungroup`);
      return ctx.b.node('Add', [flat, bias], target, {}, `${op.name}/bias`);
    });
  },
  flatten(op, [x], ctx) {
    const shape = op.inputShapes[0]!;
    if (shape.length !== 3) return null;
    const [h, w, c] = shape as [number, number, number];
    // netc flattens in H, W, C order (tower by tower when the towers are split).
    const towers = op.attrs.order === 'tower-major' ? op.towers.count : 1;
    let v = x!;
    if (towers > 1) v = reshape(ctx, v, [-1, towers, c / towers, h, w], ctx.b.fresh(`${op.name}/towers`), `${op.name}/split_towers`);
    const perm = towers > 1 ? [0, 1, 3, 4, 2] : [0, 2, 3, 1];
    v = ctx.b.node('Transpose', [v], ctx.b.fresh(`${op.name}/hwc`), { perm: ints(perm) }, `${op.name}/to_hwc`);
    return ctx.b.node('Flatten', [v], ctx.out(op), { axis: int(1) }, op.name);
  },
  activation(op, [x], ctx) {
    if (op.attrs.fn === 'linear') return null;
    return withActivation(op, op.attrs, ctx, () => x!);
  },
  softmax: (op, [x], ctx) => ctx.b.node('Softmax', [x!], ctx.out(op), { axis: int(1) }, op.name),
  exchange: () => null, // one graph holds every tower
  add(op, xs, ctx) {
    return withActivation(op, op.attrs.activation, ctx, (target) => ctx.b.node(xs.length === 2 ? 'Add' : 'Sum', xs, target, {}, op.name));
  },
  concat(op, xs, ctx) {
    const towers = op.attrs.order === 'tower-major' ? op.towers.count : 1;
    if (towers === 1) return ctx.b.node('Concat', xs, ctx.out(op), { axis: int(1) }, op.name);
    // Tower t's output is (input 0 part t, input 1 part t, ...): concatenate within each tower.
    const rest = (s: number[]) => (s.length === 3 ? [s[0]!, s[1]!] : []);
    const channels = (s: number[]) => s[s.length - 1]!;
    const parts = xs.map((x, i) => reshape(ctx, x, [-1, towers, channels(op.inputShapes[i]!) / towers, ...rest(op.inputShapes[i]!)], ctx.b.fresh(`${op.name}/towers${i}`), `${op.name}/split_towers${i}`));
    const joined = ctx.b.node('Concat', parts, ctx.b.fresh(`${op.name}/joined`), { axis: int(2) }, op.name);
    return reshape(ctx, joined, [-1, channels(op.outputShape), ...rest(op.outputShape)], ctx.out(op), `${op.name}/join_towers`);
  },
  batchnorm(op, [x], ctx) {
    const c = op.outputShape[op.outputShape.length - 1]!;
    const { scale, shift, mean, variance } = op.params;
    const param = (name: string | null, role: string, fill: number) =>
      ctx.b.floats(`${op.name}.${role}`, [c], name ? ctx.weight(name).values : new Float32Array(c).fill(fill));
    const inputs = [x!, param(scale, 'scale', 1), param(shift, 'shift', 0), param(mean, 'running_mean', 0), param(variance, 'running_var', 1)];
    const attrs = { epsilon: float(op.attrs.epsilon), momentum: float(1 - op.attrs.momentum) };
    return withActivation(op, op.attrs.activation, ctx, (target) => ctx.b.node('BatchNormalization', inputs, target, attrs, op.name));
  },
  globalavgpool: (op, [x], ctx) => ctx.b.node('Flatten', [ctx.b.node('GlobalAveragePool', [x!], ctx.b.fresh(`${op.name}/pooled`), {}, op.name)], ctx.out(op), { axis: int(1) }, `${op.name}/flatten`),
  globalmaxpool: (op, [x], ctx) => ctx.b.node('Flatten', [ctx.b.node('GlobalMaxPool', [x!], ctx.b.fresh(`${op.name}/pooled`), {}, op.name)], ctx.out(op), { axis: int(1) }, `${op.name}/flatten`),
};

export function onnxLowering(op: PlanOp): OnnxLowering<PlanOp> {
  return ONNX_OPS[op.op] as OnnxLowering<PlanOp>;
}
