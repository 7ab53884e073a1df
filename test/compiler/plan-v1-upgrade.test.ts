/**
 * Plans of version 1 (written by netc before the graph IR) still load: they
 * are upgraded on read to exactly the plan this netc compiles from the same
 * spec. The fixture was written by the last v1 release from tiny-towers.yaml.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { DiagnosticSink } from '../../compiler/diagnostics/diagnostic.js';
import { readPlan } from '../../compiler/plan/read-plan.js';

const dir = new URL('../fixtures/plans/', import.meta.url).pathname;
const v1Text = readFileSync(`${dir}tiny-towers.v1.plan.json`, 'utf8');

function load(text: string) {
  const sink = new DiagnosticSink();
  return { plan: readPlan('plan.json', text, sink), codes: sink.items.map((d) => d.code) };
}

describe('a version 1 plan', () => {
  const compiled = compileSource(`${dir}tiny-towers.yaml`, readFileSync(`${dir}tiny-towers.yaml`, 'utf8')).plan!;
  const { plan: upgraded, codes } = load(v1Text);

  it('is upgraded to the plan this netc compiles from the same spec', () => {
    expect(codes).toEqual([]);
    expect(upgraded!.version).toBe(2);
    // Same graph: names, kinds, edges, shapes and tower layouts, op by op.
    const edges = (p: typeof compiled) => p.ops.map((o) => [o.name, o.op, o.inputs.map((i) => p.ops[i]!.name), o.inputShapes, o.outputShape, o.towers]);
    expect(edges(upgraded!)).toEqual(edges(compiled));
    expect(upgraded!.params).toEqual(compiled.params);
    expect(upgraded!.totals).toEqual(compiled.totals);
  });

  it('reads as a chain from the input: every op reads the one before it', () => {
    const ops = upgraded!.ops;
    expect(ops[0]).toMatchObject({ id: 0, op: 'input', inputs: [], outputShape: [12, 12, 3] });
    for (const op of ops.slice(1)) expect(op.inputs).toEqual([op.id - 1]);
    // Towers: the conv outputs are split, the exchange before conv3 and the softmax are replicated.
    const layout = Object.fromEntries(ops.map((o) => [o.name, o.towers.output]));
    expect(layout).toMatchObject({ input: 'replicated', conv1: 'split', norm1: 'split', 'conv3.gather': 'replicated', conv3: 'split', prob: 'replicated' });
  });

  it('that is damaged beyond upgrading is refused with NETC4001, not a crash', () => {
    const damaged = JSON.parse(v1Text);
    damaged.ops = 'not a list';
    expect(load(JSON.stringify(damaged)).codes).toEqual(['NETC4001']);
  });

  it('of an unknown version is refused with NETC4002', () => {
    expect(load(v1Text.replace('"version": 1', '"version": 7')).codes).toEqual(['NETC4002']);
  });
});
