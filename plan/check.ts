/**
 * An independent check that a plan agrees with itself: every shape follows
 * from its op's inputs and attributes, every parameter has the shape its op
 * needs, edges point backwards, names are unique, totals add up. The compiler
 * never needs it (it builds plans this way); it guards the engines against a
 * plan that was edited by hand or by a buggy tool, and tests run it on every
 * compiled plan as the IR check between passes. The arithmetic is written
 * again here on purpose, from the formulas in docs/plan.md, not shared with
 * the compiler's shape pass: a second implementation is what makes it a check.
 */
import type { Plan, PlanOp, PlanParam, Shape } from './types.js';

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const same = (a: readonly number[] | undefined, b: readonly number[] | undefined) => !!a && !!b && a.length === b.length && a.every((v, i) => v === b[i]);
const show = (s: readonly number[] | undefined) => (s ? `[${s.join(', ')}]` : 'nothing');
const positiveInts = (xs: readonly unknown[]) => xs.every((x) => Number.isInteger(x) && (x as number) > 0);
const naturals = (xs: readonly unknown[]) => xs.every((x) => Number.isInteger(x) && (x as number) >= 0);

/** One output size of a windowed op: (size + padding + ceil's extra - effective window) / stride + 1, rounded down. */
function windowOut(size: number, window: number, stride: number, dilation: number, padBefore: number, padAfter: number, padEnd: number): number {
  const effective = dilation * (window - 1) + 1;
  return Math.floor((size + padBefore + padAfter + padEnd - effective) / stride) + 1;
}

