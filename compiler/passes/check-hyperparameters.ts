/**
 * Hyper-parameters that are well-formed but make no sense: a negative std,
 * dropout p >= 1, momentum outside [0, 1), an even LRN window, ... (the
 * layers' checks are their kinds', in compiler/ops; training and data here).
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import type { DiagnosticCode } from '../diagnostics/messages.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import { kindOf } from '../ops/index.js';
import type { LayerSpec, ModelSpec } from '../spec/types.js';

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

  // Each layer's own hyper-parameters are its kind's to check (compiler/ops).
  for (const layer of spec.layers) {
    kindOf(layer).check?.(layer, {
      sink,
      at: (field) => here(layer, field),
      once: (field, report) => once(layer.src[field], report),
    });
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
