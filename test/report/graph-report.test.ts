/**
 * `netc report` on graphs: ops in the plan's topological order with what each
 * reads, in text, markdown and JSON; windowed ops show the spec's padding and
 * the rounding apart (issue 12).
 */
import { describe, expect, it } from 'vitest';
import { compileFile, compileSource } from '../../compiler/compile.js';
import { buildReport } from '../../compiler/report/report-data.js';
import { renderReportMarkdown, renderReportText } from '../../compiler/report/render-report.js';
import type { Plan } from '../../plan/types.js';

function planOf(text: string): Plan {
  const r = compileSource('model.yaml', text);
  expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return r.plan!;
}

const RESIDUAL = `netc: 1
name: residual
input: { shape: [32, 32, 16] }
defaults: { round: floor }
layers:
  - { name: conv1, type: conv, filters: 32, kernel: 3, stride: 2, pad: 1, bias: false }
  - { name: bn1, type: batchnorm, act: relu }
  - { name: conv2, type: conv, filters: 32, kernel: 3, pad: 1, bias: false }
  - { name: bn2, type: batchnorm }
  - { name: proj, type: conv, filters: 32, kernel: 1, stride: 2, bias: false, input: input }
  - { name: projbn, type: batchnorm }
  - { name: sum, type: add, inputs: [bn2, projbn], act: relu }
  - { name: pool, type: globalavgpool }
  - { name: fc, type: dense, units: 10 }
  - { name: prob, type: softmax }
`;
/** What each layer of RESIDUAL reads, as the spec says it. */
const READS = [
  ['conv1', 'input'], ['bn1', 'conv1'], ['conv2', 'bn1'], ['bn2', 'conv2'], ['proj', 'input'], ['projbn', 'proj'],
  ['sum', 'bn2, projbn'], ['pool', 'sum'], ['fc', 'pool'], ['prob', 'fc'],
];

describe('netc report: the inputs column', () => {
  const report = buildReport(planOf(RESIDUAL));

  it('lists the ops in the order they compute, each with what it reads (JSON)', () => {
    expect(report.layers.map((l) => [l.name, l.inputs.join(', ')])).toEqual(READS);
  });

  it('prints the inputs column in text and markdown', () => {
    const text = renderReportText(report).split('\n');
    expect(text[2]).toMatch(/^layer +type +inputs +output /);
    expect(text.find((l) => l.startsWith('sum '))).toMatch(/^sum +add\+relu +bn2, projbn +16x16x32 /);
    expect(text.find((l) => l.startsWith('proj '))).toMatch(/^proj +conv +input +16x16x32 +1x1\/2 pad 0 /);
    const md = renderReportMarkdown(report);
    expect(md).toContain('| layer | type | inputs | output |');
    expect(md).toContain('| sum | add+relu | bn2, projbn | 16x16x32 |');
  });

  it('names the layer an exchange carries, not the exchange (AlexNet with two towers)', () => {
    const alexnet = buildReport(compileFile('specs/alexnet.yaml').plan!);
    const reads = Object.fromEntries(alexnet.layers.map((l) => [l.name, l.inputs]));
    expect(reads.conv3).toEqual(['pool2']);
    expect(reads.fc6).toEqual(['flatten']);
    expect(reads.prob).toEqual(['fc8']);
    expect(alexnet.layers.flatMap((l) => l.inputs).some((n) => n.includes('gather'))).toBe(false);
  });
});

describe('netc report: padding and rounding (issue 12)', () => {
  const pool = (round: string) => `netc: 1
name: pooled
input: { shape: [8, 8, 3] }
layers:
  - { name: pool, type: maxpool, window: 3, stride: 2, round: ${round} }
  - { name: gap, type: globalavgpool }
`;

  it('shows ceil rounding as `ceil`, not as padding nobody wrote', () => {
    // (8 - 3) / 2 + 1 = 3.5: ceil makes 4, reading one row and column past the edge; floor makes 3.
    const ceil = buildReport(planOf(pool('ceil'))).layers[0]!;
    expect(ceil.outputShape).toEqual([4, 4, 3]);
    expect(ceil.geometry).toBe('3x3/2 pad 0 ceil');
    expect(buildReport(planOf(pool('floor'))).layers[0]!.geometry).toBe('3x3/2 pad 0 floor');
    expect(renderReportText(buildReport(planOf(pool('ceil'))))).not.toContain('[0,1,0,1]');
  });

  it('keeps the spec padding as written, and shows no rounding where the windows fit', () => {
    const padded = buildReport(planOf(pool('ceil').replace('round: ceil', 'pad: [1, 0, 1, 0], round: ceil'))).layers[0]!;
    // (8 + 1 - 3) / 2 + 1 = 4 exactly: no rounding needed.
    expect(padded.geometry).toBe('3x3/2 pad [1,0,1,0]');
  });
});