/** Every inconsistency found, as sentences naming the op or parameter; empty when the plan agrees with itself. */
export function checkPlanConsistency(plan: Plan): string[] {
  const problems: string[] = [];
  const say = (op: { name: string } | null, text: string) => problems.push(op ? `op \`${op.name}\`: ${text}` : text);
  const params = new Map<string, PlanParam>();
  for (const p of plan.params) {
    if (params.has(p.name)) say(null, `parameter \`${p.name}\` is listed twice`);
    params.set(p.name, p);
    if (!positiveInts(p.shape) || product(p.shape) !== p.count) say(null, `parameter \`${p.name}\` has shape ${show(p.shape)} but count ${p.count}`);
    if (!Number.isInteger(p.towerAxis) || p.towerAxis < 0 || p.towerAxis >= p.shape.length) say(null, `parameter \`${p.name}\` splits over towers along axis ${p.towerAxis}, which its shape ${show(p.shape)} lacks`);
    if (!Number.isFinite(p.lrMult) || !Number.isFinite(p.decayMult)) say(null, `parameter \`${p.name}\` has a multiplier that is not a finite number`);
    const init = Object.values(p.init).filter((v) => typeof v === 'number');
    if (!init.every(Number.isFinite)) say(null, `parameter \`${p.name}\` has an initializer with a value that is not a finite number`);
  }

  const names = new Set<string>();
  const T = plan.towers;
  const usedParams = new Set<string>();
  plan.ops.forEach((op, index) => {
    if (op.id !== index) say(op, `has id ${op.id} at position ${index}`);
    if (names.has(op.name)) say(op, 'the name is used twice');
    names.add(op.name);
    if (index === 0 && op.op !== 'input') say(op, 'op 0 must be the model input');
    if (op.inputs.length !== op.inputShapes.length) say(op, `reads ${op.inputs.length} inputs but lists ${op.inputShapes.length} input shapes`);
    op.inputs.forEach((from, i) => {
      if (!Number.isInteger(from) || from < 0 || from >= index) return say(op, `reads op ${from}, which does not come before it`);
      const produced = plan.ops[from]!.outputShape;
      if (!same(produced, op.inputShapes[i])) say(op, `input ${i} is listed as ${show(op.inputShapes[i])} but \`${plan.ops[from]!.name}\` makes ${show(produced)}`);
    });
    if (!naturals(op.outputShape) || op.outputShape.length === 0) return say(op, `has output shape ${show(op.outputShape)}`);
    if (op.towers.count !== T) say(op, `counts ${op.towers.count} towers, the model has ${T}`);
    if (T === 1 && op.towers.output !== 'replicated') say(op, 'is split over towers in a model with one tower');
    // An op that reads every tower needs its input gathered first: the exchange is the only place towers talk.
    if (op.towers.connect === 'all' && op.op !== 'exchange' && op.inputs.some((from) => plan.ops[from]?.towers.output === 'split')) say(op, 'reads every tower of a split input without an exchange before it');
    const expected = expectedOutput(op, T, say);
    if (expected && !same(expected, op.outputShape)) say(op, `output shape is ${show(op.outputShape)} but its inputs and attributes give ${show(expected)}`);
    // An exchange's output is its towers' parts put together, already counted where they were made.
    const bytes = op.op === 'exchange' ? 0 : product(op.outputShape) * 4;
    if (op.cost.outputBytes !== bytes) say(op, `output is ${op.cost.outputBytes} bytes, ${show(op.outputShape)} float32 values are ${bytes}`);
    for (const [role, name, shape] of expectedParams(op)) {
      if (name === null) continue;
      usedParams.add(name);
      const p = params.get(name);
      if (!p) say(op, `needs parameter \`${name}\`, which the plan does not list`);
      else if (!same(p.shape, shape)) say(op, `needs \`${name}\` (${role}) of shape ${show(shape)}, the plan lists ${show(p.shape)}`);
    }
  });
  for (const p of plan.params) if (!usedParams.has(p.name)) say(null, `parameter \`${p.name}\` belongs to no op`);

  const byName = new Map(plan.ops.map((o) => [o.name, o]));
  if (!same(plan.ops[0]?.outputShape, plan.input.shape)) say(null, `the input op's shape differs from the model input ${show(plan.input.shape)}`);
  for (const key of ['op', 'logits'] as const) if (!byName.has(plan.output[key])) say(null, `the output names \`${plan.output[key]}\` (${key}), which is no op`);
  const logits = byName.get(plan.output.logits);
  if (logits && plan.output.classes !== null && !same(logits.outputShape, [plan.output.classes])) say(null, `the output has ${plan.output.classes} classes but the logits \`${logits.name}\` have shape ${show(logits.outputShape)}`);

  const learned = plan.params.filter((p) => p.trainable).reduce((a, p) => a + p.count, 0);
  const buffers = plan.params.filter((p) => !p.trainable).reduce((a, p) => a + p.count, 0);
  const sums: [string, number, number][] = [
    ['params', plan.totals.params, learned],
    ['buffers', plan.totals.buffers, buffers],
    ['params of the ops', plan.totals.params, plan.ops.reduce((a, o) => a + o.cost.params, 0)],
    ['macs', plan.totals.macs, plan.ops.reduce((a, o) => a + o.cost.macs, 0)],
  ];
  for (const [what, total, sum] of sums) if (total !== sum) say(null, `totals say ${total} ${what}, the ops and parameters add up to ${sum}`);
  return problems;
}

