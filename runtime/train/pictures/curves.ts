/**
 * Training curves (`netc plot <run dir>`): loss on the left, top-1 error on
 * the right, train and validation per epoch, with a marker where the
 * schedule reduced the learning rate. A pure function of the metrics.jsonl
 * records; deterministic SVG with no dependencies.
 */
import { el, esc, num, points, svgDocument, text, textWidth } from '../../../compiler/report/svg/svg.js';
import type { EpochMetrics } from '../events.js';

export interface CurvesOptions {
  /** Heading; default "training curves". */
  title?: string;
}

interface Series {
  id: string;
  label: string;
  color: string;
  dash?: string;
  panel: 0 | 1;
  value: (m: EpochMetrics) => number | null;
}

const TRAIN = '#1f77b4';
const VAL = '#d62728';
const LR = '#2e7d32';

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const pct = (v: number | null) => (finite(v) ? v * 100 : null);

const SERIES: Series[] = [
  { id: 'train_loss', label: 'train loss', color: TRAIN, panel: 0, value: (m) => m.train_loss },
  { id: 'val_loss', label: 'validation loss', color: VAL, panel: 0, value: (m) => m.val_loss },
  { id: 'train_top1_error', label: 'train top-1 error', color: TRAIN, panel: 1, value: (m) => pct(m.train_top1_error) },
  { id: 'val_top1_error', label: 'validation top-1 error', color: VAL, panel: 1, value: (m) => pct(m.val_top1_error) },
  { id: 'val_top5_error', label: 'validation top-5 error', color: VAL, dash: '5 3', panel: 1, value: (m) => pct(m.val_top5_error) },
];

/** A "nice" tick step (1, 2 or 5 times a power of ten) giving at most `maxTicks` intervals over `span`. */
export function niceStep(span: number, maxTicks: number, integer = false): number {
  if (!(span > 0)) return 1;
  const raw = span / maxTicks;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((f) => f * p).find((s) => s >= raw - 1e-12) ?? 10 * p;
  if (integer) step = Math.max(1, Math.round(step));
  return step;
}

function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(6, decimals));
}

function formatLr(lr: number): string {
  return Number(lr.toPrecision(3)).toString();
}

interface Panel {
  x: number;
  y: number;
  w: number;
  h: number;
  yMax: number;
  yStep: number;
  title: string;
  yTitle: string;
}

