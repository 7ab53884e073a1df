import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerReport } from '../../cli/commands/report.js';
import { buildReport } from '../../compiler/report/report-data.js';
import { renderArchitectureSvg } from '../../compiler/report/svg/architecture.js';
import { esc } from '../../compiler/report/svg/svg.js';
import { byClass, compiledPlan, findAll, parseXml, texts } from './helpers.js';

describe('the XML checker used by these tests', () => {
  it('accepts well-formed XML and rejects the usual mistakes', () => {
    expect(parseXml('<?xml version="1.0"?>\n<a x="1"><b/>t &amp; u<c y=\'2\'></c></a>\n').children.map((c) => c.name)).toEqual(['b', 'c']);
    for (const bad of ['<a><b></a></b>', '<a>x & y</a>', '<a x=1/>', '<a>1 < 2</a>', '<a x="1" x="2"/>', '<a>', '<a/><b/>', '<a x="<"/>']) {
      expect(() => parseXml(bad), bad).toThrow(/not well-formed/);
    }
  });
});

describe('architecture diagram (netc report --format svg)', () => {
  const alexnet = compiledPlan('specs/alexnet.yaml');
  const svg = renderArchitectureSvg(buildReport(alexnet));
  const doc = parseXml(svg);

  it('is a well-formed SVG document with a size', () => {
    expect(doc.name).toBe('svg');
    expect(doc.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(Number(doc.attrs.width)).toBeGreaterThan(800);
    expect(Number(doc.attrs.height)).toBeGreaterThan(300);
    expect(doc.attrs.viewBox).toBe(`0 0 ${doc.attrs.width} ${doc.attrs.height}`);
  });

  it('draws one box group per layer, one cuboid per tower lane (AlexNet: 2 towers)', () => {
    const layers = findAll(doc, byClass('layer'));
    expect(layers.map((l) => l.attrs['data-layer'])).toEqual(buildReport(alexnet).layers.map((l) => l.name));
    expect(layers).toHaveLength(17);
    for (const l of layers) expect(findAll(l, byClass('box'))).toHaveLength(2);
    expect(findAll(doc, byClass('input'))).toHaveLength(1);
    expect(findAll(doc, byClass('lane'))).toHaveLength(2);
    expect(texts(doc)).toEqual(expect.arrayContaining(['tower 1', 'tower 2']));
  });

  it('draws one crossing exchange per exchange op, labelled with its bytes per batch', () => {
    const exchangeOps = alexnet.ops.filter((op) => op.op === 'exchange');
    expect(exchangeOps).toHaveLength(5); // conv3, fc6, fc7, fc8 and the gather before prob
    const exchanges = findAll(doc, byClass('exchange'));
    expect(exchanges.map((e) => e.attrs['data-consumer'])).toEqual(exchangeOps.map((op) => (op.op === 'exchange' ? op.attrs.consumer : '')));
    for (const e of exchanges) {
      const lines = e.children.filter((c) => c.name === 'line');
      expect(lines).toHaveLength(2); // tower 1 -> 2 and tower 2 -> 1
      // They cross: one goes down, the other up.
      const dirs = lines.map((l) => Math.sign(Number(l.attrs.y2) - Number(l.attrs.y1))).sort();
      expect(dirs).toEqual([-1, 1]);
    }
    // conv3's all-gather: 13x13x256 floats each way, per image, times batch 128.
    expect(texts(exchanges[0]!)).toEqual(['⇄ 42.3 MiB/batch']);
  });

  it('labels each layer with its name, shape and params', () => {
    const conv1 = findAll(doc, byClass('layer')).find((l) => l.attrs['data-layer'] === 'conv1')!;
    expect(texts(conv1)).toEqual(expect.arrayContaining(['conv1', 'conv+relu', '11×11/4', '55×55×96', '34.9K params', '48']));
    const fc6 = findAll(doc, byClass('layer')).find((l) => l.attrs['data-layer'] === 'fc6')!;
    expect(texts(fc6)).toEqual(expect.arrayContaining(['fc6', '4096', '37.8M params', '2048']));
  });

  it('draws box heights from the output shape, log-scaled: bigger maps get taller boxes', () => {
    const front = (name: string) => {
      const layer = findAll(doc, byClass('layer')).find((l) => l.attrs['data-layer'] === name)!;
      return Number(findAll(layer, (e) => e.name === 'rect')[0]!.attrs.height);
    };
    expect(front('conv1')).toBeGreaterThan(front('conv2'));
    expect(front('conv2')).toBeGreaterThan(front('conv3'));
    expect(front('conv3')).toBeGreaterThan(front('pool5'));
    expect(front('conv1') / front('pool5')).toBeLessThan(3); // 55 vs 6 rows: log-scaled, not 9x
  });

  it('draws a one-tower net in a single lane, without exchanges', () => {
    const plan = compiledPlan('specs/alexnet-1tower.yaml');
    const one = parseXml(renderArchitectureSvg(buildReport(plan)));
    const layers = findAll(one, byClass('layer'));
    expect(layers).toHaveLength(buildReport(plan).layers.length);
    for (const l of layers) expect(findAll(l, byClass('box'))).toHaveLength(1);
    expect(findAll(one, byClass('exchange'))).toHaveLength(0);
    expect(findAll(one, byClass('lane'))).toHaveLength(0);
  });

  it('escapes text taken from the model', () => {
    const report = buildReport(alexnet);
    report.model = `a<b>&"c"'d`;
    report.layers[0]!.name = 'x<&>y';
    const out = renderArchitectureSvg(report);
    const parsed = parseXml(out);
    expect(texts(parsed)).toEqual(expect.arrayContaining([`a<b>&"c"'d`, 'x<&>y']));
    expect(out).not.toContain('x<&>y');
    expect(esc('\u0001<')).toBe('&lt;');
  });

  it('is deterministic', () => {
    expect(renderArchitectureSvg(buildReport(compiledPlan('specs/alexnet.yaml')))).toBe(svg);
  });

  it('matches docs/img/alexnet.svg (regenerate: netc report specs/alexnet.yaml --format svg > docs/img/alexnet.svg)', () => {
    expect(readFileSync('docs/img/alexnet.svg', 'utf8') === svg, 'docs/img/alexnet.svg is stale').toBe(true);
  });
});

describe('netc report --format svg', () => {
  let out = '';
  beforeEach(() => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('prints the diagram', async () => {
    const program = new Command().exitOverride();
    registerReport(program);
    await program.parseAsync(['report', 'specs/alexnet.yaml', '--format', 'svg'], { from: 'user' });
    expect(out.startsWith('<?xml')).toBe(true);
    expect(findAll(parseXml(out), byClass('exchange'))).toHaveLength(5);
  });
});
