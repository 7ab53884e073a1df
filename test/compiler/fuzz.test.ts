/**
 * Property-based fuzzing of the compiler: mutate valid specs (at the text
 * level and at the value level) and assert that netc never crashes and that
 * every failure is reported as positioned diagnostics.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify, parse } from 'yaml';
import { compileSource } from '../../compiler/compile.js';
import { checkPlanConsistency } from '../../plan/check.js';

const seeds = ['specs/alexnet.yaml', 'examples/fashion-mnist/fmnist-alexnet.yaml'].map((p) => readFileSync(p, 'utf8'));

function assertWellBehaved(text: string) {
  const r = compileSource('fuzz.yaml', text);
  expect(r.diagnostics.filter((d) => d.code === 'NETC9001')).toEqual([]);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  // A plan the compiler accepts must agree with itself (plan/check.ts, a second implementation of the arithmetic).
  if (r.plan) {
    expect(errors).toEqual([]);
    expect(checkPlanConsistency(r.plan)).toEqual([]);
  } else expect(errors.length).toBeGreaterThan(0);
  for (const d of r.diagnostics) {
    expect(d.span, `${d.code} ${d.message}`).toBeDefined();
    expect(d.span!.start).toBeGreaterThanOrEqual(0);
    expect(d.span!.end).toBeLessThanOrEqual(text.length);
    expect(d.message).not.toMatch(/\{\w+\}/); // every template parameter filled
  }
}

const junk = fc.constantFrom(':', '-', '[', ']', '{', '}', ',', '#', '\t', '\u0000', '&a', '*a', '!!', '"', "'", '\n', ' ', '0', '-1', '1e400', 'x', '|', '>');

const textMutation = fc.record({
  seed: fc.nat(seeds.length - 1),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  deleteLength: fc.nat(40),
  insert: fc.array(junk, { maxLength: 4 }).map((a) => a.join('')),
});

const anyValue = fc.oneof(
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.constantFrom(0, -1, 1, 2, 3, 224, 1e9, 0.5, 1.5, 'same', 'valid', 'tower', 'all', 'relu', 'ceil', 'normal(0, -1)', 'uniform(1, 0)', 'conv', 'dense', 'bogus', null, true, false),
  fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 5 }),
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replaces or deletes the value at a random path of a JSON tree. */
function mutateValue(root: Json, path: number[], replacement: Json, remove: boolean): Json {
  const walk = (node: Json, depth: number): Json => {
    if (node === null || typeof node !== 'object' || depth >= path.length) return replacement;
    const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) return replacement;
    const key = keys[path[depth]! % keys.length]!;
    const copy: Json = Array.isArray(node) ? [...node] : { ...node };
    const child = (copy as Record<string | number, Json>)[key as string]!;
    const stop = path[depth]! % 5 === 0 && depth > 0;
    if (stop && remove) {
      if (Array.isArray(copy)) copy.splice(key as number, 1);
      else delete (copy as Record<string, Json>)[key as string];
    } else {
      (copy as Record<string | number, Json>)[key as string] = stop ? replacement : walk(child, depth + 1);
    }
    return copy;
  };
  return walk(root, 0);
}

describe('compiler fuzzing', () => {
  it('valid seeds compile', () => {
    for (const s of seeds) expect(compileSource('seed.yaml', s).plan).toBeDefined();
  });

  it('text mutations never crash and always give positioned diagnostics', () => {
    fc.assert(
      fc.property(textMutation, ({ seed, at, deleteLength, insert }) => {
        const text = seeds[seed]!;
        const pos = Math.floor(at * text.length);
        assertWellBehaved(text.slice(0, pos) + insert + text.slice(pos + deleteLength));
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('value mutations never crash and always give positioned diagnostics', () => {
    const values = seeds.map((s) => parse(s) as Json);
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(fc.nat(50), { minLength: 1, maxLength: 5 }), anyValue, fc.boolean(), (seed, path, replacement, remove) => {
        const mutated = mutateValue(values[seed]!, path, replacement as Json, remove);
        assertWellBehaved(stringify(mutated));
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
