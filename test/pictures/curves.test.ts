import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runPlot } from '../../cli/commands/plot.js';
import { InputError, UsageError } from '../../cli/exit-codes.js';
import { niceStep, renderCurvesSvg } from '../../runtime/train/pictures/curves.js';
import { parseMetricsJsonl } from '../../runtime/train/pictures/metrics-file.js';
import { byClass, compiledPlan, fakeMetrics, findAll, parseXml, removeTempDirs, tempDir, texts, writeRun, type XmlElement } from './helpers.js';

const polylinePoints = (svg: XmlElement, series: string) => {
  const g = findAll(svg, byClass('series')).filter((s) => s.attrs['data-series'] === series);
  expect(g).toHaveLength(1);
  const line = g[0]!.children.find((c) => c.name === 'polyline')!;
  return line.attrs.points!.split(' ').filter((p) => p !== '').map((p) => p.split(',').map(Number) as [number, number]);
};

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
afterAll(removeTempDirs);

describe('training curves (netc plot <run dir>)', () => {
  it('draws a polyline per series with a point per epoch, 90 epochs with three rate cuts', async () => {
    const dir = tempDir();
    writeRun(dir, compiledPlan('specs/alexnet.yaml'), fakeMetrics(90, [29, 59, 79]));
    await runPlot(dir, { output: join(dir, 'c.svg') });
    expect(out).toBe(`wrote ${join(dir, 'c.svg')} (90 epochs)\n`);
    const svg = parseXml(readFileSync(join(dir, 'c.svg'), 'utf8'));
    const series = findAll(svg, byClass('series')).map((s) => s.attrs['data-series']);
    expect(series).toEqual(['train_loss', 'val_loss', 'train_top1_error', 'val_top1_error']);
    for (const s of series) {
      const pts = polylinePoints(svg, s!);
      expect(pts).toHaveLength(90);
      // x grows with the epoch.
      for (let i = 1; i < pts.length; i++) expect(pts[i]![0]).toBeGreaterThan(pts[i - 1]![0]);
    }
    // Loss falls: screen y grows downwards, so the last point is lower on the page than the first.
    const loss = polylinePoints(svg, 'train_loss');
    expect(loss[89]![1]).toBeGreaterThan(loss[0]![1]);
    // A marker per reduction in each of the two panels, labelled with the new rate.
    const cuts = findAll(svg, byClass('lr-reduced'));
    expect(cuts.map((c) => c.attrs['data-epoch'])).toEqual(['30', '60', '80', '30', '60', '80']);
    expect(texts(cuts[0]!)).toEqual(['lr → 0.001']);
    expect(texts(svg)).toEqual(expect.arrayContaining(['alexnet: training curves', 'epoch', 'loss', 'top-1 error', 'train loss', 'validation top-1 error', 'learning rate reduced']));
    // Axes with ticks: epochs 0..90 by 10.
    expect(texts(svg).filter((t) => /^\d+$/.test(t))).toEqual(expect.arrayContaining(['0', '10', '50', '90']));
  });

  it('works for a single epoch, and without validation data', async () => {
    const dir = tempDir();
    writeRun(dir, null, fakeMetrics(1, [], false));
    await runPlot(dir, {});
    const svg = parseXml(readFileSync(join(dir, 'curves.svg'), 'utf8'));
    expect(findAll(svg, byClass('series')).map((s) => s.attrs['data-series'])).toEqual(['train_loss', 'train_top1_error']);
    expect(polylinePoints(svg, 'train_loss')).toHaveLength(1);
    // One epoch still shows: a marker, not just a zero-length line.
    expect(findAll(svg, (e) => e.name === 'circle' && e.attrs.fill !== '#ffffff').length).toBeGreaterThanOrEqual(2);
    expect(findAll(svg, byClass('lr-reduced'))).toHaveLength(0);
    expect(texts(svg)[0]).toBe(`${dir.split('/').pop()}: training curves`);
  });

  it('plots the validation top-5 error when the run has it', () => {
    const metrics = fakeMetrics(3).map((m) => ({ ...m, val_top5_error: 0.1 }));
    const svg = parseXml(renderCurvesSvg(metrics, { title: 't' }));
    expect(polylinePoints(svg, 'val_top5_error')).toHaveLength(3);
  });

  it('reads metrics.jsonl from a resumed run: a repeated epoch keeps its last line', () => {
    const [a, b] = fakeMetrics(2);
    const text = [a, b, { ...b!, train_loss: 0.25 }].map((m) => JSON.stringify(m)).join('\n') + '\n\n';
    const parsed = parseMetricsJsonl(text, 'metrics.jsonl');
    expect(parsed.map((m) => [m.epoch, m.train_loss])).toEqual([[0, a!.train_loss], [1, 0.25]]);
    expect(() => parseMetricsJsonl('{"epoch":0}\n{oops\n', 'm.jsonl')).toThrow('m.jsonl:2: not a JSON line');
    expect(() => parseMetricsJsonl('{"loss":1}\n', 'm.jsonl')).toThrow(/m.jsonl:1: not an epoch record/);
  });

  it('reports a missing or broken metrics file as an input error, a missing run dir as usage', async () => {
    const dir = tempDir();
    await expect(runPlot(dir, {})).rejects.toThrow(InputError);
    writeFileSync(join(dir, 'metrics.jsonl'), '');
    await expect(runPlot(dir, {})).rejects.toThrow(/holds no epochs yet/);
    writeFileSync(join(dir, 'metrics.jsonl'), 'nope\n');
    await expect(runPlot(dir, {})).rejects.toThrow(InputError);
    await expect(runPlot(join(dir, 'missing'), {})).rejects.toThrow(UsageError);
    writeRun(dir, null, fakeMetrics(2));
    await expect(runPlot(dir, { scale: '4' })).rejects.toThrow(/apply to --kernels/);
  });

  it('is deterministic and well-formed for odd titles', () => {
    const m = fakeMetrics(7, [3]);
    const a = renderCurvesSvg(m, { title: '<run & "x">' });
    expect(renderCurvesSvg(m, { title: '<run & "x">' })).toBe(a);
    expect(texts(parseXml(a))[0]).toBe('<run & "x">');
  });

  it('picks 1-2-5 tick steps', () => {
    expect(niceStep(90, 10, true)).toBe(10);
    expect(niceStep(1, 10, true)).toBe(1);
    expect(niceStep(23, 10, true)).toBe(5);
    expect(niceStep(7, 5)).toBe(2);
    expect(niceStep(0.8, 5)).toBeCloseTo(0.2);
  });
});
