/**
 * The architecture diagram (`netc report --format svg`), in the manner of the
 * AlexNet paper's Figure 2: layers left to right, each drawn as a box whose
 * height follows the output's height (or a vector's length) and whose
 * thickness follows its channels, both log-scaled so a 227x227 input and a
 * 13x13x384 map fit on one page. With towers, each tower gets its own lane and
 * holds its share of every layer's channels; the exchanges between towers
 * (`connect: all` and the final gather) are drawn as crossing arrows labelled
 * with the bytes they move per batch. A pure function of the report.
 */
import { formatBytes, formatShort } from '../format.js';
import type { Report, ReportLayer } from '../report-data.js';
import { arrowMarker, el, esc, points, svgDocument, text, textWidth } from './svg.js';

interface Box {
  kind: 'map' | 'vector';
  /** front-face width: channels (per tower) */
  t: number;
  /** front-face height: map height or vector length */
  h: number;
  /** oblique offset of the depth (map width) axis */
  dx: number;
  dy: number;
  /** channels (or units) each lane holds */
  perLane: number;
}

interface Column {
  layer: ReportLayer | null; // null: the input
  type: string;
  box: Box;
  /** One box per lane, or a single box spanning the lanes (the input). */
  lanes: 'each' | 'single';
  label: string[];
  exchange: boolean;
  x: number;
  width: number;
}

const FILL: Record<string, string> = {
  input: '#cdb89a',
  conv: '#6baed6',
  maxpool: '#74c476',
  avgpool: '#74c476',
  lrn: '#9e9ac8',
  dense: '#fd8d3c',
  dropout: '#d9d9d9',
  flatten: '#c7c7c7',
  softmax: '#fdd049',
};
const ACTIVATION_FILL = '#f59cc4';
const EXCHANGE = '#c62828';
const FLOW = '#555555';

/** Pixels for a map's height/width, log-scaled: 1 -> 6, 13 -> 54, 55 -> 81, 227 -> 108. */
const mapPx = (v: number) => 6 + 13 * Math.log2(Math.max(1, v));
/** Pixels for a vector's length: 10 -> 36, 1000 -> 96, 4096 -> 114. */
const vecPx = (v: number) => 6 + 9 * Math.log2(Math.max(1, v));
/** Thickness for channels: 1 -> 4, 3 -> 9, 48 -> 24, 192 -> 32, 384 -> 36. */
const chanPx = (c: number) => 4 + 4 * Math.log2(Math.max(1, c));
const MAX_H = 130;

function boxFor(shape: number[], lanes: number): Box {
  if (shape.length === 3) {
    const [h, w, c] = shape as [number, number, number];
    const perLane = Math.max(1, Math.round(c / lanes));
    const depth = Math.min(MAX_H, mapPx(w)) * 0.42;
    return { kind: 'map', t: chanPx(perLane), h: Math.min(MAX_H, mapPx(h)), dx: depth * 0.8, dy: depth * 0.6, perLane };
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const perLane = Math.max(1, Math.round(n / lanes));
  return { kind: 'vector', t: 9, h: Math.min(MAX_H, vecPx(perLane)), dx: 4, dy: 3, perLane };
}

function shade(hex: string, f: number): string {
  const v = parseInt(hex.slice(1), 16);
  const ch = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => Math.round(f >= 1 ? c + (255 - c) * (f - 1) : c * f));
  return '#' + ch.map((c) => Math.max(0, Math.min(255, c)).toString(16).padStart(2, '0')).join('');
}

const shapeText = (s: number[]) => s.join('×');

function labelFor(l: ReportLayer): string[] {
  const geometry = l.geometry.replace(/ pad 0(?= |$)/, '').replace(/(\d+)x(\d+)/g, '$1×$2');
  return [
    l.name,
    l.activation ? `${l.type}+${l.activation}` : l.type,
    geometry,
    shapeText(l.outputShape),
    l.params > 0 ? `${formatShort(l.params)} params` : '',
  ];
}

function cuboid(x: number, cy: number, b: Box, fill: string, cls: string): string {
  const top = cy - b.h / 2;
  const bottom = cy + b.h / 2;
  const right = x + b.t;
  const stroke = { stroke: shade(fill, 0.55), 'stroke-width': 0.8, 'stroke-linejoin': 'round' };
  return el('g', { class: cls }, [
    el('polygon', { points: points([[x, top], [x + b.dx, top - b.dy], [right + b.dx, top - b.dy], [right, top]]), fill: shade(fill, 1.35), ...stroke }),
    el('polygon', { points: points([[right, top], [right + b.dx, top - b.dy], [right + b.dx, bottom - b.dy], [right, bottom]]), fill: shade(fill, 0.78), ...stroke }),
    el('rect', { x, y: top, width: b.t, height: b.h, fill, ...stroke }),
  ]);
}

