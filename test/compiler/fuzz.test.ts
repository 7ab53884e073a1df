/**
 * Property-based fuzzing of the compiler (the cases: bench/spec-fuzz.ts):
 * mutated specs never crash netc, every failure is reported as positioned
 * diagnostics, and an accepted plan agrees with itself. bench/fuzz.ts runs
 * the same cases by the ten thousand, timed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { fuzzSeeds, misbehaviour, textMutations, valueMutations } from '../../bench/spec-fuzz.js';

const seeds = fuzzSeeds(new URL('../../', import.meta.url));

describe('compiler fuzzing', () => {
  it('valid seeds compile', () => {
    for (const s of seeds) expect(compileSource(s.path, s.text).diagnostics.filter((d) => d.severity === 'error'), s.path).toEqual([]);
  });

  it('text mutations never crash and always give positioned diagnostics', () => {
    fc.assert(fc.property(textMutations(seeds), (c) => {
        expect(misbehaviour(c), c.text).toBeNull();
      }), { numRuns: 300, seed: 42 });
  });

  it('value mutations never crash and always give positioned diagnostics', () => {
    fc.assert(fc.property(valueMutations(seeds), (c) => {
        expect(misbehaviour(c), c.text).toBeNull();
      }), { numRuns: 400, seed: 7 });
  });
});
