/**
 * Pass 6: the data pipeline fits the model. Follows the image size of a known
 * dataset (or of an image folder, once its resize or centre crop fixes it)
 * through resize, centre crop, padding and random crop to the model input;
 * checks classes against the output layer and the metrics that need
 * validation data.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { DataSpec, ModelSpec, Pair } from '../spec/types.js';
import type { Shape } from '../../plan/types.js';
import { didYouMean } from '../text/suggest.js';

/** Image size and classes of the datasets whose files are known in advance. */
export const KNOWN_DATASETS: Record<string, { shape: [number, number, number]; classes: number }> = {
  'fashion-mnist': { shape: [28, 28, 1], classes: 10 },
  cifar10: { shape: [32, 32, 3], classes: 10 },
};

export const SCHEDULE_METRICS = ['val_loss', 'val_top1_error', 'val_top5_error', 'val_accuracy', 'train_loss', 'train_top1_error'];

/** The longer side after scaling the shorter to n: truncated, as torchvision's Resize(n) and the runtime do. */
function resizeShorter([h, w]: Pair, n: number): Pair {
  if (h === w) return [n, n];
  return h < w ? [n, Math.floor((n * w) / h)] : [Math.floor((n * h) / w), n];
}

export function checkData(spec: ModelSpec, outputShape: Shape | null, doc: SpecDocument, sink: DiagnosticSink): void {
  const data = spec.data;
  const at = (p: string) => spanAt(doc, p);
  const classes = outputShape && outputShape.length === 1 ? outputShape[0]! : null;

  const checkMetric = (name: string, pointer: string) => {
    if (!SCHEDULE_METRICS.includes(name)) sink.report('NETC3002', at(pointer), { name }, { hint: didYouMean(name, SCHEDULE_METRICS) ?? `metrics: ${SCHEDULE_METRICS.join(', ')}` });
  };
  const s = spec.train.schedule;
  if (s.type === 'plateau') checkMetric(s.metric, '/train/schedule/metric');
  // An early-stopping metric taken from the schedule's was checked above.
  const stop = spec.train.earlyStopping;
  if (stop && doc.spans.has('/train/early_stopping/metric')) checkMetric(stop.metric, '/train/early_stopping/metric');
  if (!data) return;
  const lastLayer = spec.layers[spec.layers.length - 1];
  if (outputShape && outputShape.length !== 1) {
    sink.report('NETC3111', lastLayer ? at(`${lastLayer.pointer}`) : at('/layers'), { shape: outputShape.join('x') }, { hint: 'end with `flatten`, a dense layer with one unit per class and `softmax`' });
  }
  const known = KNOWN_DATASETS[data.dataset.kind];
  const datasetClasses = data.dataset.classes ?? known?.classes ?? null;
  if (classes !== null && datasetClasses !== null && classes !== datasetClasses) {
    const dense = [...spec.layers].reverse().find((l) => l.type === 'dense');
    // Units that do not split over the towers are computed whole on every tower, which needs `connect: all`.
    const unsplit = spec.towers > 1 && datasetClasses % spec.towers !== 0 && dense?.type === 'dense' && dense.connect !== 'all' ? ' with `connect: all`' : '';
    sink.report('NETC3109', dense ? at(`${dense.pointer}/units`) : at('/data/dataset'), { units: classes, dataset: data.dataset.kind, classes: datasetClasses }, { hint: `set the last dense layer to \`units: ${datasetClasses}\`${unsplit}` });
  }
  if (spec.train.metrics.includes('top5_error') && classes !== null && classes <= 5 && doc.spans.has('/train/metrics')) {
    sink.report('NETC3212', at('/train/metrics'), { classes });
  }

  // Image folders decode to the input's channels (RGB or grey) at sizes known only once the preprocessing fixes them.
  const input = spec.input.shape;
  const c = known ? known.shape[2] : data.dataset.kind === 'image-folder' && input.length === 3 ? input[2]! : null;
  if (c === null) return;
  const p = data.preprocess;
  const a = data.augment;
  if (a.pcaColour > 0 && c !== 3) sink.report('NETC3303', at('/data/augment/pca_colour'), { channels: c }, { hint: 'remove `pca_colour` for grey images' });
  let size: Pair | null = known ? [known.shape[0], known.shape[1]] : null;
  let shorter: number | null = null;
  if (p.resize) size = p.resize;
  if (p.resizeShorter) {
    if (size) size = resizeShorter(size, p.resizeShorter);
    else shorter = p.resizeShorter;
  }
  const fits = (crop: Pair, image: Pair) => crop[0] <= image[0] && crop[1] <= image[1];
  if (p.centerCrop) {
    // Unknown image sizes rescaled to a shorter side n: both sides are at least n.
    const least: Pair | null = size ?? (shorter ? [shorter, shorter] : null);
    if (least && !fits(p.centerCrop, least)) sink.report('NETC3301', at('/data/preprocess/center_crop'), { crop: p.centerCrop.join('x'), image: size ? size.join('x') : `(shorter side ${shorter})` });
    size = p.centerCrop;
  }
  if (!size) return;
  if (a.randomCrop) {
    const padded: Pair = [size[0] + 2 * a.pad, size[1] + 2 * a.pad];
    if (!fits(a.randomCrop, padded)) sink.report('NETC3301', at('/data/augment/random_crop'), { crop: a.randomCrop.join('x'), image: padded.join('x') }, { hint: 'crop at most the image size, or add `pad`' });
    size = a.randomCrop;
  }
  const given = `${size[0]}x${size[1]}x${c}`;
  if (input.length === 3 && (input[0] !== size[0] || input[1] !== size[1] || input[2] !== c)) {
    sink.report('NETC3110', at('/input/shape'), { dataset: data.dataset.kind, given, expected: input.join('x') }, {
      hint: input[2] !== c ? `the dataset has ${c} channel${c === 1 ? '' : 's'}: use input shape [${size[0]}, ${size[1]}, ${c}]` : 'resize or crop the images in `data.preprocess`/`data.augment`, or change the input shape',
    });
  }
  if (input.length === 1 && input[0] !== size[0] * size[1] * c) {
    sink.report('NETC3110', at('/input/shape'), { dataset: data.dataset.kind, given, expected: String(input[0]) }, { hint: `use input shape [${size[0]}, ${size[1]}, ${c}] and a flatten layer` });
  }
}
