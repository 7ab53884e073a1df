/**
 * The architecture drawing of graphs: branches in rows of their own, every
 * edge drawn, no line across a box, no box over another, merges drawn where
 * the branches join; and the committed pictures of a residual block and an
 * inception module kept in step with the renderer.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../compiler/report/report-data.js';
import { renderArchitectureSvg } from '../../compiler/report/svg/architecture.js';
import { layoutGraph } from '../../compiler/report/svg/graph-layout.js';
import { textWidth, type Rect, type Segment } from '../../compiler/report/svg/svg.js';
import { byClass, compiledPlan, findAll, parseXml, removeTempDirs, tempDir, unescapeXml, type XmlElement } from './helpers.js';


const layerGroup = (doc: XmlElement, name: string) => findAll(doc, (e) => e.attrs['data-layer'] === name)[0]!;
/** The front face of a layer's (first) box, or the square around an ⊕. */
function boxOf(doc: XmlElement, name: string): Rect {
  const box = findAll(layerGroup(doc, name), byClass('box'))[0]!;
  const rect = findAll(box, (e) => e.name === 'rect')[0];
  if (rect) return { x: Number(rect.attrs.x), y: Number(rect.attrs.y), w: Number(rect.attrs.width), h: Number(rect.attrs.height) };
  const c = findAll(box, (e) => e.name === 'circle')[0]!;
  const r = Number(c.attrs.r);
  return { x: Number(c.attrs.cx) - r, y: Number(c.attrs.cy) - r, w: 2 * r, h: 2 * r };
}
const centreY = (r: Rect) => r.y + r.h / 2;

/** The straight pieces of an edge: a <line>, or a <path> of M, H and V commands. */
function segmentsOf(flow: XmlElement): Segment[] {
  const out: Segment[] = [];
  for (const e of flow.children) {
    if (e.name === 'line') out.push({ x1: Number(e.attrs.x1), y1: Number(e.attrs.y1), x2: Number(e.attrs.x2), y2: Number(e.attrs.y2) });
    if (e.name !== 'path') continue;
    let x = 0;
    let y = 0;
    for (const [, cmd, args] of e.attrs.d!.matchAll(/([MHV])([-\d.,]+)/g)) {
      if (cmd === 'M') [x, y] = args!.split(',').map(Number) as [number, number];
      else if (cmd === 'H') out.push({ x1: x, y1: y, x2: (x = Number(args)), y2: y });
      else out.push({ x1: x, y1: y, x2: x, y2: (y = Number(args)) });
    }
  }
  return out;
}

/** Whether a segment runs through the inside of a rectangle (sampled along its length, so a diagonal counts only where it is). */
function crosses(s: Segment, r: Rect): boolean {
  const inset = 1;
  const steps = Math.ceil(Math.hypot(s.x2 - s.x1, s.y2 - s.y1));
  for (let k = 0; k <= steps; k++) {
    const x = s.x1 + ((s.x2 - s.x1) * k) / Math.max(1, steps);
    const y = s.y1 + ((s.y2 - s.y1) * k) / Math.max(1, steps);
    if (x > r.x + inset && x < r.x + r.w - inset && y > r.y + inset && y < r.y + r.h - inset) return true;
  }
  return false;
}
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function checkReadable(doc: XmlElement, names: string[], edges: [string, string][]) {
  const flows = findAll(doc, byClass('flow'));
  // Every edge of the graph is drawn, once.
  expect(flows.map((f) => `${f.attrs['data-from']} -> ${f.attrs['data-to']}`).sort()).toEqual(edges.map(([a, b]) => `${a} -> ${b}`).sort());
  const boxes = new Map(names.map((n) => [n, boxOf(doc, n)]));
  // No box over another.
  for (const [a, ra] of boxes) for (const [b, rb] of boxes) if (a < b) expect(overlap(ra, rb), `${a} and ${b} overlap`).toBe(false);
  // No label over another, nor over a box.
  const labels = labelRects(doc);
  for (const [k, a] of labels.entries()) {
    for (const b of labels.slice(k + 1)) expect(overlap(a.r, b.r), `labels ${a.s} and ${b.s} overlap`).toBe(false);
    for (const [name, r] of boxes) expect(overlap(a.r, r), `label ${a.s} over ${name}`).toBe(false);
  }
  // No edge through a box other than its own two ends.
  for (const f of flows) {
    for (const s of segmentsOf(f)) {
      for (const [name, r] of boxes) {
        if (name === f.attrs['data-from'] || name === f.attrs['data-to']) continue;
        expect(crosses(s, r), `edge ${f.attrs['data-from']} -> ${f.attrs['data-to']} runs through ${name}`).toBe(false);
      }
    }
  }
}

