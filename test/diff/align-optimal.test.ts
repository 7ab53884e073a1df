/**
 * alignSequences against a second, brute-force aligner written here: on small
 * random gaps its alignment must be valid (every item once, pairs in order,
 * only pairable items paired) and as cheap as the cheapest alignment found by
 * trying every one. Names the two sides share are placed around the gaps
 * (a common prefix, an anchor in the middle, a common suffix), so gaps that do
 * not start at index 0 are checked too. The greedy pass for large gaps is
 * checked on cases worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { alignSequences, type AlignedPair } from '../../compiler/diff/align.js';

interface Item {
  name: string;
  type: string;
  /** Pairing two items of the same type costs |w - w'| (< 1, so a pair is cheaper than a removal and an addition). */
  w: number;
}
const pairCost = (x: Item, y: Item) => (x.type === y.type ? Math.abs(x.w - y.w) : undefined);
const options = { key: (x: Item) => x.name, pairCost };

/** A small deterministic generator (LCG), so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
function gap(prefix: string, n: number, next: () => number): Item[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, type: next() < 0.5 ? 'conv' : 'relu', w: Math.round(next() * 100) / 100 }));
}

/** The cheapest alignment's cost, trying every choice at each step (removal 1, addition 1, pair its cost). */
function cheapest(a: Item[], b: Item[], i = 0, j = 0): number {
  if (i === a.length) return b.length - j;
  if (j === b.length) return a.length - i;
  let best = Math.min(1 + cheapest(a, b, i + 1, j), 1 + cheapest(a, b, i, j + 1));
  const c = a[i]!.name === b[j]!.name ? 0 : pairCost(a[i]!, b[j]!);
  if (c !== undefined) best = Math.min(best, c + cheapest(a, b, i + 1, j + 1));
  return best;
}

/** Checks that `pairs` is an alignment of a and b, and returns its cost. */
function costOf(a: Item[], b: Item[], pairs: AlignedPair[]): number {
  const seenA = pairs.filter((p) => p.a >= 0).map((p) => p.a);
  const seenB = pairs.filter((p) => p.b >= 0).map((p) => p.b);
  expect(seenA).toEqual(a.map((_, i) => i));
  expect(seenB).toEqual(b.map((_, j) => j));
  let cost = 0;
  for (const p of pairs) {
    if (p.a < 0 || p.b < 0) cost += 1;
    else if (a[p.a]!.name !== b[p.b]!.name) {
      const c = pairCost(a[p.a]!, b[p.b]!);
      expect(c, `${a[p.a]!.name} paired with ${b[p.b]!.name}`).toBeDefined();
      cost += c!;
    }
  }
  return cost;
}

const show = (a: Item[], b: Item[], pairs: AlignedPair[]) =>
  pairs.map((p) => (p.a < 0 ? `+${b[p.b]!.name}` : p.b < 0 ? `-${a[p.a]!.name}` : a[p.a]!.name === b[p.b]!.name ? a[p.a]!.name : `${a[p.a]!.name}=${b[p.b]!.name}`)).join(' ');
const item = (name: string, type = 'conv', w = 0.5): Item => ({ name, type, w });

describe('alignSequences finds a cheapest alignment (brute force)', () => {
  it('of one gap (no name in common), 300 random cases of up to 5 items a side', () => {
    const next = rng(13);
    for (let t = 0; t < 300; t++) {
      const a = gap('a', Math.floor(next() * 6), next);
      const b = gap('b', Math.floor(next() * 6), next);
      const pairs = alignSequences(a, b, options);
      expect(costOf(a, b, pairs), `case ${t}: ${show(a, b, pairs)}`).toBeCloseTo(cheapest(a, b), 9);
    }
  });

  it('of two gaps between a common prefix, an anchor and a common suffix', () => {
    const next = rng(7);
    for (let t = 0; t < 150; t++) {
      const [g1a, g1b, g2a, g2b] = [gap('p', Math.floor(next() * 4), next), gap('q', Math.floor(next() * 4), next), gap('r', Math.floor(next() * 4), next), gap('s', Math.floor(next() * 4), next)];
      const a = [item('in'), item('c1', 'relu'), ...g1a, item('mid', 'relu'), ...g2a, item('out', 'relu')];
      const b = [item('in'), item('c1', 'relu'), ...g1b, item('mid', 'relu'), ...g2b, item('out', 'relu')];
      const pairs = alignSequences(a, b, options);
      const text = show(a, b, pairs);
      // The shared names pair with themselves; each gap is aligned on its own, as cheaply as possible.
      expect(text.startsWith('in c1'), text).toBe(true);
      expect(text.endsWith(' out'), text).toBe(true);
      expect(text.split(' '), text).toContain('mid');
      expect(costOf(a, b, pairs), `case ${t}: ${text}`).toBeCloseTo(cheapest(g1a, g1b) + cheapest(g2a, g2b), 9);
    }
  });

  it('pairs the cheapest partner, not the first one that can pair', () => {
    // p-x costs 0.8 and p-y 0.1: '+x p=y' costs 1.1, 'p=x +y' 1.8
    const a = [item('p', 'conv', 0.1)];
    const b = [item('x', 'conv', 0.9), item('y', 'conv', 0.2)];
    expect(show(a, b, alignSequences(a, b, options))).toBe('+x p=y');
    // the table (1 + 1) x (2 + 1) = 6 cells fits a bound of 6: still the exact alignment
    expect(show(a, b, alignSequences(a, b, { ...options, maxCells: 6 }))).toBe('+x p=y');
  });

  it('finds changes at the end of the sequences (the last items differ)', () => {
    const a = [item('in'), item('p', 'conv')];
    const b = [item('in'), item('q', 'relu')];
    expect(show(a, b, alignSequences(a, b, options))).toBe('in -p +q');
  });
});

describe('alignSequences on gaps too large for the table (greedy, by hand)', () => {
  const greedy = (a: Item[], b: Item[]) => show(a, b, alignSequences(a, b, { ...options, maxCells: 1 }));

  it('pairs in order with the first partner that can pair, the first item of the sequence included', () => {
    expect(greedy([item('p')], [item('q')])).toBe('p=q');
    // a bound of 5 cells is below the 6 the table needs: the first partner that can pair is taken
    const a = [item('p', 'conv', 0.1)];
    const b = [item('x', 'conv', 0.9), item('y', 'conv', 0.2)];
    expect(show(a, b, alignSequences(a, b, { ...options, maxCells: 5 }))).toBe('p=x +y');
  });

  it('reports the items it skipped over as additions', () => {
    expect(greedy([item('p', 'relu')], [item('x', 'conv'), item('y', 'relu')])).toBe('+x p=y');
  });

  it('never looks past the end of its gap (the item after it belongs to the suffix)', () => {
    // gap: p (relu) against q (conv); m, the common last item, is a relu too, but not the gap's
    expect(greedy([item('p', 'relu'), item('m', 'relu')], [item('q', 'conv'), item('m', 'relu')])).toBe('-p +q m');
  });
});
