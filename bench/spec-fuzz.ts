/**
 * Fuzzed specs for the compiler, shared by test/compiler/fuzz.test.ts (a few
 * hundred cases in every test run) and bench/fuzz.ts (10,000 and more, timed).
 * Valid seeds (YAML chains and a graph, the .netc DSL) are mutated at the text
 * level (junk inserted, text deleted) and at the value level (a value anywhere
 * in the tree replaced or deleted). A case is well behaved when netc reports
 * every failure as positioned diagnostics, and a plan it accepts agrees with
 * itself (plan/check.ts, a second implementation of the arithmetic).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { compileSource } from '../compiler/compile.js';
import { checkPlanConsistency } from '../plan/check.js';

/** A graph (branches, batchnorm, add, concat, global pooling) over two towers, so mutations reach the graph passes. */
const GRAPH_SEED = `netc: 1
name: fuzz-graph
input: { shape: [16, 16, 3] }
towers: 2
defaults: { init: he_normal }
layers:
  - { name: stem, type: conv, filters: 8, kernel: 3, pad: 1 }
  - { name: bn1, type: batchnorm, act: relu }
  - { name: left, type: conv, filters: 8, kernel: 3, pad: 1, connect: tower, inputs: [bn1] }
  - { name: right, type: conv, filters: 8, kernel: 1, inputs: [bn1] }
  - { name: sum, type: add, inputs: [left, bn1], act: relu }
  - { name: cat, type: concat, inputs: [sum, right] }
  - { name: pool, type: maxpool, window: 2, stride: 2 }
  - { name: gap, type: globalavgpool }
  - { name: fc, type: dense, units: 10 }
  - { name: prob, type: softmax }
train:
  batch: 32
  epochs: 2
  optimizer: { type: sgd, lr: 0.01, momentum: 0.9 }
  schedule: { type: plateau, metric: val_loss, patience: 1 }
  early_stopping: { patience: 2 }
`;

export interface Seed {
  path: string;
  text: string;
}

/** Read relative to the repository (the bench runs from dist/bench, the test from the sources). */
export function fuzzSeeds(root: URL): Seed[] {
  const file = (p: string): Seed => ({ path: p, text: readFileSync(new URL(p, root), 'utf8') });
  return [file('specs/alexnet.yaml'), file('examples/fashion-mnist/fmnist-alexnet.yaml'), { path: 'fuzz-graph.yaml', text: GRAPH_SEED }, file('specs/alexnet.netc')];
}

const junk = fc.constantFrom(':', '-', '[', ']', '{', '}', ',', '#', '\t', '\u0000', '&a', '*a', '!!', '"', "'", '\n', ' ', '0', '-1', '1e400', 'x', '|', '>', ';', '(', ')', '=', '\u202e');

export interface Case {
  path: string;
  text: string;
}

/** Junk inserted into, and text deleted from, any seed (YAML or .netc). */
export function textMutations(seeds: Seed[]): fc.Arbitrary<Case> {
  return fc
    .record({ seed: fc.nat(seeds.length - 1), at: fc.double({ min: 0, max: 1, noNaN: true }), deleteLength: fc.nat(40), insert: fc.array(junk, { maxLength: 4 }).map((a) => a.join('')) })
    .map(({ seed, at, deleteLength, insert }) => {
      const { path, text } = seeds[seed]!;
      const pos = Math.floor(at * text.length);
      return { path, text: text.slice(0, pos) + insert + text.slice(pos + deleteLength) };
    });
}

const anyValue = fc.oneof(
  fc.integer({ min: -1000, max: 100000 }),
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc.constantFrom(0, -1, 1, 2, 3, 224, 1e9, 0.5, 1.5, 'same', 'valid', 'tower', 'all', 'relu', 'ceil', 'normal(0, -1)', 'uniform(1, 0)', 'conv', 'dense', 'add', 'concat', 'bogus', 'val_loss', null, true, false),
  fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 5 }),
  fc.array(fc.constantFrom('stem', 'bn1', 'left', 'sum', 'fc', 'input', 'nope'), { maxLength: 3 }),
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

/** A value anywhere in a YAML seed replaced or deleted. */
export function valueMutations(seeds: Seed[]): fc.Arbitrary<Case> {
  const yaml = seeds.filter((s) => /\.ya?ml$/.test(s.path)).map((s) => ({ path: s.path, value: parse(s.text) as Json }));
  return fc
    .tuple(fc.nat(yaml.length - 1), fc.array(fc.nat(50), { minLength: 1, maxLength: 5 }), anyValue, fc.boolean())
    .map(([seed, path, replacement, remove]) => ({ path: yaml[seed]!.path, text: stringify(mutateValue(yaml[seed]!.value, path, replacement as Json, remove)) }));
}

/** What is wrong with how netc handled a case, or null. A thrown exception is reported as a crash too. */
export function misbehaviour(c: Case): string | null {
  const r = compileSource(c.path, c.text);
  const crash = r.diagnostics.find((d) => d.code === 'NETC9001');
  if (crash) return `crash: ${crash.message}`;
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (r.plan) {
    if (errors.length > 0) return `a plan despite ${errors[0]!.code}`;
    const inconsistent = checkPlanConsistency(r.plan);
    if (inconsistent.length > 0) return `an inconsistent plan: ${inconsistent[0]}`;
  } else if (errors.length === 0) return 'no plan and no error';
  for (const d of r.diagnostics) {
    if (!d.span || d.span.start < 0 || d.span.end > c.text.length) return `${d.code} without a position in the text: ${d.message}`;
    if (/\{\w+\}/.test(d.message)) return `${d.code} with a template parameter unfilled: ${d.message}`;
  }
  return null;
}
