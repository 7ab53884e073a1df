/**
 * plan/check.ts: a plan that contradicts itself is caught, whatever was
 * edited, and every plan netc compiles passes. Expected shapes here come from
 * the paper's table (docs) and the conv formula, not from the checker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFile } from '../../compiler/compile.js';
import { DiagnosticSink } from '../../compiler/diagnostics/diagnostic.js';
import { readPlan } from '../../compiler/plan/read-plan.js';
import { serializePlan } from '../../compiler/plan/build-plan.js';
import { checkPlanConsistency } from '../../plan/check.js';
import type { Plan } from '../../plan/types.js';

const root = new URL('../../', import.meta.url).pathname;
const specFiles = ['specs', 'specs/variants', 'examples/fashion-mnist', 'examples/fashion-mnist/variants'].flatMap((dir) =>
  readdirSync(join(root, dir)).filter((f) => /\.(ya?ml|netc)$/.test(f)).map((f) => join(dir, f)),
);
const compiled = (file: string) => compileFile(join(root, file)).plan!;
const alexnet = compiled('specs/alexnet.yaml');
const edit = (f: (p: Plan) => void): Plan => {
  const copy = structuredClone(alexnet);
  f(copy);
  return copy;
};
const op = (p: Plan, name: string) => p.ops.find((o) => o.name === name)!;

describe('every compiled plan agrees with itself', () => {
  it.each(specFiles)('%s', (file) => {
    expect(checkPlanConsistency(compiled(file))).toEqual([]);
  });
});

describe('an edited plan is caught', () => {
  it('a conv kernel that no longer gives the listed shape (11 -> 9 in conv1: (227 - 9) / 4 + 1 = 55.5, so 55 rounded down, but the weight is 11x11)', () => {
    const problems = checkPlanConsistency(edit((p) => {
      const conv1 = op(p, 'conv1');
      if (conv1.op === 'conv2d') conv1.attrs.kernel = [9, 9];
    }));
    expect(problems).toContain('op `conv1`: needs `conv1.weight` (weight) of shape [9, 9, 3, 96], the plan lists [11, 11, 3, 96]');
  });

  it('a stride edit changes the computed output: (227 - 11) / 2 + 1 = 109, not 55', () => {
    const problems = checkPlanConsistency(edit((p) => {
      const conv1 = op(p, 'conv1');
      if (conv1.op === 'conv2d') conv1.attrs.stride = [2, 2];
    }));
    expect(problems).toContain('op `conv1`: output shape is [55, 55, 96] but its inputs and attributes give [109, 109, 96]');
  });

  it('an output shape that its readers do not see', () => {
    const problems = checkPlanConsistency(edit((p) => { op(p, 'pool1').outputShape = [26, 26, 96]; }));
    expect(problems).toContain('op `pool1`: output shape is [26, 26, 96] but its inputs and attributes give [27, 27, 96]');
    expect(problems).toContain('op `conv2`: input 0 is listed as [27, 27, 96] but `pool1` makes [26, 26, 96]');
  });

  it('a missing parameter and a parameter with another shape', () => {
    const missing = checkPlanConsistency(edit((p) => { p.params = p.params.filter((x) => x.name !== 'fc8.bias'); }));
    expect(missing).toContain('op `fc8`: needs parameter `fc8.bias`, which the plan does not list');
    const reshaped = checkPlanConsistency(edit((p) => {
      const w = p.params.find((x) => x.name === 'fc7.weight')!;
      w.shape = [4096, 4000];
      w.count = 4096 * 4000;
    }));
    expect(reshaped).toContain('op `fc7`: needs `fc7.weight` (weight) of shape [4096, 4096], the plan lists [4096, 4000]');
  });

  it('an edge that points forward, and a name used twice', () => {
    const forward = checkPlanConsistency(edit((p) => { op(p, 'conv2').inputs = [op(p, 'conv5').id]; }));
    expect(forward.some((m) => m.startsWith('op `conv2`: reads op') && m.endsWith('which does not come before it'))).toBe(true);
    const twice = checkPlanConsistency(edit((p) => { op(p, 'norm2').name = 'norm1'; }));
    expect(twice).toContain('op `norm1`: the name is used twice');
  });

  it('a layer that reads every tower of a split input without the exchange', () => {
    // conv3 reads both towers: point it past its gather, straight at pool2's split output.
    const problems = checkPlanConsistency(edit((p) => {
      const conv3 = op(p, 'conv3');
      conv3.inputs = [op(p, 'pool2').id];
    }));
    expect(problems).toContain('op `conv3`: reads every tower of a split input without an exchange before it');
  });

  it('totals that do not add up, and a non-finite initializer', () => {
    const problems = checkPlanConsistency(edit((p) => {
      p.totals.params += 1;
      const w = p.params.find((x) => x.name === 'conv1.weight')!;
      if (w.init.kind === 'normal') w.init.std = Number.NaN;
    }));
    expect(problems).toContain('totals say 60965225 params, the ops and parameters add up to 60965224');
    expect(problems).toContain('parameter `conv1.weight` has an initializer with a value that is not a finite number');
  });

  it('reading such a plan is refused with NETC4003 naming the first problem', () => {
    const sink = new DiagnosticSink();
    const text = serializePlan(edit((p) => { op(p, 'pool5').outputShape = [5, 5, 256]; })).replace('"outputBytes": 36864', '"outputBytes": 25600');
    expect(readPlan('edited.plan.json', text, sink)).toBeUndefined();
    expect(sink.items.map((d) => d.code)).toEqual(['NETC4003']);
    expect(sink.items[0]!.message).toMatch(/^the plan contradicts itself: op `pool5`: output shape is \[5, 5, 256\] but its inputs and attributes give \[6, 6, 256\] \(and \d+ more problems?\)$/);
  });

  it('the shipped AlexNet plan reads back unchanged', () => {
    const sink = new DiagnosticSink();
    expect(readPlan('alexnet.plan.json', serializePlan(alexnet), sink)).toEqual(alexnet);
    expect(sink.items).toEqual([]);
  });
});
