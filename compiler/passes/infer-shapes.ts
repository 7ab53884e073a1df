/**
 * Shape inference and tower connectivity over the layer graph. Visits the
 * layers in list order (check-graph made sure every layer reads layers above
 * it), computing each output shape, the resolved padding, the tower split and
 * the cost, and emits the IR: the plan's ops, each naming the ops it reads by
 * id, with exchange ops inserted where a layer needs every tower's
 * activations. A shape that cannot be inferred becomes `null`, and the layers
 * that read it are skipped silently (one cause, one error), while independent
 * branches go on being checked. Dead branches are checked too, then left out.
 */
import { DiagnosticSink, type RelatedSpan } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { Span } from '../source/source-file.js';
import type { AddLayer, BatchNormLayer, ConcatLayer, ConvLayer, DenseLayer, GlobalPoolLayer, LayerSpec, ModelSpec, PoolLayer } from '../spec/types.js';
import type { OpCost, OpTowers, PlanOp, Shape } from '../../plan/types.js';
import { formatDecimal, outputDim, resolvePadding, type DimResult } from './geometry.js';
import { overrideNotes } from '../variants/override-notes.js';
import { MODEL_INPUT, type LayerGraph } from './check-graph.js';

const BYTES = 4; // float32
const product = (s: Shape) => s.reduce((a, b) => a * b, 1);
const showShape = (s: Shape) => s.join('x');

/** Whether a tensor between layers is the same on every tower, or split over them. */
type TowerState = 'replicated' | 'split';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type NewOp = DistributiveOmit<PlanOp, 'id' | 'inputs' | 'inputShapes'>;

/** A layer's output as the layers reading it see it. */
interface Value {
  /** null: unknown (an error upstream was reported). */
  shape: Shape | null;
  state: TowerState;
  /** Id of the op that produces it. */
  op: number;
  /** The layer that made it (`input` for the model input). */
  layer: string;
  /** Where it was made, to explain where an input size came from. */
  origin: { span?: Span; label: string };
}

export interface ShapeResult {
  /** The plan's ops: the live graph (dead branches left out), ids renumbered. */
  ops: PlanOp[];
  /** Output shape of the network, or null if unknown. */
  outputShape: Shape | null;
  /** The model's output op, or null. */
  output: string | null;
  /** The op producing the logits (the output softmax's input, or the output op). */
  logits: string | null;
}

