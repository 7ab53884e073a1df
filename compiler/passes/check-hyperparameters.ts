/**
 * Pass 5: hyper-parameters that are well-formed but make no sense: a negative
 * std, dropout p >= 1, momentum outside [0, 1), an even LRN window, ...
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { DiagnosticCode } from '../diagnostics/messages.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { InitSpec, LayerSpec, ModelSpec } from '../spec/types.js';

export function checkHyperparameters(spec: ModelSpec, doc: SpecDocument, sink: DiagnosticSink): void {
  const here = (layer: LayerSpec, field: string) => spanAt(doc, layer.src[field] ?? `${layer.pointer}/${field}`);
  const checked = new Set<string>(); // a default is reported once, not once per layer
  const once = (pointer: string | undefined, report: () => void) => {
    const key = pointer ?? '';
    if (pointer?.startsWith('/defaults')) {
      if (checked.has(key)) return;
      checked.add(key);
    }
    report();
  };

  const checkInit = (layer: LayerSpec, field: 'init' | 'bias', init: InitSpec | null) => {
    if (!init) return;
    if ((init.kind === 'normal' || init.kind === 'truncated_normal') && !(init.std > 0)) {
      once(layer.src[field], () => sink.report('NETC3201', here(layer, field), { value: init.std }, { hint: 'the paper uses normal(0, 0.01)' }));
    }
    if (init.kind === 'uniform' && !(init.low < init.high)) {
      once(layer.src[field], () => sink.report('NETC3209', here(layer, field), { key: field, low: init.low, high: init.high }));
    }
  };

  for (const layer of spec.layers) {
    switch (layer.type) {
      case 'conv':
      case 'dense':
        checkInit(layer, 'init', layer.init);
        checkInit(layer, 'bias', layer.bias);
        for (const [field, values] of [['lr_mult', layer.lrMult], ['decay_mult', layer.decayMult]] as const) {
          const bad = values.find((v) => v < 0);
          if (bad !== undefined) once(layer.src[field], () => sink.report('NETC3206', here(layer, field), { key: field, value: bad }));
        }
        if (layer.act.fn === 'leaky_relu') checkSlope(layer.act.slope ?? 0, here(layer, 'act'));
        break;
      case 'dropout':
        if (!(layer.p >= 0 && layer.p < 1)) sink.report('NETC3202', here(layer, 'p'), { value: layer.p }, { hint: 'the paper uses p = 0.5' });
        break;
      case 'lrn':
        if (layer.size % 2 === 0) sink.report('NETC3205', here(layer, 'size'), { value: layer.size }, { hint: `use ${layer.size + 1} (the paper uses 5)` });
        for (const key of ['alpha', 'beta', 'k'] as const) {
          if (!(layer[key] > 0)) sink.report('NETC3204', here(layer, key), { key, value: layer[key] }, { hint: 'the paper uses k = 2, alpha = 1e-4, beta = 0.75' });
        }
        break;
      case 'activation':
        if (layer.act.fn === 'leaky_relu') checkSlope(layer.act.slope ?? 0, here(layer, 'slope'));
        break;
    }
  }

  function checkSlope(slope: number, span: ReturnType<typeof spanAt>) {
    if (!(slope > 0 && slope < 1)) sink.report('NETC3213', span, { value: slope });
  }

  const t = spec.train;
  const at = (p: string) => spanAt(doc, p);
  const positive = (code: DiagnosticCode, pointer: string, key: string, value: number) => {
    if (!(value > 0)) sink.report(code, at(pointer), { key, value });
  };
  const o = t.optimizer;
  positive('NETC3204', '/train/optimizer/lr', 'lr', o.lr);
  if (o.weightDecay < 0) sink.report('NETC3206', at('/train/optimizer/weight_decay'), { key: 'weight_decay', value: o.weightDecay });
  if (o.type !== 'adam' && !(o.momentum >= 0 && o.momentum < 1)) {
    sink.report('NETC3203', at('/train/optimizer/momentum'), { value: o.momentum }, { hint: 'the paper uses 0.9' });
  }
  if (o.type === 'adam') {
    for (const key of ['beta1', 'beta2'] as const) {
      if (!(o[key] >= 0 && o[key] < 1)) sink.report('NETC3211', at(`/train/optimizer/${key}`), { key, value: o[key] });
    }
    positive('NETC3204', '/train/optimizer/epsilon', 'epsilon', o.epsilon);
  }
  const s = t.schedule;
  if (s.type === 'plateau' || s.type === 'step' || s.type === 'multistep') {
    if (!(s.factor > 0 && s.factor < 1)) sink.report('NETC3210', at('/train/schedule/factor'), { value: s.factor }, { hint: 'the paper divides by 10: factor 0.1' });
  }
  if (s.type === 'multistep') {
    for (let i = 1; i < s.milestones.length; i++) {
      if (s.milestones[i]! <= s.milestones[i - 1]!) {
        sink.report('NETC3207', at(`/train/schedule/milestones/${i}`), { value: s.milestones[i]!, previous: s.milestones[i - 1]! });
      }
    }
  }
  if (s.warmup) {
    if (s.warmup.epochs >= t.epochs) sink.report('NETC3208', at('/train/schedule/warmup/epochs'), { warmup: s.warmup.epochs, epochs: t.epochs });
    positive('NETC3204', '/train/schedule/warmup/from', 'from', s.warmup.from);
  }
  if (!(t.labelSmoothing >= 0 && t.labelSmoothing < 1)) sink.report('NETC3211', at('/train/label_smoothing'), { key: 'label_smoothing', value: t.labelSmoothing });

  const d = spec.data;
  if (d) {
    positive('NETC3204', '/data/preprocess/scale', 'scale', d.preprocess.scale);
    if (d.augment.pcaColour < 0) sink.report('NETC3206', at('/data/augment/pca_colour'), { key: 'pca_colour', value: d.augment.pcaColour });
    if (typeof d.validation === 'number' && !(d.validation > 0 && d.validation < 1)) {
      sink.report('NETC2006', at('/data/validation'), { key: 'validation', bound: 'a fraction between 0 and 1 (both excluded), or `test`', found: String(d.validation) });
    }
    for (const [i, v] of (d.preprocess.std ?? []).entries()) positive('NETC3204', `/data/preprocess/std/${i}`, 'std', v);
  }
}