/** The labels under the boxes (the texts with a halo), as rectangles from the renderer's own width estimate. */
function labelRects(doc: XmlElement): { s: string; r: Rect }[] {
  return findAll(doc, (e) => e.name === 'text' && e.attrs['paint-order'] === 'stroke').map((e) => {
    const s = unescapeXml(e.text);
    const size = Number(e.attrs['font-size']);
    const w = textWidth(s, size, e.attrs['font-weight'] === 'bold');
    return { s, r: { x: Number(e.attrs.x) - w / 2, y: Number(e.attrs.y) - size, w, h: size } };
  });
}

const edgesOf = (report: ReturnType<typeof buildReport>): [string, string][] => report.layers.flatMap((l) => l.inputs.map((x): [string, string] => [x, l.name]));

describe('architecture diagram of a residual block', () => {
  const report = buildReport(compiledPlan('examples/graphs/residual-block.yaml'));
  const svg = renderArchitectureSvg(report);
  const doc = parseXml(svg);

  it('draws every op and every edge, with no line across a box and no box or label over another', () => {
    checkReadable(doc, ['input', ...report.layers.map((l) => l.name)], edgesOf(report));
  });

  it('puts the projection shortcut in a row below the block, and both ⊕ on the main row', () => {
    const main = centreY(boxOf(doc, 'conv1'));
    expect(centreY(boxOf(doc, 'proj'))).toBeGreaterThan(main + boxOf(doc, 'conv1').h / 2);
    expect(centreY(boxOf(doc, 'projbn'))).toBe(centreY(boxOf(doc, 'proj')));
    for (const name of ['bn2', 'add1', 'conv3', 'add2']) expect(centreY(boxOf(doc, name)), name).toBeCloseTo(main, 0);
    expect(findAll(layerGroup(doc, 'add1'), (e) => e.name === 'circle')).toHaveLength(1);
  });

  it('routes the identity shortcut around the second block, below it', () => {
    const skip = findAll(doc, (e) => e.attrs['data-from'] === 'add1' && e.attrs['data-to'] === 'add2')[0]!;
    const lowest = Math.max(...segmentsOf(skip).map((s) => Math.max(s.y1, s.y2)));
    for (const name of ['conv3', 'bn3', 'conv4', 'bn4']) {
      const r = boxOf(doc, name);
      expect(lowest, name).toBeGreaterThan(r.y + r.h);
    }
  });

  it('brings each shortcut up into its ⊕ from below', () => {
    for (const [from, to] of [['projbn', 'add1'], ['add1', 'add2']]) {
      const edge = findAll(doc, (e) => e.attrs['data-from'] === from && e.attrs['data-to'] === to)[0]!;
      const last = segmentsOf(edge).at(-1)!;
      const sum = boxOf(doc, to!);
      expect(last.x1, `${from} -> ${to}`).toBe(last.x2);
      expect(last.x2, `${from} -> ${to}`).toBeCloseTo(sum.x + sum.w / 2, 1);
      expect(last.y1, `${from} -> ${to}`).toBeGreaterThan(last.y2);
      expect(last.y2, `${from} -> ${to}`).toBeCloseTo(sum.y + sum.h + 1, 1);
    }
  });

  it('matches docs/img/residual-block.svg (regenerate: netc report examples/graphs/residual-block.yaml --format svg > docs/img/residual-block.svg)', () => {
    expect(readFileSync('docs/img/residual-block.svg', 'utf8') === svg, 'docs/img/residual-block.svg is stale').toBe(true);
  });
});

