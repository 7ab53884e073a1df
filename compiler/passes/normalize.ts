/**
 * A form-valid spec document (blocks expanded) -> ModelSpec. Expands
 * shorthands, fills defaults and parses initializer/activation expressions
 * (reporting their errors at the exact text); each layer's own fields are its
 * kind's business (compiler/ops). Runs only on a document that passed the
 * schema, so types are known here.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type JsonValue, type SpecDocument } from '../frontend/document.js';
import { parseActivation, parseInit } from '../spec/init.js';
import { effectiveLayerNames } from '../spec/layer-names.js';
import { layerKind } from '../ops/index.js';
import type { NormalizeContext } from '../ops/kind.js';
import { pairOf } from '../ops/shared.js';
import type { Activation, DataSpec, InitSpec, LayerSpec, Metric, ModelSpec, OptimizerSpec, ScheduleSpec, EarlyStoppingSpec, TrainSpec } from '../spec/types.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../../plan/types.js';

type Obj = Record<string, JsonValue>;

export const DEFAULTS = {
  seed: 1,
  batch: 128,
  epochs: 90,
  optimizer: { type: 'sgd', lr: 0.01, momentum: 0.9, weight_decay: 0.0005 },
} as const;

export function normalizeSpec(doc: SpecDocument, sink: DiagnosticSink): ModelSpec {
  const root = doc.value as Obj;
  const defaults = (root.defaults ?? {}) as Obj;
  const towers = (root.towers as number | undefined) ?? 1;
  const init = (value: JsonValue, pointer: string): InitSpec => {
    const r = parseInit(value as number | string);
    if (r.ok) return r.value;
    sink.report('NETC2007', spanAt(doc, pointer), { text: String(value), detail: r.detail }, r.hint ? { hint: r.hint } : {});
    return { kind: 'constant', value: 0 };
  };
  const activation = (value: JsonValue, pointer: string): Activation => {
    const r = parseActivation(value as string);
    if (r.ok) return r.value;
    sink.report('NETC2010', spanAt(doc, pointer), { text: String(value), detail: r.detail }, { hint: 'use relu, tanh, sigmoid, linear, leaky_relu or leaky_relu(0.2)' });
    return { fn: 'linear' };
  };

  let previous = 'input';
  const rawLayers = (root.layers as Obj[] | undefined) ?? [];
  const names = effectiveLayerNames(rawLayers);
  const layers: LayerSpec[] = rawLayers.map((layer, index) => {
    const pointer = `/layers/${index}`;
    const src: Record<string, string> = {};
    for (const k of Object.keys(layer)) src[k] = `${pointer}/${k}`;
    // A layer reads the one before it unless it names what it reads.
    const inputs = Array.isArray(layer.inputs) ? (layer.inputs as string[]) : typeof layer.input === 'string' ? [layer.input] : [previous];
    const name = names[index]!;
    previous = name;
    const ctx: NormalizeContext = {
      layer,
      pointer,
      src,
      init,
      activation,
      // A field from the layer, else from `defaults`; records where it came from.
      pick(field) {
        if (layer[field] !== undefined) return layer[field];
        if (defaults[field] === undefined) return undefined;
        src[field] = `/defaults/${field}`;
        return defaults[field];
      },
    };
    const type = layer.type as string;
    return { index, pointer, name, inputs, src, ...layerKind(type)!.normalize(type, ctx) } as LayerSpec;
  });

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
    earlyStopping: normalizeEarlyStopping(t.early_stopping as Obj | undefined, schedule),
  };
}

/** The metric defaults to the one the schedule watches, so best.ckpt and the stop follow the same number. */
function normalizeEarlyStopping(e: Obj | undefined, schedule: ScheduleSpec): EarlyStoppingSpec | null {
  if (!e) return null;
  const metric = (e.metric as string | undefined) ?? (schedule.type === 'plateau' ? schedule.metric : 'val_top1_error');
  return { metric, patience: e.patience as number, minDelta: (e.min_delta as number | undefined) ?? 0 };
}

function normalizeData(d: Obj): DataSpec {
  const ds = d.dataset ?? 'fashion-mnist';
  const dataset =
    typeof ds === 'string'
      ? { kind: ds as 'fashion-mnist', path: null, classes: null, labels: null }
      : {
          kind: (ds as Obj).kind as 'idx',
          path: ((ds as Obj).path as string | undefined) ?? null,
          classes: ((ds as Obj).classes as number | undefined) ?? null,
          labels: ((ds as Obj).labels as string | undefined) ?? null,
        };
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
    badImages: (d.bad_images as 'skip' | 'error' | undefined) ?? 'skip',
    maxImagePixels: (d.max_image_pixels as number | undefined) ?? DEFAULT_MAX_IMAGE_PIXELS,
  };
}
