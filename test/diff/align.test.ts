import { describe, expect, it } from 'vitest';
import { alignSequences, type AlignedPair } from '../../compiler/diff/align.js';

interface Item {
  name: string;
  type: string;
}
const items = (spec: string): Item[] => spec.split(' ').filter(Boolean).map((s) => {
  const [name, type] = s.split(':');
  return { name: name!, type: type ?? 'conv' };
});
const options = { key: (x: Item) => x.name, pairCost: (x: Item, y: Item) => (x.type === y.type ? 0.5 : undefined) };
/** "a=b" for a pair, "-a" removed, "+b" added. */
function show(a: Item[], b: Item[], pairs: AlignedPair[]): string {
  return pairs.map((p) => (p.a < 0 ? `+${b[p.b]!.name}` : p.b < 0 ? `-${a[p.a]!.name}` : a[p.a]!.name === b[p.b]!.name ? a[p.a]!.name : `${a[p.a]!.name}=${b[p.b]!.name}`)).join(' ');
}
const align = (x: string, y: string, maxCells?: number) => {
  const a = items(x);
  const b = items(y);
  return show(a, b, alignSequences(a, b, { ...options, maxCells }));
};

describe('alignSequences', () => {
  it('pairs equal sequences one to one', () => {
    expect(align('a b c', 'a b c')).toBe('a b c');
    expect(align('', '')).toBe('');
  });

  it('finds removed and added items by name', () => {
    expect(align('a b c d', 'a c d')).toBe('a -b c d');
    expect(align('a c', 'a b c')).toBe('a +b c');
    expect(align('a b', '')).toBe('-a -b');
    expect(align('', 'x y')).toBe('+x +y');
  });

  it('pairs a renamed item of the same type, but never items of different types', () => {
    expect(align('a b c', 'a x c')).toBe('a b=x c');
    expect(align('a b:lrn c', 'a x:relu c')).toBe('a -b +x c');
  });

  it('does not pair a moved item with another name', () => {
    // c moved to the front: it is removed and added, not mistaken for a rename of b.
    const out = align('a b c d', 'c a b d');
    expect(out.split(' ').sort()).toEqual(['+c', '-c', 'a', 'b', 'd']);
  });

  it('does not pair a moved item with another name in the gap it lands in', () => {
    // b moved after c, where it meets d (removed, same type). Unguarded, the cheapest alignment pairs d with
    // the moved b (a rename at cost 0.5); guarded, d is removed and b added, and x (another type) is added.
    expect(align('a b c d e', 'a c b x:lrn e')).toBe('a -b c -d +b +x e');
  });

  it('aligns a gap too large for its table greedily, with the same result on simple edits', () => {
    expect(align('a p q r z', 'a x y r z', 4)).toBe('a p=x q=y r z');
    expect(align('a p:lrn q z', 'a x y z', 4)).toBe('a -p q=x +y z');
  });

  it('stays linear on long, mostly equal sequences', () => {
    const n = 20_000; // a quadratic table would need 4e8 cells
    const a = Array.from({ length: n }, (_, i) => ({ name: `l${i}`, type: i % 2 ? 'relu' : 'conv' }));
    const b = a.filter((_, i) => i !== 1000).map((x, i) => (i === 15_000 ? { ...x, name: 'renamed' } : x));
    b.splice(9_000, 0, { name: 'new', type: 'relu' });
    const pairs = alignSequences(a, b, options);
    expect(pairs.filter((p) => p.a < 0).map((p) => b[p.b]!.name)).toEqual(['new']);
    expect(pairs.filter((p) => p.b < 0).map((p) => a[p.a]!.name)).toEqual(['l1000']);
    expect(pairs.filter((p) => p.a >= 0 && p.b >= 0 && a[p.a]!.name !== b[p.b]!.name)).toHaveLength(1);
  });
});