export function renderCurvesSvg(metrics: readonly EpochMetrics[], options: CurvesOptions = {}): string {
  const epochs = metrics.length;
  const lastEpoch = epochs > 0 ? Math.max(...metrics.map((m) => m.epoch + 1)) : 1;
  // x: epochs completed, from 0 to the last one (at least 1 so a single epoch has room).
  const xMax = Math.max(1, lastEpoch);
  const xStep = niceStep(xMax, 10, true);

  const series = SERIES.filter((s) => metrics.some((m) => finite(s.value(m))));
  const panelMax = (panel: 0 | 1) => {
    const vs = series.filter((s) => s.panel === panel).flatMap((s) => metrics.map(s.value).filter(finite));
    const max = vs.length > 0 ? Math.max(...vs) : 0;
    const top = panel === 1 ? Math.min(100, max) : max;
    const step = niceStep(top > 0 ? top : 1, 5);
    return { yMax: Math.max(step, Math.ceil(top / step - 1e-9) * step), yStep: step };
  };

  const W = 920;
  const plotW = 350;
  const plotH = 230;
  const left = 66;
  const panelGap = 110;
  const top = 84;
  const panels: Panel[] = [
    { x: left, y: top, w: plotW, h: plotH, ...panelMax(0), title: 'loss', yTitle: 'cross-entropy loss' },
    { x: left + plotW + panelGap, y: top, w: plotW, h: plotH, ...panelMax(1), title: series.some((s) => s.id === 'val_top5_error') ? 'top-1 and top-5 error' : 'top-1 error', yTitle: 'error (%)' },
  ];
  // A little room right of the last epoch so its markers do not sit on the frame.
  const sx = (p: Panel, e: number) => p.x + (e / xMax) * (p.w - 12);
  const sy = (p: Panel, v: number) => p.y + p.h - (Math.max(0, Math.min(v, p.yMax)) / p.yMax) * p.h;

  const body: string[] = [];
  const title = options.title ?? 'training curves';
  body.push(text(left, 26, title, { 'font-size': 16, 'font-weight': 'bold' }));
  const last = metrics[metrics.length - 1];
  const summary: string[] = [`${epochs} epoch${epochs === 1 ? '' : 's'}`];
  if (last && finite(last.val_top1_error)) summary.push(`final validation top-1 error ${(last.val_top1_error * 100).toFixed(2)}%`);
  if (last && finite(last.train_loss)) summary.push(`final train loss ${last.train_loss.toFixed(4)}`);
  const reductions = metrics.filter((m) => m.lr_reduced).length;
  if (reductions > 0) summary.push(`learning rate reduced ${reductions} time${reductions === 1 ? '' : 's'}`);
  body.push(text(left, 44, summary.join(' · '), { fill: '#444444' }));

  const markerR = epochs > 40 ? 1.6 : 2.8;
  for (const [pi, p] of panels.entries()) {
    const g: string[] = [];
    g.push(text(p.x, p.y - 10, p.title, { 'font-size': 13, 'font-weight': 'bold' }));
    // Grid and y ticks.
    for (let v = 0; v <= p.yMax + 1e-9; v += p.yStep) {
      const y = sy(p, v);
      g.push(el('line', { x1: p.x, y1: y, x2: p.x + p.w, y2: y, stroke: v === 0 ? '#333333' : '#e6e6e6', 'stroke-width': 1 }));
      g.push(el('line', { x1: p.x - 4, y1: y, x2: p.x, y2: y, stroke: '#333333' }));
      g.push(text(p.x - 7, y + 3.5, tickLabel(v, p.yStep), { 'text-anchor': 'end', 'font-size': 10, fill: '#333333' }));
    }
    // x ticks.
    for (let e = 0; e <= xMax + 1e-9; e += xStep) {
      const x = sx(p, e);
      if (e > 0) g.push(el('line', { x1: x, y1: p.y, x2: x, y2: p.y + p.h, stroke: '#f0f0f0' }));
      g.push(el('line', { x1: x, y1: p.y + p.h, x2: x, y2: p.y + p.h + 4, stroke: '#333333' }));
      g.push(text(x, p.y + p.h + 16, String(e), { 'text-anchor': 'middle', 'font-size': 10, fill: '#333333' }));
    }
    g.push(el('line', { x1: p.x, y1: p.y, x2: p.x, y2: p.y + p.h, stroke: '#333333' }));
    g.push(text(p.x + p.w / 2, p.y + p.h + 34, 'epoch', { 'text-anchor': 'middle', fill: '#333333' }));
    const ty = p.y + p.h / 2;
    g.push(text(p.x - 48, ty, p.yTitle, { 'text-anchor': 'middle', fill: '#333333', transform: `rotate(-90 ${num(p.x - 48)} ${num(ty)})` }));

    // Learning-rate reductions: the schedule lowered the rate after this epoch.
    for (const [i, m] of metrics.entries()) {
      if (!m.lr_reduced) continue;
      const x = sx(p, m.epoch + 1);
      const next = metrics[i + 1];
      const label = next && finite(next.lr) ? `lr → ${formatLr(next.lr)}` : 'lr reduced';
      g.push(
        el('g', { class: 'lr-reduced', 'data-epoch': m.epoch + 1 }, [
          el('line', { x1: x, y1: p.y, x2: x, y2: p.y + p.h, stroke: LR, 'stroke-width': 1.2, 'stroke-dasharray': '4 3' }),
          text(x - 3, p.y + 4, label, { 'text-anchor': 'end', 'font-size': 9, fill: LR, transform: `rotate(-90 ${num(x - 3)} ${num(p.y + 4)})` }),
        ]),
      );
    }

    // Series: a polyline per series plus a marker per epoch (so one epoch still shows).
    for (const s of series.filter((s) => s.panel === pi)) {
      const pts: [number, number][] = [];
      for (const m of metrics) {
        const v = s.value(m);
        if (finite(v)) pts.push([sx(p, m.epoch + 1), sy(p, v)]);
      }
      const marks = pts.map(([x, y]) => el('circle', { cx: x, cy: y, r: markerR, fill: s.dash ? '#ffffff' : s.color, stroke: s.color, 'stroke-width': 1 }));
      g.push(
        el('g', { class: 'series', 'data-series': s.id }, [
          el('title', {}, esc(s.label)),
          el('polyline', { points: points(pts), fill: 'none', stroke: s.color, 'stroke-width': 1.8, 'stroke-linejoin': 'round', 'stroke-dasharray': s.dash }),
          ...marks,
        ]),
      );
    }
    body.push(el('g', { class: 'panel', 'data-panel': p.title }, g));
  }

  // Legend under the panels.
  const legendY = top + plotH + 62;
  const items: string[] = [];
  let lx = left;
  for (const s of series) {
    items.push(el('line', { x1: lx, y1: legendY - 4, x2: lx + 22, y2: legendY - 4, stroke: s.color, 'stroke-width': 1.8, 'stroke-dasharray': s.dash }));
    items.push(el('circle', { cx: lx + 11, cy: legendY - 4, r: 2.8, fill: s.dash ? '#ffffff' : s.color, stroke: s.color }));
    items.push(text(lx + 28, legendY, s.label, { fill: '#333333' }));
    lx += 28 + textWidth(s.label, 11) + 18;
  }
  if (reductions > 0) {
    items.push(el('line', { x1: lx + 6, y1: legendY - 11, x2: lx + 6, y2: legendY + 3, stroke: LR, 'stroke-width': 1.2, 'stroke-dasharray': '4 3' }));
    items.push(text(lx + 14, legendY, 'learning rate reduced', { fill: '#333333' }));
    lx += 14 + textWidth('learning rate reduced', 11) + 10;
  }
  if (epochs === 0) items.push(text(left, legendY, 'no epochs recorded yet', { fill: '#666666' }));
  body.push(el('g', { class: 'legend' }, items));

  return svgDocument(Math.max(W, lx + 20), legendY + 18, body, { title });
}