export function inferShapes(spec: ModelSpec, graph: LayerGraph, doc: SpecDocument, reportTo: DiagnosticSink): ShapeResult {
  // A variant's change can break a shape downstream: its errors also point at the change.
  const notes = overrideNotes(doc, reportTo);
  const sink = notes.sink;
  const T = spec.towers;
  const ops: PlanOp[] = [];
  /** The layer index each op belongs to (-1: the model input). */
  const opLayer: number[] = [];
  const at = (layer: LayerSpec, field: string): Span | undefined => spanAt(doc, layer.src[field] ?? `${layer.pointer}/${field}`);
  const layerSpan = (layer: LayerSpec) => spanAt(doc, `${layer.pointer}/type`) ?? spanAt(doc, layer.pointer);
  const inputsSpan = (layer: LayerSpec) => spanAt(doc, layer.src.inputs ?? layer.src.input ?? `${layer.pointer}/type`);
  const cost = (params: number, macs: number, otherOps: number, out: Shape): OpCost => ({ params, macs, otherOps, outputBytes: product(out) * BYTES });

  let current = -1; // the layer being visited
  /** Appends an op reading the given ops; returns its id. */
  const push = (op: NewOp, reads: number[]): number => {
    const { name, layer, op: kind, outputShape, towers, cost: c, ...rest } = op;
    const id = ops.length;
    const inputShapes = reads.map((r) => ops[r]!.outputShape);
    ops.push({ id, name, layer, op: kind, inputs: reads, inputShapes, outputShape, towers, cost: c, ...rest } as PlanOp);
    opLayer.push(current);
    return id;
  };
  /** Tower facts of an op whose output is in `state`. */
  const towersOf = (connect: OpTowers['connect'], state: TowerState): OpTowers => ({ count: T, connect: T > 1 ? connect : 'local', output: T > 1 ? state : 'replicated' });

  // Op 0 is the model input: every other op names the ops it reads by id.
  push({ name: MODEL_INPUT, layer: MODEL_INPUT, op: 'input', outputShape: [...spec.input.shape], towers: { count: T, connect: 'replicated', output: 'replicated' }, cost: cost(0, 0, 0, spec.input.shape), attrs: {} }, []);
  const inputValue: Value = { shape: [...spec.input.shape], state: 'replicated', op: 0, layer: MODEL_INPUT, origin: { span: spanAt(doc, '/input/shape'), label: 'the model input is set here' } };

  /** The allgather a cross-tower layer needs when its input is split; the value it then reads. */
  const gatherIfSplit = (consumer: string, v: Value): Value => {
    if (T === 1 || v.state !== 'split') return v;
    const bytes = (T - 1) * product(v.shape!) * BYTES;
    const op = push({
      name: `${consumer}.gather`, layer: consumer, op: 'exchange', outputShape: v.shape!,
      towers: { count: T, connect: 'all', output: 'replicated' }, cost: cost(0, 0, 0, [0]),
      attrs: { kind: 'allgather', consumer, forwardBytes: bytes, backwardBytes: bytes },
    }, [v.op]);
    return { ...v, state: 'replicated', op };
  };

  const values: Value[] = [];
  /** For each softmax layer, the op whose output feeds it (the logits). */
  const logitsOf = new Map<number, number>();

  spec.layers.forEach((layer, i) => {
    current = i;
    notes.enterLayer(layer.pointer);
    const poisoned: Value = { shape: null, state: 'replicated', op: -1, layer: layer.name, origin: { label: '' } };
    const ids = graph.inputs[i];
    const ins = ids?.map((j) => (j < 0 ? inputValue : values[j]!));
    // Unknown inputs were reported where they went wrong: nothing more to say here.
    if (!ins || ins.some((v) => v.shape === null)) {
      values.push(poisoned);
      return;
    }
    const out = inferLayer(layer, i, ins);
    values.push(out ? { ...out, layer: layer.name, origin: { span: layerSpan(layer), label: `the input comes from \`${layer.name}\`` } } : poisoned);
  });

  function inferLayer(layer: LayerSpec, index: number, ins: Value[]): Pick<Value, 'shape' | 'state' | 'op'> | null {
    const v = ins[0]!;
    const input = v.shape!;
    const spatial = input.length === 3;
    const needSpatial = () => {
      if (spatial) return true;
      sink.report('NETC3106', layerSpan(layer), { type: layer.type, name: layer.name, shape: showShape(input) }, { hint: 'spatial layers must come before `flatten` and the dense layers' });
      return false;
    };
    /** An op with the input's layout, reading the one input. */
    const local = (op: NewOp, state = v.state) => ({ shape: op.outputShape, state, op: push(op, [v.op]) });

    switch (layer.type) {
      case 'conv':
        return needSpatial() ? conv(layer, v) : null;
      case 'maxpool':
      case 'avgpool':
        return needSpatial() ? pool(layer, v) : null;
      case 'lrn': {
        if (!needSpatial()) return null;
        const c = input[2]!;
        return local({
          name: layer.name, layer: layer.name, op: 'lrn', outputShape: input,
          towers: towersOf('local', v.state), cost: cost(0, 0, product(input) * (2 * layer.size + 3), input),
          attrs: { size: layer.size, alpha: layer.alpha, beta: layer.beta, k: layer.k, channelsPerTower: v.state === 'split' ? c / T : c },
        });
      }
      case 'dropout':
        return local({ name: layer.name, layer: layer.name, op: 'dropout', outputShape: input, towers: towersOf('local', v.state), cost: cost(0, 0, product(input), input), attrs: { p: layer.p } });
      case 'activation':
        return local({ name: layer.name, layer: layer.name, op: 'activation', outputShape: input, towers: towersOf('local', v.state), cost: cost(0, 0, product(input), input), attrs: layer.act });
      case 'flatten': {
        const out = [product(input)];
        return local({ name: layer.name, layer: layer.name, op: 'flatten', outputShape: out, towers: towersOf('local', v.state), cost: cost(0, 0, 0, out), attrs: { order: T > 1 && v.state === 'split' && spatial ? 'tower-major' : 'hwc' } });
      }
      case 'dense': {
        let flat = v;
        if (spatial) {
          sink.report('NETC3105', layerSpan(layer), { name: layer.name, shape: showShape(input) }, { hint: `add \`{ type: flatten }\` before \`${layer.name}\` to say so` });
          const shape = [product(input)];
          const op = push({ name: `${layer.name}.flatten`, layer: layer.name, op: 'flatten', outputShape: shape, towers: towersOf('local', v.state), cost: cost(0, 0, 0, shape), attrs: { order: T > 1 && v.state === 'split' ? 'tower-major' : 'hwc' } }, [v.op]);
          flat = { ...v, shape, op };
        }
        return dense(layer, flat);
      }
      case 'softmax': {
        if (spatial) {
          sink.report('NETC3106', layerSpan(layer), { type: 'softmax', name: layer.name, shape: showShape(input) }, { hint: 'add `flatten` and a dense layer with one unit per class before the softmax' });
          return null;
        }
        logitsOf.set(index, v.op);
        const g = gatherIfSplit(layer.name, v);
        const op = push({ name: layer.name, layer: layer.name, op: 'softmax', outputShape: input, towers: { count: T, connect: T > 1 ? 'replicated' : 'local', output: 'replicated' }, cost: cost(0, 0, 3 * product(input), input), attrs: {} }, [g.op]);
        return { shape: input, state: 'replicated', op };
      }
      case 'batchnorm':
        return batchnorm(layer, v);
      case 'globalavgpool':
      case 'globalmaxpool':
        return needSpatial() ? globalPool(layer, v) : null;
      case 'add':
        return add(layer, ins);
      case 'concat':
        return concat(layer, ins);
    }
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

  function dims(layer: ConvLayer | PoolLayer, v: Value, kernel: [number, number], dilation: [number, number]) {
    const input = v.shape!;
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
          related: v.origin.span ? [{ span: v.origin.span, label: v.origin.label }] : [],
        });
        return;
      }
      const stride = layer.stride[axis];
      const up = stride - r.remainder;
      const inputWord = v.op === 0 ? 'a model input' : 'an input';
      const hint =
        `use ${inputWord} ${dim} of ${size + up}${size - r.remainder > 0 ? ` or ${size - r.remainder}` : ''}, ` +
        `add ${up} more pixel${up === 1 ? '' : 's'} of padding, or set \`round: ceil\` (${Math.floor(r.exact) + 1}, as cuda-convnet) or \`round: floor\` (${Math.floor(r.exact)}, dropping the partial window)`;
      sink.report('NETC3101', at(layer, stride > 1 ? 'stride' : kernelField), {
        what: `\`${layer.name}\``, dim, size, pads: padSum, kernel: r.effectiveKernel, stride, value: formatDecimal(r.exact),
      }, { hint, related: v.origin.span ? [{ span: v.origin.span, label: `${v.origin.label} (${dim} ${size})` }] : [] });
    });
    if (failed) return null;
    const ok = results as Extract<DimResult, { ok: true }>[];
    return {
      out: [ok[0]!.out, ok[1]!.out] as [number, number],
      pad: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]] as [number, number, number, number],
      padEnd: [ok[0]!.padEnd, ok[1]!.padEnd] as [number, number],
    };
  }

  function conv(layer: ConvLayer, v: Value) {
    checkConnect(layer);
    const cin = v.shape![2]!;
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
    const g = dims(layer, v, layer.kernel, layer.dilation);
    if (!g || !ok) return null;
    const src = T > 1 && layer.connect === 'all' ? gatherIfSplit(layer.name, v) : v;
    const out: Shape = [g.out[0], g.out[1], layer.filters];
    const weights = layer.kernel[0] * layer.kernel[1] * (cin / groups) * layer.filters;
    const outElems = product(out);
    const params = weights + (layer.bias ? layer.filters : 0);
    const macs = outElems * layer.kernel[0] * layer.kernel[1] * (cin / groups);
    const other = (layer.bias ? outElems : 0) + (layer.act.fn === 'linear' ? 0 : outElems);
    const state: TowerState = T > 1 ? 'split' : 'replicated';
    const op = push({
      name: layer.name, layer: layer.name, op: 'conv2d', outputShape: out,
      towers: towersOf(layer.connect, state), cost: cost(params, macs, other, out),
      attrs: { filters: layer.filters, kernel: layer.kernel, stride: layer.stride, dilation: layer.dilation, pad: g.pad, padEnd: g.padEnd, groups, specGroups: layer.groups, activation: layer.act },
      params: { weight: `${layer.name}.weight`, bias: layer.bias ? `${layer.name}.bias` : null },
    }, [src.op]);
    return { shape: out, state, op };
  }

  function pool(layer: PoolLayer, v: Value) {
    const g = dims(layer, v, layer.window, [1, 1]);
    if (!g) return null;
    const out: Shape = [g.out[0], g.out[1], v.shape![2]!];
    const window = layer.window[0] * layer.window[1];
    const op = push({
      name: layer.name, layer: layer.name, op: layer.type, outputShape: out,
      towers: towersOf('local', v.state), cost: cost(0, 0, product(out) * (layer.type === 'maxpool' ? window - 1 : window), out),
      attrs: { window: layer.window, stride: layer.stride, pad: g.pad, padEnd: g.padEnd },
    }, [v.op]);
    return { shape: out, state: v.state, op };
  }

  function dense(layer: DenseLayer, v: Value) {
    checkConnect(layer);
    const n = v.shape![0]!;
    let ok = towerSplitOk(layer, layer.units, 'units', 'units');
    const groups = T > 1 && layer.connect === 'tower' ? T : 1;
    if (groups > 1 && n % T !== 0) {
      sink.report('NETC3103', at(layer, 'connect'), { what: `inputs of \`${layer.name}\``, count: n, towers: T }, { hint: 'use `connect: all`' });
      ok = false;
    }
    if (!ok) return null;
    const src = T > 1 && layer.connect === 'all' ? gatherIfSplit(layer.name, v) : v;
    const out: Shape = [layer.units];
    const macs = (n / groups) * layer.units;
    const params = macs + (layer.bias ? layer.units : 0);
    const other = (layer.bias ? layer.units : 0) + (layer.act.fn === 'linear' ? 0 : layer.units);
    const state: TowerState = T > 1 ? 'split' : 'replicated';
    const op = push({
      name: layer.name, layer: layer.name, op: 'dense', outputShape: out,
      towers: towersOf(layer.connect, state), cost: cost(params, macs, other, out),
      attrs: { units: layer.units, groups, activation: layer.act },
      params: { weight: `${layer.name}.weight`, bias: layer.bias ? `${layer.name}.bias` : null },
    }, [src.op]);
    return { shape: out, state, op };
  }

  function batchnorm(layer: BatchNormLayer, v: Value) {
    const input = v.shape!;
    const channels = input[input.length - 1]!;
    const size = product(input);
    const op = push({
      name: layer.name, layer: layer.name, op: 'batchnorm', outputShape: input,
      towers: towersOf('local', v.state),
      // Inference form: one multiply and one add per value (the statistics folded into them), then the activation.
      cost: cost(layer.affine ? 2 * channels : 0, 0, 2 * size + (layer.act.fn === 'linear' ? 0 : size), input),
      attrs: { momentum: layer.momentum, epsilon: layer.epsilon, affine: layer.affine, activation: layer.act },
      params: { scale: layer.affine ? `${layer.name}.scale` : null, shift: layer.affine ? `${layer.name}.shift` : null, mean: `${layer.name}.running_mean`, variance: `${layer.name}.running_var` },
    }, [v.op]);
    return { shape: input, state: v.state, op };
  }

  function globalPool(layer: GlobalPoolLayer, v: Value) {
    const input = v.shape!;
    const out: Shape = [input[2]!];
    const op = push({ name: layer.name, layer: layer.name, op: layer.type, outputShape: out, towers: towersOf('local', v.state), cost: cost(0, 0, product(input), out), attrs: {} }, [v.op]);
    return { shape: out, state: v.state, op };
  }

  /** `bn2` (28x28x128) and `input` (56x56x64), and a note at each input's layer. */
  function describeInputs(pair: Value[]): { inputs: string; related: RelatedSpan[] } {
    const inputs = pair.map((x) => `\`${x.layer}\` (${showShape(x.shape!)})`).join(' and ');
    const related = pair.flatMap((x) => (x.origin.span ? [{ span: x.origin.span, label: x.layer === MODEL_INPUT ? `the model input is ${showShape(x.shape!)}` : `\`${x.layer}\` makes ${showShape(x.shape!)}` }] : []));
    return { inputs, related };
  }

  function add(layer: AddLayer, ins: Value[]) {
    const first = ins[0]!;
    const shape = first.shape!;
    const other = ins.find((x) => showShape(x.shape!) !== showShape(shape));
    if (other) {
      const { inputs, related } = describeInputs([first, other]);
      sink.report('NETC3112', inputsSpan(layer), { name: layer.name, inputs }, { hint: projectionHint(first, other), related });
      return null;
    }
    const size = product(shape);
    // A replicated input meets a split one tower by tower: each tower takes its slice, no communication.
    const state: TowerState = ins.some((x) => x.state === 'split') ? 'split' : 'replicated';
    const op = push({
      name: layer.name, layer: layer.name, op: 'add', outputShape: shape, towers: towersOf('local', state),
      cost: cost(0, 0, (ins.length - 1) * size + (layer.act.fn === 'linear' ? 0 : size), shape), attrs: { activation: layer.act },
    }, ins.map((x) => x.op));
    return { shape, state, op };
  }

  function concat(layer: ConcatLayer, ins: Value[]) {
    const first = ins[0]!;
    const rank = first.shape!.length;
    const spatialOf = (s: Shape) => s.slice(0, -1).join('x');
    const other = ins.find((x) => x.shape!.length !== rank || spatialOf(x.shape!) !== spatialOf(first.shape!));
    if (other) {
      const { inputs, related } = describeInputs([first, other]);
      const what = other.shape!.length !== rank ? 'their ranks' : rank === 3 ? 'their heights and widths' : 'their leading sizes';
      const hint = rank === 3 && other.shape!.length === 3
        ? 'every branch must keep the same height and width: check the stride and padding of the layers on the way (`pad: same` keeps the size at stride 1)'
        : 'concatenate spatial inputs with spatial inputs and flat ones with flat ones';
      sink.report('NETC3113', inputsSpan(layer), { name: layer.name, inputs, what }, { hint, related });
      return null;
    }
    const split = T > 1 && ins.some((x) => x.state === 'split');
    if (split) {
      // Tower-major: each tower joins its own slices, so a replicated input is cut into T slices too.
      for (const x of ins) {
        const c = x.shape![rank - 1]!;
        if (x.state === 'replicated' && c % T !== 0) {
          sink.report('NETC3103', inputsSpan(layer), { what: `channels of \`${x.layer}\``, count: c, towers: T }, { hint: `give \`${x.layer}\` a multiple of ${T} channels, so that each tower takes its share` });
          return null;
        }
      }
    }
    const shape = [...first.shape!.slice(0, -1), ins.reduce((a, x) => a + x.shape![rank - 1]!, 0)];
    const state: TowerState = split ? 'split' : 'replicated';
    const op = push({
      name: layer.name, layer: layer.name, op: 'concat', outputShape: shape, towers: towersOf('local', state),
      cost: cost(0, 0, 0, shape), attrs: { order: split ? 'tower-major' : 'plain' },
    }, ins.map((x) => x.op));
    return { shape, state, op };
  }

  /** How to make `other` match `first` in an add: a projection (1x1 conv or dense) of the right stride and width. */
  function projectionHint(first: Value, other: Value): string {
    const a = first.shape!;
    const b = other.shape!;
    if (a.length === 3 && b.length === 3) {
      // The larger input is brought to the smaller one's size (with equal sizes: the second to the first).
      const [big, small] = a[0]! > b[0]! ? [first, other] : [other, first];
      const [bs, ss] = [big.shape!, small.shape!];
      const s = bs[0]! / ss[0]!;
      if (Number.isInteger(s) && bs[1]! / ss[1]! === s) {
        const stride = s > 1 ? ` and stride ${s}` : '';
        return `project \`${big.layer}\` to ${showShape(ss)} first: a 1x1 conv with ${ss[2]} filters${stride} (the ResNet shortcut), and add that`;
      }
    }
    if (a.length === 1 && b.length === 1) return `project \`${other.layer}\` to ${a[0]} units first (a dense layer), and add that`;
    return 'the inputs of `add` must have one shape';
  }

  // Dead branches were checked like the rest; the plan holds only what reaches the output.
  const live = (id: number) => opLayer[id]! < 0 || graph.live[opLayer[id]!]!;
  const renumber = new Map<number, number>();
  const kept: PlanOp[] = [];
  for (const op of ops) {
    if (!live(op.id)) continue;
    renumber.set(op.id, kept.length);
    kept.push(kept.length === op.id ? op : { ...op, id: kept.length, inputs: op.inputs.map((r) => renumber.get(r)!) });
  }
  const outputValue = graph.output === null ? undefined : values[graph.output];
  const outputOp = outputValue && outputValue.op >= 0 ? ops[outputValue.op]! : undefined;
  // The logits feed the output softmax; a layer left after the softmax (NETC3003) does not change that.
  let k = graph.output ?? -1;
  while (k >= 0 && spec.layers[k]!.type !== 'softmax') k = graph.inputs[k]?.length === 1 ? graph.inputs[k]![0]! : -1;
  const softmaxInput = k >= 0 ? logitsOf.get(k) : undefined;
  return {
    ops: kept,
    outputShape: outputValue?.shape ?? null,
    output: outputOp?.name ?? null,
    logits: softmaxInput !== undefined ? ops[softmaxInput]!.name : (outputOp?.name ?? null),
  };
}