describe('architecture diagram of an inception module', () => {
  const report = buildReport(compiledPlan('examples/graphs/inception-module.yaml'));
  const svg = renderArchitectureSvg(report);
  const doc = parseXml(svg);

  it('draws every op and every edge, with no line across a box and no box or label over another', () => {
    checkReadable(doc, ['input', ...report.layers.map((l) => l.name)], edgesOf(report));
  });

  it('gives each of the four branches its own row, and joins them at the concat', () => {
    const rows = ['b1', 'b2reduce', 'b3reduce', 'b4pool'].map((n) => centreY(boxOf(doc, n)));
    expect(new Set(rows).size).toBe(4);
    expect(centreY(boxOf(doc, 'b2'))).toBe(rows[1]);
    expect(centreY(boxOf(doc, 'b4'))).toBe(rows[3]);
    // The concat is right of every branch.
    const mix = boxOf(doc, 'mix');
    for (const n of ['b1', 'b2', 'b3', 'b4']) expect(mix.x, n).toBeGreaterThan(boxOf(doc, n).x + boxOf(doc, n).w);
  });

  it('matches docs/img/inception-module.svg (regenerate: netc report examples/graphs/inception-module.yaml --format svg > docs/img/inception-module.svg)', () => {
    expect(readFileSync('docs/img/inception-module.svg', 'utf8') === svg, 'docs/img/inception-module.svg is stale').toBe(true);
  });
});

describe('architecture diagram of every spec in examples/ and specs/', () => {
  const specs = ['examples', 'specs'].flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).map((f) => join(dir, f)));

  it('finds the graph specs', () => {
    expect(specs).toEqual(expect.arrayContaining(['examples/fashion-mnist/fmnist-resnet.yaml', 'specs/alexnet.yaml']));
  });

  it.each(specs)('%s: every op and edge drawn, no line across a box, no box or label over another', (path) => {
    const report = buildReport(compiledPlan(path));
    checkReadable(parseXml(renderArchitectureSvg(report)), ['input', ...report.layers.map((l) => l.name)], edgesOf(report));
  });
});

describe('architecture diagram of a graph on two towers', () => {
  // The inception module on two towers, with a classifier after it: each tower a lane holding every row.
  const dir = tempDir();
  const spec = readFileSync('examples/graphs/inception-module.yaml', 'utf8').replace('input: { shape: [28, 28, 192] }', 'input: { shape: [28, 28, 192] }\ntowers: 2');
  writeFileSync(join(dir, 'inception-towers.yaml'), `${spec}  - { name: gap, type: globalavgpool }\n  - { name: fc, type: dense, units: 10, connect: all }\n  - { name: prob, type: softmax }\n`);
  const report = buildReport(compiledPlan(join(dir, 'inception-towers.yaml')));
  const doc = parseXml(renderArchitectureSvg(report));
  afterAll(removeTempDirs);

  it('draws every op and every edge, with no line across a box and no box or label over another', () => {
    checkReadable(doc, ['input', ...report.layers.map((l) => l.name)], edgesOf(report));
  });

  it('draws each branch in both lanes, and is as wide as its title', () => {
    const b4 = findAll(layerGroup(doc, 'b4'), byClass('box'));
    expect(b4).toHaveLength(2);
    const subtitle = findAll(doc, (e) => e.name === 'text' && e.text.includes('exchanged between towers'))[0]!;
    expect(Number(subtitle.attrs.x) + textWidth(unescapeXml(subtitle.text), 11)).toBeLessThan(Number(doc.attrs.width));
  });
});

