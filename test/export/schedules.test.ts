/**
 * The generated package's schedules (schedules.py) against netc's (runtime/train/schedule.ts):
 * the rate at quarter-epoch points and the plateau reductions over a scripted run of validation
 * errors, for every schedule type, with and without warmup. Needs /usr/bin/python3 with torch.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePytorchPackage } from '../../export/pytorch/package.js';
import type { ScheduleSpec } from '../../plan/types.js';
import { Schedule } from '../../runtime/train/schedule.js';
import { earlyStop, isBest, metricValue } from '../../runtime/train/watched-metric.js';
import { planOf } from '../runtime/helpers.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { PY_DIR, runPython, torchMissing } from './helpers.js';
import { AGREEMENT_SPEC } from './specs.js';

const missing = torchMissing();
if (missing) console.log(`skipping the schedule comparison: ${missing}`);

const plateau = { type: 'plateau', metric: 'val_top1_error', factor: 0.1, patience: 1, minDelta: 0.001, cooldown: 1, maxReductions: 2, minLr: 1e-4 } as const;
const CASES: { spec: ScheduleSpec; lr: number; epochs: number }[] = [
  { spec: { type: 'constant', warmup: null }, lr: 0.1, epochs: 8 },
  { spec: { type: 'constant', warmup: { epochs: 2, from: 0.1 } }, lr: 0.1, epochs: 8 },
  { spec: { type: 'step', every: 3, factor: 0.5, warmup: null }, lr: 0.1, epochs: 8 },
  { spec: { type: 'multistep', milestones: [2, 5], factor: 0.1, warmup: { epochs: 1, from: 0 } }, lr: 0.2, epochs: 8 },
  { spec: { type: 'cosine', minLr: 0.001, warmup: null }, lr: 0.1, epochs: 8 },
  { spec: { ...plateau, warmup: null }, lr: 0.01, epochs: 8 },
  { spec: { ...plateau, cooldown: 0, maxReductions: null, warmup: { epochs: 1, from: 0.5 } }, lr: 0.01, epochs: 8 },
];
/** Validation errors that improve, stall, improve a little (less than minDelta), then stall. */
const METRICS = [0.5, 0.4, 0.4, 0.41, 0.3995, 0.3, 0.3, 0.3];
const snake = (o: unknown): unknown =>
  o && typeof o === 'object' && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), snake(v)])) : o;

describe.skipIf(missing !== null)("generated schedules vs netc's", () => {
  const newDir = useTempDirs('export');
  it('give the same rates and plateau reductions', () => {
    const dir = newDir();
    writePytorchPackage(planOf(AGREEMENT_SPEC), join(dir, 'pkg'));
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(CASES.map((c) => ({ ...c, spec: snake(c.spec), metrics: METRICS }))));
    const py = JSON.parse(runPython([join(PY_DIR, 'schedules_check.py'), join(dir, 'pkg'), join(dir, 'cases.json')])) as { rates: number[]; reduced: boolean[]; state: object }[];
    CASES.forEach((c, i) => {
      const s = new Schedule(c.spec, c.lr, c.epochs);
      const rates: number[] = [];
      const reduced: boolean[] = [];
      METRICS.forEach((m, epoch) => {
        for (const f of [0, 0.25, 0.5, 0.75]) rates.push(s.lrAt(epoch + f));
        reduced.push(s.onEpochEnd(m));
      });
      py[i]!.rates.forEach((r, k) => expect(r, `${c.spec.type} case ${i}, point ${k}`).toBeCloseTo(rates[k]!, 12));
      expect(py[i]!.reduced, `${c.spec.type} case ${i}`).toEqual(reduced);
      expect(py[i]!.state).toEqual(s.state);
    });
    // The scripted run does reduce the plateau rate, so the comparison covers reductions.
    expect(py[5]!.reduced.filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe.skipIf(missing !== null)("generated best.ckpt and early stopping rules vs netc's", () => {
  const newDir = useTempDirs('export-stop');
  it('pick the same best epochs and stop at the same epoch', () => {
    const dir = newDir();
    writePytorchPackage(planOf(AGREEMENT_SPEC), join(dir, 'pkg'));
    const rec = (v: number | null) => ({ train_loss: 1, train_top1_error: 0.5, val_loss: v, val_top1_error: v === null ? null : v / 10, val_top5_error: null });
    const histories = [[3, 2, 2.5, 2, 1.9], [3, 2, 1.95, 1.92, 1.91], [null, null, 1, 1], [5, 4, 3, 2, 1]].map((h) => h.map(rec));
    const rules = [
      { metric: 'val_loss', patience: 2, minDelta: 0 },
      { metric: 'val_loss', patience: 2, minDelta: 0.1 },
      { metric: 'val_accuracy', patience: 1, minDelta: 0 },
    ];
    writeFileSync(join(dir, 'cases.json'), JSON.stringify({ histories, rules: rules.map(snake) }));
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(dir, 'pkg'))})`,
      'from schedules import early_stop, is_best, record_metric',
      `c = json.load(open(${JSON.stringify(join(dir, 'cases.json'))}))`,
      'best = [[is_best(r["metric"], h[:i], record_metric(r["metric"], h[i])) for i in range(len(h))] for r in c["rules"] for h in c["histories"]]',
      'stops = [[early_stop(r, h[:i + 1]) for i in range(len(h))] for r in c["rules"] for h in c["histories"]]',
      'print(json.dumps(dict(best=best, stops=[[list(s) if s else None for s in row] for row in stops])))',
    ].join('\n');
    const py = JSON.parse(runPython(['-c', script])) as { best: boolean[][]; stops: ([number, number, number] | null)[][] };
    const best: boolean[][] = [];
    const stops: ([number, number, number] | null)[][] = [];
    for (const r of rules) {
      for (const h of histories) {
        best.push(h.map((m, i) => isBest(r.metric, h.slice(0, i), metricValue(r.metric, m))));
        stops.push(h.map((_, i) => {
          const s = earlyStop(r, h.slice(0, i + 1));
          return s ? [s.bestEpoch, s.best, s.epochsWithout] : null;
        }));
      }
    }
    expect(py.best).toEqual(best);
    expect(py.stops).toEqual(stops);
    // the cases do stop, and do keep an earlier best
    expect(stops.flat().filter(Boolean).length).toBeGreaterThan(2);
    expect(best.some((row) => row.some((b, i) => !b && i > 0))).toBe(true);
  });
});
