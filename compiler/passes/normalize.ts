/**
 * Pass 2: a form-valid spec document -> ModelSpec. Expands shorthands, fills
 * defaults and parses initializer/activation expressions (reporting their
 * errors at the exact text). Runs only on a document that passed the schema,
 * so types are known here.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type JsonValue, type SpecDocument } from '../frontend/document.js';
import { parseActivation, parseInit } from '../spec/init.js';
import { effectiveLayerNames } from '../spec/layer-names.js';
import type {
  Activation, ConvLayer, DataSpec, DenseLayer, InitSpec, LayerSpec, Metric, ModelSpec, OptimizerSpec, PadSpec, Pair,
  Rounding, ScheduleSpec, TrainSpec, WeightedLayerFields,
} from '../spec/types.js';

type Obj = Record<string, JsonValue>;

export const DEFAULTS = {
  seed: 1,
  init: 'glorot_uniform',
  bias: 0,
  act: 'linear',
  lrn: { size: 5, alpha: 1e-4, beta: 0.75, k: 2 },
  dropout: 0.5,
  leakySlope: 0.01,
  batchnorm: { momentum: 0.1, epsilon: 1e-5 },
  batch: 128,
  epochs: 90,
  optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9, weight_decay: 0.0005 },
} as const;

const pairOf = (v: JsonValue | undefined, fallback: Pair): Pair =>
  v === undefined ? fallback : Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number];

function padOf(v: JsonValue | undefined): PadSpec {
  if (v === undefined || v === 'valid') return { kind: 'valid' };
  if (v === 'same') return { kind: 'same' };
  if (typeof v === 'number') return { kind: 'explicit', pads: [v, v, v, v] };
  const a = v as number[];
  if (a.length === 2) return { kind: 'explicit', pads: [a[0]!, a[0]!, a[1]!, a[1]!] };
  return { kind: 'explicit', pads: [a[0]!, a[1]!, a[2]!, a[3]!] };
}

export function normalizeSpec(doc: SpecDocument, sink: DiagnosticSink): ModelSpec {
  const root = doc.value as Obj;
  const defaults = (root.defaults ?? {}) as Obj;
  const towers = (root.towers as number | undefined) ?? 1;
  const readInit = (value: JsonValue, pointer: string): InitSpec => {
    const r = parseInit(value as number | string);
    if (r.ok) return r.value;
    sink.report('NETC2007', spanAt(doc, pointer), { text: String(value), detail: r.detail }, r.hint ? { hint: r.hint } : {});
    return { kind: 'constant', value: 0 };
  };
  const readAct = (value: JsonValue, pointer: string): Activation => {
    const r = parseActivation(value as string);
    if (r.ok) return r.value;
    sink.report('NETC2010', spanAt(doc, pointer), { text: String(value), detail: r.detail }, { hint: 'use relu, tanh, sigmoid, linear, leaky_relu or leaky_relu(0.2)' });
    return { fn: 'linear' };
  };

  /** A field from the layer, else from `defaults`, else a built-in default; records where it came from. */
  const pick = (l: Obj, pointer: string, src: Record<string, string>, field: string, defaultKey = field): JsonValue | undefined => {
    if (l[field] !== undefined) {
      src[field] = `${pointer}/${field}`;
      return l[field];
    }
    if (defaults[defaultKey] !== undefined) {
      src[field] = `/defaults/${defaultKey}`;
      return defaults[defaultKey];
    }
    return undefined;
  };

  const weighted = (l: Obj, pointer: string, src: Record<string, string>): WeightedLayerFields => {
    const initV = pick(l, pointer, src, 'init') ?? DEFAULTS.init;
    const biasV = pick(l, pointer, src, 'bias') ?? DEFAULTS.bias;
    const actV = pick(l, pointer, src, 'act') ?? DEFAULTS.act;
    const lr = pick(l, pointer, src, 'lr_mult');
    const decay = pick(l, pointer, src, 'decay_mult');
    if (l.connect !== undefined) src.connect = `${pointer}/connect`;
    return {
      connect: (l.connect as 'tower' | 'all' | undefined) ?? 'all',
      act: readAct(actV, src.act ?? pointer),
      init: readInit(initV, src.init ?? pointer),
      bias: biasV === false ? null : readInit(biasV === true ? 0 : biasV, src.bias ?? pointer),
      lrMult: pairOf(lr, [1, 1]),
      decayMult: pairOf(decay, [1, 1]),
    };
  };

  let previous = 'input';
  const rawLayers = (root.layers as Obj[] | undefined) ?? [];
  const names = effectiveLayerNames(rawLayers);
  const layers: LayerSpec[] = rawLayers.map((l, index) => {
    const layer = normalizeLayer(l, index, names[index]!, previous);
    previous = layer.name;
    return layer;
  });

  /** `name` is the layer's own or its automatic name (conv1, conv2, ...). */
  function normalizeLayer(l: Obj, index: number, name: string, previous: string): LayerSpec {
    const pointer = `/layers/${index}`;
    const type = l.type as string;
    const src: Record<string, string> = {};
    for (const k of Object.keys(l)) src[k] = `${pointer}/${k}`;
    // A layer reads the one before it unless it names what it reads.
    const inputs = Array.isArray(l.inputs) ? (l.inputs as string[]) : typeof l.input === 'string' ? [l.input] : [previous];
    const base = { index, pointer, name, inputs, src };
    const round = (pick(l, pointer, src, 'round') as Rounding | undefined) ?? 'exact';
    switch (type) {
      case 'conv': {
        const layer: ConvLayer = {
          ...base,
          type: 'conv',
          filters: l.filters as number,
          kernel: pairOf(l.kernel, [1, 1]),
          stride: pairOf(l.stride, [1, 1]),
          pad: padOf(l.pad),
          dilation: pairOf(l.dilation, [1, 1]),
          round,
          groups: (l.groups as number | undefined) ?? 1,
          ...weighted(l, pointer, src),
        };
        return layer;
      }
      case 'maxpool':
      case 'avgpool': {
        const window = pairOf(l.window, [1, 1]);
        return { ...base, type, window, stride: pairOf(l.stride, window), pad: padOf(l.pad), round };
      }
      case 'lrn':
        return {
          ...base,
          type: 'lrn',
          size: (l.size as number | undefined) ?? DEFAULTS.lrn.size,
          alpha: (l.alpha as number | undefined) ?? DEFAULTS.lrn.alpha,
          beta: (l.beta as number | undefined) ?? DEFAULTS.lrn.beta,
          k: (l.k as number | undefined) ?? DEFAULTS.lrn.k,
        };
      case 'dropout':
        return { ...base, type: 'dropout', p: (l.p as number | undefined) ?? DEFAULTS.dropout };
      case 'dense': {
        const layer: DenseLayer = { ...base, type: 'dense', units: l.units as number, ...weighted(l, pointer, src) };
        return layer;
      }
      case 'batchnorm':
        // No `defaults`: a model-wide activation or decay is meant for the weighted layers.
        return {
          ...base,
          type: 'batchnorm',
          momentum: (l.momentum as number | undefined) ?? DEFAULTS.batchnorm.momentum,
          epsilon: (l.epsilon as number | undefined) ?? DEFAULTS.batchnorm.epsilon,
          affine: (l.affine as boolean | undefined) ?? true,
          act: l.act === undefined ? { fn: 'linear' } : readAct(l.act, `${pointer}/act`),
          lrMult: pairOf(l.lr_mult, [1, 1]),
          decayMult: pairOf(l.decay_mult, [0, 0]),
        };
      case 'add':
        return { ...base, type: 'add', act: l.act === undefined ? { fn: 'linear' } : readAct(l.act, `${pointer}/act`) };
      case 'flatten':
      case 'softmax':
      case 'globalavgpool':
      case 'globalmaxpool':
      case 'concat':
        return { ...base, type };
      case 'leaky_relu':
        return { ...base, type: 'activation', act: { fn: 'leaky_relu', slope: (l.slope as number | undefined) ?? DEFAULTS.leakySlope } };
      default:
        return { ...base, type: 'activation', act: { fn: type as 'relu' } };
    }
  }

  const input = root.input as Obj;
  return {
    name: root.name as string,
    description: (root.description as string | undefined) ?? null,
    seed: (root.seed as number | undefined) ?? DEFAULTS.seed,
    input: { shape: input.shape as number[], dtype: 'float32' },
    towers,
    placement: (root.placement as 'towers' | 'data' | undefined) ?? (towers > 1 ? 'towers' : 'data'),
    layers,
    output: (root.output as string | undefined) ?? null,
    train: normalizeTrain((root.train ?? {}) as Obj),
    data: root.data === undefined ? null : normalizeData(root.data as Obj),
  };
}

