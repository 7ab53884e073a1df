/**
 * The architecture diagram (`netc report --format svg`), in the manner of the
 * AlexNet paper's Figure 2: layers left to right, each drawn as a box whose
 * height follows the output's height (or a vector's length) and whose
 * thickness follows its channels, both log-scaled so a 227x227 input and a
 * 13x13x384 map fit on one page. A graph's branches run in parallel rows
 * (tracks) and join where a merge reads them: an `add` is drawn as ⊕, a
 * `concat` as the box of what it joins. With towers, each tower gets its own
 * lane and holds its share of every layer's channels; the exchanges between
 * towers (`connect: all` and the final gather) are drawn as crossing arrows
 * labelled with the bytes they move per batch. A pure function of the report.
 */
import { formatBytes, formatShort } from '../format.js';
import type { Report, ReportLayer } from '../report-data.js';
import { layoutGraph, type GraphLayout } from './graph-layout.js';
import { arrowMarker, el, esc, points, svgDocument, text, textWidth, type Rect, type Segment } from './svg.js';

interface Box {
  kind: 'map' | 'vector' | 'sum';
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

/** One op of the drawing: the input or a report layer. */
interface Node {
  layer: ReportLayer | null; // null: the input
  type: string;
  box: Box;
  /** One box per lane, or a single box spanning the lanes (the input). */
  lanes: 'each' | 'single';
  label: string[];
  exchange: boolean;
}

const FILL: Record<string, string> = {
  input: '#cdb89a',
  conv: '#6baed6',
  maxpool: '#74c476',
  avgpool: '#74c476',
  globalavgpool: '#a1d99b',
  globalmaxpool: '#a1d99b',
  lrn: '#9e9ac8',
  batchnorm: '#66c2a5',
  concat: '#e6ab02',
  add: '#ffffff',
  dense: '#fd8d3c',
  dropout: '#d9d9d9',
  flatten: '#c7c7c7',
  softmax: '#fdd049',
};
const ACTIVATION_FILL = '#f59cc4';
const EXCHANGE = '#c62828';
const FLOW = '#555555';
/** Radius of an `add`'s ⊕. */
const SUM_R = 9;

/** Pixels for a map's height/width, log-scaled: 1 -> 6, 13 -> 54, 55 -> 81, 227 -> 108. */
const mapPx = (v: number) => 6 + 13 * Math.log2(Math.max(1, v));
/** Pixels for a vector's length: 10 -> 36, 1000 -> 96, 4096 -> 114. */
const vecPx = (v: number) => 6 + 9 * Math.log2(Math.max(1, v));
/** Thickness for channels: 1 -> 4, 3 -> 9, 48 -> 24, 192 -> 32, 384 -> 36. */
const chanPx = (c: number) => 4 + 4 * Math.log2(Math.max(1, c));
const MAX_H = 130;

function boxFor(shape: number[], lanes: number, type: string): Box {
  if (type === 'add') return { kind: 'sum', t: 2 * SUM_R, h: 2 * SUM_R, dx: 0, dy: 0, perLane: 0 };
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
  if (b.kind === 'sum') {
    // ⊕: the elementwise sum of what flows into it.
    const cx = x + SUM_R;
    const arm = SUM_R * 0.55;
    return el('g', { class: cls }, [
      el('circle', { cx, cy, r: SUM_R, fill, stroke: '#333333', 'stroke-width': 1.2 }),
      el('path', { d: `M${cx - arm},${cy} H${cx + arm} M${cx},${cy - arm} V${cy + arm}`, stroke: '#333333', 'stroke-width': 1.4 }),
    ]);
  }
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

/**
 * An edge between rows: out of the source, over to the row it runs along
 * just after the source, along that row, and into the target's row just
 * before the target. A straight line where all three rows are one. An edge
 * that comes from another row into an ⊕ enters the circle through its top
 * or bottom (`sumIn`: the circle's centre x), as a shortcut is drawn.
 */
function route(x1: number, y1: number, yRun: number, x2: number, y2: number, sumIn?: number): string {
  if (y1 === yRun && yRun === y2) return line(x1, y1, x2, y2, FLOW, 'flow');
  const r = (v: number) => Math.round(v * 10) / 10;
  let d = `M${r(x1)},${r(y1)}`;
  if (y1 !== yRun) d += ` H${r(x1 + 8)} V${r(yRun)}`;
  if (yRun === y2) d += ` H${r(x2)}`;
  else if (sumIn !== undefined) d += ` H${r(sumIn)} V${r(y2 + (yRun > y2 ? SUM_R + 1 : -SUM_R - 1))}`;
  else d += ` H${r(x2 - 10)} V${r(y2)} H${r(x2)}`;
  return el('path', { d, fill: 'none', stroke: FLOW, 'stroke-width': 1.2, 'stroke-linejoin': 'round', 'marker-end': 'url(#arrow-flow)' });
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Height of an exchange's label. */
const EXCHANGE_LABEL_H = 15;
/** Where along its lines an exchange's label may sit (0: the reader's end), nearest the middle first. */
const LABEL_STOPS = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82];

/**
 * The centre of a w x h label on one of an exchange's crossing lines: where they cross if
 * that is free, else the free point nearest the middle of a line, so the label never covers a
 * box, a layer's label or another exchange's label (two towers' lines cross in the middle;
 * with branches in both lanes that middle is often a row of boxes or labels). When nothing is
 * free it stays in the middle.
 */
function placeOnLines(lines: readonly Segment[], w: number, h: number, occupied: readonly Rect[]): { x: number; y: number } {
  const at = (l: Segment, f: number) => ({ x: l.x1 + (l.x2 - l.x1) * f, y: l.y1 + (l.y2 - l.y1) * f });
  const free = (p: { x: number; y: number }) => !occupied.some((r) => overlaps(r, { x: p.x - w / 2, y: p.y - h / 2, w, h }));
  for (const f of LABEL_STOPS) {
    for (const l of lines) {
      const p = at(l, f);
      if (free(p)) return p;
    }
  }
  return at(lines[0]!, 0.5);
}

const exchangeLabel = (l: ReportLayer) => `⇄ ${formatBytes(l.exchangeBytesPerBatch)}/batch`;

/** Label lines under each box, and their spacing. */
const LABEL_LINES = 5;
const LINE = 13;

export function renderArchitectureSvg(report: Report): string {
  const lanes = Math.max(1, report.towers);
  const labelFont = 10;

  const nodes: Node[] = [
    { layer: null, type: 'input', box: boxFor(report.input, 1, 'input'), lanes: 'single', label: ['input', '', '', shapeText(report.input), ''], exchange: false },
  ];
  for (const l of report.layers) {
    const replicated = l.connect === 'replicated';
    nodes.push({ layer: l, type: l.type, box: boxFor(l.outputShape, replicated ? 1 : lanes, l.type), lanes: 'each', label: labelFor(l), exchange: lanes > 1 && l.exchangeBytesPerBatch > 0 });
  }
  const index = new Map<string, number>([['input', 0]]);
  report.layers.forEach((l, k) => index.set(l.name, k + 1));
  const layout: GraphLayout = layoutGraph(nodes.map((n) => (n.layer ? n.layer.inputs.map((name) => index.get(name) ?? 0) : [])));
  const atColumn: number[][] = Array.from({ length: layout.columns }, () => []);
  layout.column.forEach((c, i) => atColumn[c]!.push(i));
  const inTrack: number[][] = Array.from({ length: layout.tracks }, () => []);
  layout.track.forEach((t, i) => inTrack[t]!.push(i));

  // Horizontal layout: each column is as wide as its widest label or box plus room for the arrow into it.
  const left = lanes > 1 ? 74 : 24;
  const colX: number[] = [];
  const colW: number[] = [];
  let x = left;
  for (const [c, members] of atColumn.entries()) {
    const need = members.map((i) => {
      const n = nodes[i]!;
      const labelW = Math.max(...n.label.map((s, k) => textWidth(s, labelFont, k === 0)));
      const boxW = n.box.t + n.box.dx;
      const arrowRoom = c === 0 ? 0 : n.exchange ? Math.max(64, textWidth(exchangeLabel(n.layer!), 10) + 16) : lanes > 1 && c === 1 ? 44 : 30;
      return Math.max(labelW + 16, boxW + arrowRoom);
    });
    colX.push(x);
    colW.push(Math.max(0, ...need));
    x += colW[c]!;
  }
  const width = x + 24;
  const boxX = (i: number) => {
    const n = nodes[i]!;
    const c = layout.column[i]!;
    const spare = colW[c]! - n.box.t - n.box.dx;
    return colX[c]! + spare / 2 + (n.layer ? Math.min(12, spare / 4) : 0);
  };

  // Vertical layout: lanes stacked, each holding the tracks; each track as tall as its tallest box.
  // Labels go under each track of the last lane (under all lanes, for a chain).
  const trackUp = inTrack.map((members) => (members.length ? Math.max(...members.map((i) => nodes[i]!.box.h / 2 + nodes[i]!.box.dy)) + 14 : 8));
  const trackDown = inTrack.map((members) => (members.length ? Math.max(...members.map((i) => nodes[i]!.box.h / 2)) : 6));
  const labelGap = lanes > 1 ? 30 : 24;
  const labelBand = (t: number) => (inTrack[t]!.length ? labelGap + (LABEL_LINES - 1) * LINE + 22 : 0);
  const laneGap = lanes > 1 ? 40 : 0;
  const trackGap = 10;
  const top = 64;
  /** trackY[lane][track]: the centre line of a track. */
  const trackY: number[][] = [];
  let y = top;
  for (let k = 0; k < lanes; k++) {
    const last = k === lanes - 1;
    const ys: number[] = [];
    for (let t = 0; t < layout.tracks; t++) {
      if (t > 0) y += last ? 0 : trackGap;
      y += trackUp[t]!;
      ys.push(y);
      y += trackDown[t]! + (last && t < layout.tracks - 1 ? labelBand(t) : 0);
    }
    trackY.push(ys);
    y += laneGap;
  }
  const laneTop = (k: number) => trackY[k]![0]! - trackUp[0]!;
  const laneBottom = (k: number) => trackY[k]![layout.tracks - 1]! + trackDown[layout.tracks - 1]!;
  /** The y of an op's box (or boxes) in each lane it is drawn in. */
  const midOf = (t: number) => (trackY[0]![t]! + trackY[lanes - 1]![t]!) / 2;
  const ys = (i: number) => (nodes[i]!.lanes === 'single' ? [midOf(layout.track[i]!)] : trackY.map((lane) => lane[layout.track[i]!]!));

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
  const subtitle = sub.join(' · ');
  body.push(text(left, 42, subtitle, { fill: '#444444' }));

  // Lane backgrounds and names.
  if (lanes > 1) {
    for (let k = 0; k < lanes; k++) {
      const y0 = laneTop(k) + 4;
      body.push(el('rect', { class: 'lane', x: left - 66, y: y0, width: width - left + 56, height: laneBottom(k) - laneTop(k) + 8, rx: 6, fill: k % 2 === 0 ? '#f4f7fb' : '#fbf7f2', stroke: '#e0e0e0' }));
      body.push(text(left - 60, trackY[k]![0]! + 4, `tower ${k + 1}`, { 'font-size': 12, 'font-weight': 'bold', fill: '#666666' }));
    }
  }

  // Where each op's label lines go: under its box in the last lane.
  const lastLane = trackY[lanes - 1]!;
  const labelsOf = (i: number): { x: number; y: number; s: string; size: number; bold: boolean; k: number }[] => {
    const c = layout.column[i]!;
    const cx = colX[c]! + colW[c]! / 2;
    const labelTop = lastLane[layout.track[i]!]! + trackDown[layout.track[i]!]! + labelGap;
    return nodes[i]!.label.flatMap((s, k) => (s === '' ? [] : [{ x: cx, y: labelTop + k * LINE, s, size: k === 0 ? 11 : labelFont, bold: k === 0, k }]));
  };
  // What an exchange's label must not cover: every box (with its channel count above it) and every label line.
  const occupied: Rect[] = [];
  for (const [i, n] of nodes.entries()) {
    for (const cy of ys(i)) occupied.push({ x: boxX(i), y: cy - n.box.h / 2 - n.box.dy - (lanes > 1 ? 14 : 0), w: n.box.t + n.box.dx, h: n.box.h + n.box.dy + (lanes > 1 ? 14 : 0) });
    for (const l of labelsOf(i)) {
      const w = textWidth(l.s, l.size, l.bold);
      occupied.push({ x: l.x - w / 2, y: l.y - l.size, w, h: l.size + 3 });
    }
  }

  // Edges first, so boxes sit on top of them.
  for (const e of layout.edges) {
    const from = nodes[e.from]!;
    const to = nodes[e.to]!;
    const x1 = boxX(e.from) + from.box.t + from.box.dx + 1;
    const x2 = boxX(e.to) - 1;
    const y1s = ys(e.from);
    const y2s = ys(e.to);
    const runY = trackY.map((lane) => lane[e.track]!);
    const sumIn = to.box.kind === 'sum' ? boxX(e.to) + SUM_R : undefined;
    const flows: string[] = [];
    if (y1s.length === y2s.length) for (const [k, y2] of y2s.entries()) flows.push(route(x1, y1s[k]!, runY[k]!, x2, y2, sumIn));
    else {
      // One box into several lanes (the input): straight to each lane where the rows agree, else along the row.
      for (const [k, y2] of y2s.entries()) {
        for (const y1 of y1s) flows.push(layout.track[e.from] === e.track && layout.track[e.to] === e.track ? line(x1, y1, x2, y2, FLOW, 'flow') : route(x1, y1, runY[k]!, x2, y2));
      }
    }
    const names = [from.layer?.name ?? 'input', to.layer?.name ?? 'input'];
    body.push(el('g', { class: 'flow', 'data-from': names[0], 'data-to': names[1] }, flows));
    // The exchange a cross-tower layer needs sits on the edge from what it reads.
    if (to.exchange && to.layer && e.from === (to.layer.inputs.length ? index.get(to.layer.inputs[0]!) : undefined)) {
      const crossing: string[] = [];
      const lines: Segment[] = [];
      for (const [a, y1] of y1s.entries()) for (const [b, y2] of y2s.entries()) if (a !== b) lines.push({ x1, y1, x2, y2 });
      for (const l of lines) crossing.push(line(l.x1, l.y1, l.x2, l.y2, EXCHANGE, 'exchange', { 'stroke-width': 1.5 }));
      const label = exchangeLabel(to.layer);
      const lw = textWidth(label, 10) + 8;
      const at = placeOnLines(lines, lw, EXCHANGE_LABEL_H, occupied);
      occupied.push({ x: at.x - lw / 2, y: at.y - EXCHANGE_LABEL_H / 2, w: lw, h: EXCHANGE_LABEL_H });
      crossing.push(el('rect', { class: 'exchange-label', x: at.x - lw / 2, y: at.y - EXCHANGE_LABEL_H / 2, width: lw, height: EXCHANGE_LABEL_H, rx: 3, fill: '#ffffff', stroke: EXCHANGE, 'stroke-width': 0.8 }));
      crossing.push(text(at.x, at.y + 3.5, label, { 'text-anchor': 'middle', 'font-size': 10, fill: EXCHANGE }));
      const kind = to.layer.connect === 'replicated' ? 'gather' : 'all-gather';
      body.push(el('g', { class: 'exchange', 'data-consumer': to.layer.name }, [el('title', {}, esc(`${kind} before ${to.layer.name}: ${formatBytes(to.layer.exchangeBytesPerBatch)} per batch of ${t.batch}, forward + backward`)), ...crossing]));
    }
  }

  // Boxes and their labels, under each box in the last lane.
  for (const [i, n] of nodes.entries()) {
    const fill = FILL[n.type] ?? ACTIVATION_FILL;
    const bx = boxX(i);
    const parts: string[] = [];
    const name = n.layer ? n.layer.name : 'input';
    const reads = n.layer && (n.layer.inputs.length > 1 || layout.track[i] !== layout.track[index.get(n.layer.inputs[0] ?? '') ?? 0]) ? `, reads ${n.layer.inputs.join(', ')}` : '';
    parts.push(el('title', {}, esc(n.layer ? `${name}: ${n.label.filter((s) => s !== '').slice(1).join(', ')}${reads}` : `input ${shapeText(report.input)}`)));
    for (const cy of ys(i)) {
      parts.push(cuboid(bx, cy, n.box, fill, 'box'));
      if (lanes > 1 && n.lanes === 'each' && n.box.kind !== 'sum') {
        parts.push(text(bx + (n.box.t + n.box.dx) / 2, cy - n.box.h / 2 - n.box.dy - 4, String(n.box.perLane), { 'text-anchor': 'middle', 'font-size': 9, fill: '#555555' }));
      }
    }
    for (const { x, y, s, k } of labelsOf(i)) {
      const style = k === 0 ? { 'font-weight': 'bold', 'font-size': 11 } : k === 3 ? { 'font-size': labelFont, fill: '#222222' } : { 'font-size': labelFont, fill: '#666666' };
      // A white halo, so an edge that passes a label (a shortcut rising into its ⊕) runs behind the text.
      parts.push(text(x, y, s, { 'text-anchor': 'middle', ...style, stroke: '#ffffff', 'stroke-width': 3, 'paint-order': 'stroke' }));
    }
    body.push(el('g', { class: n.layer ? 'layer' : 'input', 'data-layer': name }, parts));
  }

  // Legend, under the last track's labels.
  const lastTrack = layout.tracks - 1;
  const legendY = lastLane[lastTrack]! + trackDown[lastTrack]! + labelGap + LABEL_LINES * LINE + 16;
  const types = [...new Set(nodes.map((n) => (FILL[n.type] ? n.type : 'activation')))];
  let lx = left;
  const legend: string[] = [];
  for (const ty of types) {
    const fill = FILL[ty] ?? ACTIVATION_FILL;
    legend.push(el('rect', { x: lx, y: legendY - 9, width: 12, height: 11, fill, stroke: ty === 'add' ? '#333333' : shade(fill, 0.55), 'stroke-width': 0.8 }));
    legend.push(text(lx + 16, legendY, ty === 'add' ? 'add (⊕)' : ty, { fill: '#444444' }));
    lx += 16 + textWidth(ty === 'add' ? 'add (⊕)' : ty, 11) + 14;
  }
  const notes = [
    'Box height: log of the map height (maps) or the vector length; thickness: log of the channels' + (lanes > 1 ? ' each tower holds (the small number above each box).' : '.'),
  ];
  if (layout.tracks > 1) notes.push('Branches run in parallel rows and join where an op reads them: ⊕ adds its inputs, concat joins their channels.');
  if (lanes > 1) notes.push('Red crossing arrows: exchanges between towers, labelled with the bytes moved per batch (activations forward + gradients backward).');
  legend.push(...notes.map((note, k) => text(left, legendY + 18 + k * 14, note, { fill: '#666666', 'font-size': 10 })));
  body.push(el('g', { class: 'legend' }, legend));

  const height = legendY + 18 + notes.length * 14;
  const noteW = Math.max(...notes.map((note) => textWidth(note, 10))) + left + 24;
  const titleW = left + Math.max(textWidth(report.model, 16, true), textWidth(subtitle, 11)) + 24;
  return svgDocument(Math.max(width, noteW, titleW, lx + 24), height, body, { title: `${report.model} architecture` });
}
