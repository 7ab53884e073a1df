import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng, type RngState } from '../../runtime/data/rng.js';

const draw = (r: Rng, n: number): number[] => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? r.normal() : i % 3 === 1 ? r.next() : r.int(97)));

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(draw(new Rng(42), 50)).toEqual(draw(new Rng(42), 50));
    expect(draw(new Rng(42), 50)).not.toEqual(draw(new Rng(43), 50));
    const zero = new Rng(0); // seed 0 must not give a degenerate stream
    expect(new Set(Array.from({ length: 20 }, () => zero.nextUint32())).size).toBe(20);
  });

  it('continues the same stream after getState/setState, through JSON, mid Box-Muller pair', () => {
    const a = new Rng(7);
    draw(a, 10);
    a.normal(); // leaves a spare normal in the state
    const saved = JSON.parse(JSON.stringify(a.getState())) as RngState;
    expect(saved.spare).not.toBeNull();
    const expected = draw(a, 100);
    expect(draw(Rng.fromState(saved), 100)).toEqual(expected);
    const b = new Rng(999);
    b.setState(saved);
    expect(draw(b, 100)).toEqual(expected);
  });

  it('rejects invalid states', () => {
    expect(() => Rng.fromState({ s: [0, 0, 0, 0], spare: null })).toThrow(/all-zero/);
    expect(() => Rng.fromState({ s: [1, 2] as unknown as RngState['s'], spare: null })).toThrow(/invalid/);
  });

  it('draws in range with plausible statistics', () => {
    const r = new Rng(1);
    const n = 20000;
    let s = 0, s2 = 0, u = 0;
    const counts = new Array(5).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal(2, 3);
      s += z;
      s2 += z * z;
      const x = r.next();
      if (!(x >= 0 && x < 1)) outOfRange++;
      u += x;
      counts[r.int(5)]++;
    }
    expect(outOfRange).toBe(0);
    expect(s / n).toBeCloseTo(2, 1);
    expect(Math.sqrt(s2 / n - (s / n) ** 2)).toBeCloseTo(3, 1);
    expect(u / n).toBeCloseTo(0.5, 1);
    for (const c of counts) expect(Math.abs(c - n / 5)).toBeLessThan(300);
  });

  it('shuffles into a permutation, deterministically', () => {
    const p = new Rng(5).permutation(100);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(new Rng(5).shuffle(Array.from({ length: 100 }, (_, i) => i))).toEqual([...p]);
  });

  it('derives distinct, stable seeds from positions', () => {
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    const seen = new Set<number>();
    for (let e = 0; e < 50; e++) for (let b = 0; b < 50; b++) seen.add(deriveSeed(1, e, b));
    expect(seen.size).toBe(2500);
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
  });
});