describe('exchanges between towers in a graph', () => {
  // A stem per tower that every branch reads whole: three exchanges leave the same column, and
  // the crossing lines run through the other lane's rows of boxes and labels.
  const dir = tempDir();
  writeFileSync(
    join(dir, 'branch-exchanges.yaml'),
    [
      'netc: 1',
      'name: branch-exchanges',
      'input: { shape: [28, 28, 192] }',
      'towers: 2',
      'defaults: { act: relu }',
      'layers:',
      '  - { name: stem, type: conv, filters: 64, kernel: 1, connect: tower }',
      '  - { name: b1, type: conv, filters: 64, kernel: 1, connect: all }',
      '  - { name: b2reduce, type: conv, filters: 96, kernel: 1, input: stem, connect: all }',
      '  - { name: b2, type: conv, filters: 128, kernel: 3, pad: 1, connect: all }',
      '  - { name: b3reduce, type: conv, filters: 16, kernel: 1, input: stem, connect: all }',
      '  - { name: b3, type: conv, filters: 32, kernel: 5, pad: 2, connect: tower }',
      '  - { name: mix, type: concat, inputs: [b1, b2, b3] }',
      '  - { name: gap, type: globalavgpool }',
      '  - { name: fc, type: dense, units: 10, connect: all }',
      '',
    ].join('\n'),
  );
  const report = buildReport(compiledPlan(join(dir, 'branch-exchanges.yaml')));
  const doc = parseXml(renderArchitectureSvg(report));
  afterAll(removeTempDirs);

  it('puts each exchange label on its own lines, over no box, layer label or other exchange label', () => {
    checkReadable(doc, ['input', ...report.layers.map((l) => l.name)], edgesOf(report));
    const exchanges = findAll(doc, byClass('exchange'));
    expect(exchanges.map((g) => g.attrs['data-consumer']).sort()).toEqual(['b1', 'b2', 'b2reduce', 'b3reduce', 'fc']);
    const tags = exchanges.map((g) => {
      const r = findAll(g, byClass('exchange-label'))[0]!;
      return { name: g.attrs['data-consumer']!, g, r: { x: Number(r.attrs.x), y: Number(r.attrs.y), w: Number(r.attrs.width), h: Number(r.attrs.height) } };
    });
    const boxes = ['input', ...report.layers.map((l) => l.name)].map((n) => [n, boxOf(doc, n)] as const);
    const labels = labelRects(doc);
    for (const [k, a] of tags.entries()) {
      for (const [name, r] of boxes) expect(overlap(a.r, r), `${a.name}'s exchange label over ${name}`).toBe(false);
      for (const l of labels) expect(overlap(a.r, l.r), `${a.name}'s exchange label over the label ${l.s}`).toBe(false);
      for (const b of tags.slice(k + 1)) expect(overlap(a.r, b.r), `exchange labels of ${a.name} and ${b.name} overlap`).toBe(false);
      // its centre is on one of its own crossing lines
      const cx = a.r.x + a.r.w / 2;
      const cy = a.r.y + a.r.h / 2;
      const onLine = segmentsOf(a.g).some((s) => Math.abs((s.x2 - s.x1) * (cy - s.y1) - (s.y2 - s.y1) * (cx - s.x1)) / Math.hypot(s.x2 - s.x1, s.y2 - s.y1) < 0.5);
      expect(onLine, `${a.name}'s exchange label sits on its lines`).toBe(true);
    }
  });
});

describe('graph layout', () => {
  it('keeps a chain in one row, one column per op', () => {
    const layout = layoutGraph([[], [0], [1], [2]]);
    expect(layout.track).toEqual([0, 0, 0, 0]);
    expect(layout.column).toEqual([0, 1, 2, 3]);
    expect(layout.tracks).toBe(1);
  });

  it('opens a row for the second reader of a fork, and routes a skip below the ops it skips', () => {
    // 0 -> 1 -> 2 -> 3(add of 2 and 0); 0 -> 4 (a second reader of the input, after the add).
    const layout = layoutGraph([[], [0], [1], [2, 0], [0]]);
    expect(layout.column).toEqual([0, 1, 2, 3, 1]);
    expect(layout.track.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(layout.edges.find((e) => e.from === 0 && e.to === 3)!.track).toBe(1);
    // The skip took row 1 over columns 1-2, so the late reader goes to row 2.
    expect(layout.track[4]).toBe(2);
  });
});