function normalizeTrain(t: Obj): TrainSpec {
  const o = (t.optimizer ?? DEFAULTS.optimizer) as Obj;
  const lr = o.lr as number;
  const wd = (o.weight_decay as number | undefined) ?? (o.type === 'sgd' ? DEFAULTS.optimizer.weight_decay : 0);
  let optimizer: OptimizerSpec;
  if (o.type === 'adam') {
    optimizer = { type: 'adam', lr, beta1: (o.beta1 as number | undefined) ?? 0.9, beta2: (o.beta2 as number | undefined) ?? 0.999, epsilon: (o.epsilon as number | undefined) ?? 1e-8, weightDecay: wd };
  } else if (o.type === 'momentum') {
    optimizer = { type: 'momentum', lr, momentum: (o.momentum as number | undefined) ?? 0.9, weightDecay: wd, nesterov: (o.nesterov as boolean | undefined) ?? false };
  } else {
    optimizer = { type: 'sgd', lr, momentum: (o.momentum as number | undefined) ?? DEFAULTS.optimizer.momentum, weightDecay: wd };
  }
  const s = (t.schedule ?? { type: 'constant' }) as Obj;
  const w = s.warmup as Obj | undefined;
  const warmup = w ? { epochs: w.epochs as number, from: (w.from as number | undefined) ?? 0.1 } : null;
  const factor = (s.factor as number | undefined) ?? 0.1;
  let schedule: ScheduleSpec;
  switch (s.type) {
    case 'plateau':
      schedule = {
        type: 'plateau',
        metric: (s.metric as string | undefined) ?? 'val_top1_error',
        factor,
        patience: (s.patience as number | undefined) ?? 1,
        minDelta: (s.min_delta as number | undefined) ?? 0,
        cooldown: (s.cooldown as number | undefined) ?? 0,
        maxReductions: (s.max_reductions as number | undefined) ?? null,
        minLr: (s.min_lr as number | undefined) ?? 0,
        warmup,
      };
      break;
    case 'step':
      schedule = { type: 'step', every: s.every as number, factor, warmup };
      break;
    case 'multistep':
      schedule = { type: 'multistep', milestones: s.milestones as number[], factor, warmup };
      break;
    case 'cosine':
      schedule = { type: 'cosine', minLr: (s.min_lr as number | undefined) ?? 0, warmup };
      break;
    default:
      schedule = { type: 'constant', warmup };
  }
  return {
    batch: (t.batch as number | undefined) ?? DEFAULTS.batch,
    epochs: (t.epochs as number | undefined) ?? DEFAULTS.epochs,
    optimizer,
    schedule,
    metrics: (t.metrics as Metric[] | undefined) ?? ['loss', 'top1_error', 'top5_error'],
    labelSmoothing: (t.label_smoothing as number | undefined) ?? 0,
  };
}