function line(x1: number, y1: number, x2: number, y2: number, color: string, marker: string, extra: Record<string, string | number> = {}): string {
  return el('line', { x1, y1, x2, y2, stroke: color, 'stroke-width': 1.2, 'marker-end': `url(#arrow-${marker})`, ...extra });
}

const exchangeLabel = (l: ReportLayer) => `⇄ ${formatBytes(l.exchangeBytesPerBatch)}/batch`;

export function renderArchitectureSvg(report: Report): string {
  const lanes = Math.max(1, report.towers);
  const labelFont = 10;

  const columns: Column[] = [
    { layer: null, type: 'input', box: boxFor(report.input, 1), lanes: 'single', label: ['input', '', '', shapeText(report.input), ''], exchange: false, x: 0, width: 0 },
  ];
  for (const l of report.layers) {
    const replicated = l.connect === 'replicated';
    columns.push({
      layer: l,
      type: l.type,
      box: boxFor(l.outputShape, replicated ? 1 : lanes),
      lanes: 'each',
      label: labelFor(l),
      exchange: lanes > 1 && l.exchangeBytesPerBatch > 0,
      x: 0,
      width: 0,
    });
  }

  // Horizontal layout: each column is as wide as its label or its box plus room for the arrow into it.
  const left = lanes > 1 ? 74 : 24;
  let x = left;
  for (const [i, c] of columns.entries()) {
    const labelW = Math.max(...c.label.map((s, k) => textWidth(s, labelFont, k === 0)));
    const boxW = c.box.t + c.box.dx;
    const arrowRoom = i === 0 ? 0 : c.exchange ? Math.max(64, textWidth(exchangeLabel(c.layer!), 10) + 16) : lanes > 1 && i === 1 ? 44 : 30;
    c.width = Math.max(labelW + 10, boxW + arrowRoom);
    c.x = x;
    x += c.width;
  }
  const width = x + 24;

  // Vertical layout: lanes stacked, each tall enough for its tallest box.
  const up = Math.max(...columns.map((c) => c.box.h / 2 + c.box.dy)) + 14; // room for the per-lane count above a box
  const down = Math.max(...columns.map((c) => c.box.h / 2));
  const laneGap = lanes > 1 ? 40 : 0;
  const top = 64;
  const laneY = Array.from({ length: lanes }, (_, k) => top + up + k * (up + down + laneGap));
  const midY = (laneY[0]! + laneY[lanes - 1]!) / 2;
  const lanesBottom = laneY[lanes - 1]! + down;

  const boxX = (c: Column) => c.x + (c.width - c.box.t - c.box.dx) / 2 + (c.layer ? Math.min(12, (c.width - c.box.t - c.box.dx) / 4) : 0);
  const ys = (c: Column) => (c.lanes === 'single' ? [midY] : laneY);

  const body: string[] = [];
  body.push(el('defs', {}, [arrowMarker('flow', FLOW), arrowMarker('exchange', EXCHANGE)]));

  // Title.
  const t = report.totals;
  const towersText = lanes > 1 ? `${lanes} towers (${report.placement} placement)` : '1 tower';
  body.push(text(left, 24, report.model, { 'font-size': 16, 'font-weight': 'bold' }));
  const sub = [
    `input ${shapeText(report.input)}`,
    towersText,
    `${formatShort(t.params)} params`,
    `${formatShort(t.macs)} mult-adds per image`,
  ];
  if (lanes > 1) sub.push(`batch ${t.batch}: ${formatBytes(t.exchangeBytesPerBatch.forward + t.exchangeBytesPerBatch.backward)} exchanged between towers (forward + backward)`);
  body.push(text(left, 42, sub.join(' · '), { fill: '#444444' }));

  // Lane backgrounds and names.
  if (lanes > 1) {
    for (const [k, cy] of laneY.entries()) {
      const y0 = cy - up + 4;
      body.push(el('rect', { class: 'lane', x: left - 66, y: y0, width: width - left + 56, height: up + down + 8, rx: 6, fill: k % 2 === 0 ? '#f4f7fb' : '#fbf7f2', stroke: '#e0e0e0' }));
      body.push(text(left - 60, cy + 4, `tower ${k + 1}`, { 'font-size': 12, 'font-weight': 'bold', fill: '#666666' }));
    }
  }

  // Arrows first, so boxes sit on top of them.
  for (let i = 1; i < columns.length; i++) {
    const prev = columns[i - 1]!;
    const cur = columns[i]!;
    const x1 = boxX(prev) + prev.box.t + prev.box.dx + 1;
    const x2 = boxX(cur) - 1;
    const from = ys(prev);
    const to = ys(cur);
    const flows: string[] = [];
    if (from.length === to.length) for (const [k, y] of to.entries()) flows.push(line(x1, from[k]!, x2, y, FLOW, 'flow'));
    else for (const y2 of to) for (const y1 of from) flows.push(line(x1, y1, x2, y2, FLOW, 'flow'));
    body.push(el('g', { class: 'flow' }, flows));
    if (cur.exchange && cur.layer) {
      const crossing: string[] = [];
      for (const [a, y1] of from.entries()) for (const [b, y2] of to.entries()) if (a !== b) crossing.push(line(x1, y1, x2, y2, EXCHANGE, 'exchange', { 'stroke-width': 1.5 }));
      const label = exchangeLabel(cur.layer);
      const lw = textWidth(label, 10) + 8;
      const lx = (x1 + x2) / 2;
      crossing.push(el('rect', { x: lx - lw / 2, y: midY - 8, width: lw, height: 15, rx: 3, fill: '#ffffff', stroke: EXCHANGE, 'stroke-width': 0.8 }));
      crossing.push(text(lx, midY + 3.5, label, { 'text-anchor': 'middle', 'font-size': 10, fill: EXCHANGE }));
      const kind = cur.layer.connect === 'replicated' ? 'gather' : 'all-gather';
      body.push(el('g', { class: 'exchange', 'data-consumer': cur.layer.name }, [el('title', {}, esc(`${kind} before ${cur.layer.name}: ${formatBytes(cur.layer.exchangeBytesPerBatch)} per batch of ${t.batch}, forward + backward`)), ...crossing]));
    }
  }

  // Boxes and their labels.
  const labelTop = lanesBottom + (lanes > 1 ? 30 : 24);
  for (const c of columns) {
    const fill = FILL[c.type] ?? ACTIVATION_FILL;
    const bx = boxX(c);
    const parts: string[] = [];
    const name = c.layer ? c.layer.name : 'input';
    parts.push(el('title', {}, esc(c.layer ? `${name}: ${c.label.filter((s) => s !== '').slice(1).join(', ')}` : `input ${shapeText(report.input)}`)));
    for (const cy of ys(c)) {
      parts.push(cuboid(bx, cy, c.box, fill, 'box'));
      if (lanes > 1 && c.lanes === 'each') {
        parts.push(text(bx + (c.box.t + c.box.dx) / 2, cy - c.box.h / 2 - c.box.dy - 4, String(c.box.perLane), { 'text-anchor': 'middle', 'font-size': 9, fill: '#555555' }));
      }
    }
    const cx = c.x + c.width / 2;
    for (const [k, s] of c.label.entries()) {
      if (s === '') continue;
      const style = k === 0 ? { 'font-weight': 'bold', 'font-size': 11 } : k === 3 ? { 'font-size': labelFont, fill: '#222222' } : { 'font-size': labelFont, fill: '#666666' };
      parts.push(text(cx, labelTop + k * 13, s, { 'text-anchor': 'middle', ...style }));
    }
    body.push(el('g', { class: c.layer ? 'layer' : 'input', 'data-layer': name }, parts));
  }

  // Legend.
  const legendY = labelTop + 5 * 13 + 16;
  const types = [...new Set(columns.map((c) => (FILL[c.type] ? c.type : 'activation')))];
  let lx = left;
  const legend: string[] = [];
  for (const ty of types) {
    legend.push(el('rect', { x: lx, y: legendY - 9, width: 12, height: 11, fill: FILL[ty] ?? ACTIVATION_FILL, stroke: shade(FILL[ty] ?? ACTIVATION_FILL, 0.55), 'stroke-width': 0.8 }));
    legend.push(text(lx + 16, legendY, ty, { fill: '#444444' }));
    lx += 16 + textWidth(ty, 11) + 14;
  }
  const notes = [
    'Box height: log of the map height (maps) or the vector length; thickness: log of the channels' + (lanes > 1 ? ' each tower holds (the small number above each box).' : '.'),
  ];
  if (lanes > 1) notes.push('Red crossing arrows: exchanges between towers, labelled with the bytes moved per batch (activations forward + gradients backward).');
  legend.push(...notes.map((n, k) => text(left, legendY + 18 + k * 14, n, { fill: '#666666', 'font-size': 10 })));
  body.push(el('g', { class: 'legend' }, legend));

  const height = legendY + 18 + notes.length * 14;
  const noteW = Math.max(...notes.map((n) => textWidth(n, 10))) + left + 24;
  return svgDocument(Math.max(width, noteW, lx + 24), height, body, { title: `${report.model} architecture` });
}