/** The output shape that an op's inputs and attributes give, or null when the op is too malformed to say (reported). */
function expectedOutput(op: PlanOp, T: number, say: (op: PlanOp, text: string) => void): Shape | null {
  const [x] = op.inputShapes;
  const need = (n: number) => {
    if (op.inputShapes.length >= n && op.inputShapes.slice(0, n).every((s) => s !== undefined)) return true;
    say(op, `needs ${n === 1 ? 'an input' : `${n} inputs`}`);
    return false;
  };
  const spatial = () => {
    if (x && x.length === 3) return true;
    say(op, `needs an HxWxC input, not ${show(x)}`);
    return false;
  };
  switch (op.op) {
    case 'input':
      return op.inputs.length === 0 ? null : (say(op, 'the input reads nothing'), null);
    case 'conv2d': {
      if (!need(1) || !spatial()) return null;
      const a = op.attrs;
      if (![a.kernel, a.stride, a.dilation].every(positiveInts) || !naturals(a.pad) || !naturals(a.padEnd) || !positiveInts([a.filters, a.groups])) return (say(op, 'has a kernel, stride, dilation, padding, filter or group count that is not a valid whole number'), null);
      if (x![2]! % a.groups !== 0 || a.filters % a.groups !== 0) say(op, `${a.groups} groups do not divide ${x![2]} input channels and ${a.filters} filters`);
      if (T > 1 && a.filters % T !== 0) say(op, `${a.filters} filters do not split over ${T} towers`);
      return [windowOut(x![0]!, a.kernel[0], a.stride[0], a.dilation[0], a.pad[0], a.pad[1], a.padEnd[0]), windowOut(x![1]!, a.kernel[1], a.stride[1], a.dilation[1], a.pad[2], a.pad[3], a.padEnd[1]), a.filters];
    }
    case 'maxpool':
    case 'avgpool': {
      if (!need(1) || !spatial()) return null;
      const a = op.attrs;
      if (![a.window, a.stride].every(positiveInts) || !naturals(a.pad) || !naturals(a.padEnd)) return (say(op, 'has a window, stride or padding that is not a valid whole number'), null);
      return [windowOut(x![0]!, a.window[0], a.stride[0], 1, a.pad[0], a.pad[1], a.padEnd[0]), windowOut(x![1]!, a.window[1], a.stride[1], 1, a.pad[2], a.pad[3], a.padEnd[1]), x![2]!];
    }
    case 'globalavgpool':
    case 'globalmaxpool':
      return need(1) && spatial() ? [x![2]!] : null;
    case 'dense': {
      if (!need(1)) return null;
      if (x!.length !== 1) return (say(op, `needs a flat input, not ${show(x)}`), null);
      if (!positiveInts([op.attrs.units, op.attrs.groups])) return (say(op, 'has a unit or group count that is not a positive whole number'), null);
      if (x![0]! % op.attrs.groups !== 0) say(op, `${op.attrs.groups} groups do not divide ${x![0]} inputs`);
      return [op.attrs.units];
    }
    case 'flatten':
      return need(1) ? [product(x!)] : null;
    case 'add': {
      if (!need(2)) return null;
      const differs = op.inputShapes.find((s) => !same(s, x));
      if (differs) say(op, `adds ${show(x)} and ${show(differs)}`);
      return x!;
    }
    case 'concat': {
      if (!need(1)) return null;
      const rank = x!.length;
      if (op.inputShapes.some((s) => s.length !== rank || !same(s.slice(0, -1), x!.slice(0, -1)))) return (say(op, `joins inputs whose sizes differ other than in the last axis: ${op.inputShapes.map(show).join(', ')}`), null);
      return [...x!.slice(0, -1), op.inputShapes.reduce((a, s) => a + s[rank - 1]!, 0)];
    }
    case 'lrn':
    case 'batchnorm':
    case 'dropout':
    case 'activation':
    case 'softmax':
    case 'exchange':
      return need(1) ? x! : null;
  }
}

/** The parameters an op needs: role, name (null when absent) and shape. */
function expectedParams(op: PlanOp): [string, string | null, Shape][] {
  const x = op.inputShapes[0] ?? [];
  switch (op.op) {
    case 'conv2d': {
      const a = op.attrs;
      return [['weight', op.params.weight, [a.kernel[0], a.kernel[1], (x[2] ?? 0) / a.groups, a.filters]], ['bias', op.params.bias, [a.filters]]];
    }
    case 'dense':
      return [['weight', op.params.weight, [(x[0] ?? 0) / op.attrs.groups, op.attrs.units]], ['bias', op.params.bias, [op.attrs.units]]];
    case 'batchnorm': {
      const c = [x[x.length - 1] ?? 0];
      return [['scale', op.params.scale, c], ['shift', op.params.shift, c], ['running mean', op.params.mean, c], ['running variance', op.params.variance, c]];
    }
    default:
      return [];
  }
}