function normalizeData(d: Obj): DataSpec {
  const ds = d.dataset ?? 'fashion-mnist';
  const dataset =
    typeof ds === 'string'
      ? { kind: ds as 'fashion-mnist', path: null, classes: null }
      : { kind: (ds as Obj).kind as 'idx', path: ((ds as Obj).path as string | undefined) ?? null, classes: ((ds as Obj).classes as number | undefined) ?? null };
  const p = (d.preprocess ?? {}) as Obj;
  const a = (d.augment ?? {}) as Obj;
  const resize = p.resize;
  return {
    dataset,
    validation: (d.validation as 'test' | number | undefined) ?? 'test',
    trainLimit: (d.train_limit as number | undefined) ?? null,
    preprocess: {
      resize: Array.isArray(resize) ? pairOf(resize, [0, 0]) : null,
      resizeShorter: typeof resize === 'number' ? resize : null,
      centerCrop: p.center_crop === undefined ? null : pairOf(p.center_crop, [0, 0]),
      scale: (p.scale as number | undefined) ?? 1 / 255,
      mean: (p.mean as DataSpec['preprocess']['mean'] | undefined) ?? 'none',
      std: (p.std as number[] | undefined) ?? null,
    },
    augment: {
      randomCrop: a.random_crop === undefined ? null : pairOf(a.random_crop, [0, 0]),
      pad: (a.pad as number | undefined) ?? 0,
      flip: (a.flip as boolean | undefined) ?? false,
      pcaColour: (a.pca_colour as number | undefined) ?? 0,
    },
    testCrops: (d.test_crops as 'center' | 'ten' | undefined) ?? 'center',
  };
}
