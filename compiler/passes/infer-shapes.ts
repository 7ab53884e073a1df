/**
 * Pass 4: shape inference and tower connectivity. Walks the layers in order,
 * computing each output shape, the resolved padding, the tower split and the
 * cost, and emits the IR: the plan's op list (with exchange ops inserted where
 * a layer needs every tower's activations). A shape that cannot be inferred
 * becomes `null` and later layers skip their checks (one cause, one error).
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { Span } from '../source/source-file.js';
import type { ConvLayer, DenseLayer, LayerSpec, ModelSpec, PoolLayer } from '../spec/types.js';
import type { OpCost, OpTowers, PlanOp, Shape } from '../../plan/types.js';
import { formatDecimal, outputDim, resolvePadding, type DimResult } from './geometry.js';
import { overrideNotes } from '../variants/override-notes.js';

const BYTES = 4; // float32
const product = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** Whether a tensor between layers is the same on every tower, or split over them. */
type TowerState = 'replicated' | 'split';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface ShapeResult {
  ops: PlanOp[];
  /** Output shape of the network, or null if unknown. */
  outputShape: Shape | null;
  /** The op producing the logits (the softmax's input, or the last op). */
  logits: string | null;
}

export function inferShapes(spec: ModelSpec, doc: SpecDocument, reportTo: DiagnosticSink): ShapeResult {
  // A variant's change can break a shape downstream: its errors also point at the change.
  const notes = overrideNotes(doc, reportTo);
  const sink = notes.sink;
  const T = spec.towers;
  const ops: PlanOp[] = [];
  const at = (layer: LayerSpec, field: string): Span | undefined => spanAt(doc, layer.src[field] ?? `${layer.pointer}/${field}`);
  const layerSpan = (layer: LayerSpec) => spanAt(doc, `${layer.pointer}/type`) ?? spanAt(doc, layer.pointer);

  let shape: Shape | null = [...spec.input.shape];
  let state = 'replicated' as TowerState;
  let prevName = 'input';
  let prevId = 0;
  /** The layer that last set the shape, to explain where an input size came from. */
  let shapeOrigin: { span?: Span; label: string } = { span: spanAt(doc, '/input/shape'), label: 'the model input is set here' };
  let softmaxSeen: string | null = null;
  let logits: string | null = null;

  /** Appends an op reading the previous op's output; `state` must already describe its output. */
  const push = (op: DistributiveOmit<PlanOp, 'id' | 'inputs' | 'inputShapes'>) => {
    const { name, layer, op: kind, outputShape, towers, cost, ...rest } = op;
    const input = ops[prevId]!.outputShape;
    const full = { id: ops.length, name, layer, op: kind, inputs: [prevId], inputShapes: [input], outputShape, towers, cost, ...rest } as PlanOp;
    ops.push(full);
    prevName = full.name;
    prevId = full.id;
    return full;
  };
  const cost = (params: number, macs: number, otherOps: number, out: Shape): OpCost => ({ params, macs, otherOps, outputBytes: product(out) * BYTES });
  /** Tower facts of an op that reads a value in the current `state`, which is its output's layout too. */
  const towersOf = (connect: OpTowers['connect']): OpTowers => ({ count: T, connect: T > 1 ? connect : 'local', output: T > 1 ? (state === 'split' ? 'split' : 'replicated') : 'replicated' });
  // Op 0 is the model input: every other op names the ops it reads by id.
  ops.push({
    id: 0, name: 'input', layer: 'input', op: 'input', inputs: [], inputShapes: [], outputShape: [...spec.input.shape],
    towers: { count: T, connect: 'replicated', output: 'replicated' }, cost: cost(0, 0, 0, spec.input.shape), attrs: {},
  });

  /** Inserts the allgather that a cross-tower layer needs, when its input is split. */
  const gatherIfSplit = (consumer: string, input: Shape) => {
    if (T === 1 || state !== 'split') return;
    const bytes = ((T - 1) * product(input) * BYTES);
    push({
      name: `${consumer}.gather`, layer: consumer, op: 'exchange', outputShape: input,
      towers: { count: T, connect: 'all', output: 'replicated' }, cost: cost(0, 0, 0, [0]),
      attrs: { kind: 'allgather', consumer, forwardBytes: bytes, backwardBytes: bytes },
    });
    state = 'replicated';
  };

  for (const layer of spec.layers) {
    notes.enterLayer(layer.pointer);
    if (softmaxSeen) sink.report('NETC3003', layerSpan(layer), { name: layer.name, output: softmaxSeen }, { hint: 'the softmax is the output: move this layer before it, or remove it' });
    if (shape === null) continue; // poisoned by an earlier error
    const input: Shape = shape;
    const spatial = input.length === 3;

    const needSpatial = () => {
      if (spatial) return true;
      sink.report('NETC3106', layerSpan(layer), { type: layer.type, name: layer.name, shape: input.join('x') }, { hint: 'spatial layers must come before `flatten` and the dense layers' });
      return false;
    };

    switch (layer.type) {
      case 'conv': {
        if (!needSpatial()) { shape = null; break; }
        const out = convOutput(layer, input);
        shape = out;
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        if (!needSpatial()) { shape = null; break; }
        shape = poolOutput(layer, input);
        break;
      }
      case 'lrn': {
        if (!needSpatial()) { shape = null; break; }
        const c = input[2]!;
        const perTower = state === 'split' ? c / T : c;
        push({
          name: layer.name, layer: layer.name, op: 'lrn', outputShape: input,
          towers: towersOf('local'), cost: cost(0, 0, product(input) * (2 * layer.size + 3), input),
          attrs: { size: layer.size, alpha: layer.alpha, beta: layer.beta, k: layer.k, channelsPerTower: perTower },
        });
        break;
      }
      case 'dropout':
        push({ name: layer.name, layer: layer.name, op: 'dropout', outputShape: input, towers: towersOf('local'), cost: cost(0, 0, product(input), input), attrs: { p: layer.p } });
        break;
      case 'activation':
        push({ name: layer.name, layer: layer.name, op: 'activation', outputShape: input, towers: towersOf('local'), cost: cost(0, 0, product(input), input), attrs: layer.act });
        break;
      case 'flatten': {
        const out = [product(input)];
        push({ name: layer.name, layer: layer.name, op: 'flatten', outputShape: out, towers: towersOf('local'), cost: cost(0, 0, 0, out), attrs: { order: T > 1 && state === 'split' && spatial ? 'tower-major' : 'hwc' } });
        shape = out;
        break;
      }
      case 'dense': {
        let flat = input;
        if (spatial) {
          sink.report('NETC3105', layerSpan(layer), { name: layer.name, shape: input.join('x') }, { hint: `add \`{ type: flatten }\` before \`${layer.name}\` to say so` });
          flat = [product(input)];
          push({ name: `${layer.name}.flatten`, layer: layer.name, op: 'flatten', outputShape: flat, towers: towersOf('local'), cost: cost(0, 0, 0, flat), attrs: { order: T > 1 && state === 'split' ? 'tower-major' : 'hwc' } });
        }
        shape = denseOutput(layer, flat);
        break;
      }
      case 'softmax': {
        if (spatial) {
          sink.report('NETC3106', layerSpan(layer), { type: 'softmax', name: layer.name, shape: input.join('x') }, { hint: 'add `flatten` and a dense layer with one unit per class before the softmax' });
          shape = null;
          break;
        }
        logits = prevName;
        gatherIfSplit(layer.name, input);
        state = 'replicated';
        push({ name: layer.name, layer: layer.name, op: 'softmax', outputShape: input, towers: { count: T, connect: T > 1 ? 'replicated' : 'local', output: 'replicated' }, cost: cost(0, 0, 3 * product(input), input), attrs: {} });
        softmaxSeen = layer.name;
        break;
      }
    }
    if (shape !== null) shapeOrigin = { span: layerSpan(layer), label: `the input comes from \`${layer.name}\`` };
  }

  function towerSplitOk(layer: ConvLayer | DenseLayer, count: number, field: string, what: string): boolean {
    if (T === 1 || count % T === 0) return true;
    const lower = Math.floor(count / T) * T;
    sink.report('NETC3103', at(layer, field), { what: `${what} of \`${layer.name}\``, count, towers: T }, { hint: `use a multiple of ${T}, such as ${lower || T} or ${lower + T}` });
    return false;
  }

  function checkConnect(layer: ConvLayer | DenseLayer) {
    if (T === 1 && layer.src.connect?.startsWith(layer.pointer)) {
      sink.report('NETC3107', at(layer, 'connect'), { connect: layer.connect }, { hint: 'set `towers` on the model, or remove `connect`' });
    }
  }

  function dims(layer: ConvLayer | PoolLayer, input: Shape, kernel: [number, number], dilation: [number, number]) {
    const results: DimResult[] = [];
    const pads: [number, number][] = [];
    let paddingWarned = false;
    for (const axis of [0, 1] as const) {
      const p = resolvePadding(layer.pad, axis, input[axis]!, kernel[axis], layer.stride[axis], dilation[axis]);
      pads.push(p);
      if ((p[0] >= kernel[axis] || p[1] >= kernel[axis]) && layer.pad.kind === 'explicit' && !paddingWarned) {
        paddingWarned = true; // one warning per layer, not one per axis
        sink.report('NETC3108', at(layer, 'pad'), { pad: Math.max(...p), dim: axis === 0 ? 'height' : 'width', kernel: kernel[axis] }, { hint: 'padding is usually at most (kernel - 1) / 2' });
      }
      results.push(outputDim({ size: input[axis]!, kernel: kernel[axis], stride: layer.stride[axis], dilation: dilation[axis], padBefore: p[0], padAfter: p[1], round: layer.round }));
    }
    let failed = false;
    results.forEach((r, axis) => {
      if (r.ok) return;
      failed = true;
      const dim = axis === 0 ? 'height' : 'width';
      // Report a square problem once, not once per axis.
      if (axis === 1 && !results[0]!.ok && input[0] === input[1] && kernel[0] === kernel[1] && layer.stride[0] === layer.stride[1] && pads[0]![0] === pads[1]![0] && pads[0]![1] === pads[1]![1]) return;
      const kernelField = layer.type === 'conv' ? 'kernel' : 'window';
      const size = input[axis]!;
      const padSum = pads[axis]![0] + pads[axis]![1];
      if (r.reason === 'kernel-too-large') {
        sink.report('NETC3102', at(layer, kernelField), { kind: layer.type === 'conv' ? 'kernel' : 'window', dim, kernel: r.effectiveKernel, size: r.padded }, {
          hint: `use a ${kernelField} of at most ${r.padded}, or pad the input`,
          related: shapeOrigin.span ? [{ span: shapeOrigin.span, label: shapeOrigin.label }] : [],
        });
        return;
      }
      const stride = layer.stride[axis];
      const up = stride - r.remainder;
      const what = `\`${layer.name}\``;
      const isFirst = prevName === 'input';
      const inputWord = isFirst ? 'a model input' : 'an input';
      const hint =
        `use ${inputWord} ${dim} of ${size + up}${size - r.remainder > 0 ? ` or ${size - r.remainder}` : ''}, ` +
        `add ${up} more pixel${up === 1 ? '' : 's'} of padding, or set \`round: ceil\` (${Math.floor(r.exact) + 1}, as cuda-convnet) or \`round: floor\` (${Math.floor(r.exact)}, dropping the partial window)`;
      sink.report('NETC3101', at(layer, stride > 1 ? 'stride' : kernelField), {
        what, dim, size, pads: padSum, kernel: r.effectiveKernel, stride, value: formatDecimal(r.exact),
      }, { hint, related: shapeOrigin.span ? [{ span: shapeOrigin.span, label: `${shapeOrigin.label} (${dim} ${size})` }] : [] });
    });
    if (failed) return null;
    const ok = results as Extract<DimResult, { ok: true }>[];
    return {
      out: [ok[0]!.out, ok[1]!.out] as [number, number],
      pad: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]] as [number, number, number, number],
      padEnd: [ok[0]!.padEnd, ok[1]!.padEnd] as [number, number],
    };
  }

  function convOutput(layer: ConvLayer, input: Shape): Shape | null {
    checkConnect(layer);
    const cin = input[2]!;
    let ok = towerSplitOk(layer, layer.filters, 'filters', 'filters');
    const towerGroups = T > 1 && layer.connect === 'tower' ? T : 1;
    if (towerGroups > 1 && cin % T !== 0) {
      sink.report('NETC3103', at(layer, 'connect'), { what: `input channels of \`${layer.name}\``, count: cin, towers: T }, { hint: 'use `connect: all`, or give the previous layer a multiple of the tower count' });
      ok = false;
    }
    const groups = towerGroups * layer.groups;
    if (ok && layer.groups > 1) {
      const per = T > 1 ? ' per tower' : '';
      for (const [what, count] of [[`input channels${per}`, cin / towerGroups], [`filters${per}`, layer.filters / (T > 1 ? T : 1)]] as const) {
        if (count % layer.groups !== 0) {
          sink.report('NETC3104', at(layer, 'groups'), { what: `${what} of \`${layer.name}\``, count, groups: layer.groups }, { hint: 'choose groups that divide both the input channels and the filters' });
          ok = false;
        }
      }
    }
    const g = dims(layer, input, layer.kernel, layer.dilation);
    if (!g || !ok) return null;
    if (T > 1 && layer.connect === 'all') gatherIfSplit(layer.name, input);
    const out: Shape = [g.out[0], g.out[1], layer.filters];
    const weights = layer.kernel[0] * layer.kernel[1] * (cin / groups) * layer.filters;
    const outElems = product(out);
    const params = weights + (layer.bias ? layer.filters : 0);
    const macs = outElems * layer.kernel[0] * layer.kernel[1] * (cin / groups);
    const other = (layer.bias ? outElems : 0) + (layer.act.fn === 'linear' ? 0 : outElems);
    state = T > 1 ? 'split' : 'replicated';
    push({
      name: layer.name, layer: layer.name, op: 'conv2d', outputShape: out,
      towers: towersOf(layer.connect), cost: cost(params, macs, other, out),
      attrs: { filters: layer.filters, kernel: layer.kernel, stride: layer.stride, dilation: layer.dilation, pad: g.pad, padEnd: g.padEnd, groups, specGroups: layer.groups, activation: layer.act },
      params: { weight: `${layer.name}.weight`, bias: layer.bias ? `${layer.name}.bias` : null },
    });
    return out;
  }

  function poolOutput(layer: PoolLayer, input: Shape): Shape | null {
    const g = dims(layer, input, layer.window, [1, 1]);
    if (!g) return null;
    const out: Shape = [g.out[0], g.out[1], input[2]!];
    const window = layer.window[0] * layer.window[1];
    push({
      name: layer.name, layer: layer.name, op: layer.type, outputShape: out,
      towers: towersOf('local'), cost: cost(0, 0, product(out) * (layer.type === 'maxpool' ? window - 1 : window), out),
      attrs: { window: layer.window, stride: layer.stride, pad: g.pad, padEnd: g.padEnd },
    });
    return out;
  }

  function denseOutput(layer: DenseLayer, input: Shape): Shape | null {
    checkConnect(layer);
    const n = input[0]!;
    let ok = towerSplitOk(layer, layer.units, 'units', 'units');
    const groups = T > 1 && layer.connect === 'tower' ? T : 1;
    if (groups > 1 && n % T !== 0) {
      sink.report('NETC3103', at(layer, 'connect'), { what: `inputs of \`${layer.name}\``, count: n, towers: T }, { hint: 'use `connect: all`' });
      ok = false;
    }
    if (!ok) return null;
    if (T > 1 && layer.connect === 'all') gatherIfSplit(layer.name, input);
    const out: Shape = [layer.units];
    const macs = (n / groups) * layer.units;
    const params = macs + (layer.bias ? layer.units : 0);
    const other = (layer.bias ? layer.units : 0) + (layer.act.fn === 'linear' ? 0 : layer.units);
    state = T > 1 ? 'split' : 'replicated';
    push({
      name: layer.name, layer: layer.name, op: 'dense', outputShape: out,
      towers: towersOf(layer.connect), cost: cost(params, macs, other, out),
      attrs: { units: layer.units, groups, activation: layer.act },
      params: { weight: `${layer.name}.weight`, bias: layer.bias ? `${layer.name}.bias` : null },
    });
    return out;
  }

  if (logits === null && ops.length > 0) logits = ops[ops.length - 1]!.name;
  return { ops, outputShape: shape, logits };
}
