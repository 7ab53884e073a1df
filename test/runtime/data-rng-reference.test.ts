/**
 * Rng against a second implementation written here in BigInt arithmetic
 * (no 32-bit tricks: no `>>> 0`, `| 0` or Math.imul), from the published
 * algorithms: splitmix32 to seed, xoshiro128** (Blackman & Vigna) to draw,
 * rejection sampling for integers, Box-Muller for normals, Fisher-Yates for
 * shuffles. Every draw and the state after them must match exactly.
 */
import { describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from '../../runtime/data/rng.js';

const M = (1n << 32n) - 1n;
const GOLDEN = 0x9e3779b9n;
const u32 = (x: bigint) => x & M;
const rotl = (x: bigint, k: bigint) => u32((x << k) | (x >> (32n - k)));

function splitmix(x0: bigint): bigint {
  const x = u32(x0 + GOLDEN);
  let z = u32((x ^ (x >> 16n)) * 0x85ebca6bn);
  z = u32((z ^ (z >> 13n)) * 0xc2b2ae35n);
  return z ^ (z >> 16n);
}

class Reference {
  s: bigint[];
  spare: number | null = null;
  constructor(seed: number) {
    let x = u32(BigInt(seed));
    this.s = [0, 1, 2, 3].map(() => {
      x = u32(x + GOLDEN);
      return splitmix(x);
    });
  }
  uint32(): number {
    const [s0, s1, s2, s3] = this.s as [bigint, bigint, bigint, bigint];
    const result = u32(rotl(u32(s1 * 5n), 7n) * 9n);
    const t = u32(s1 << 9n);
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    this.s = [n0, n1, n2 ^ t, rotl(n3, 11n)];
    return Number(result);
  }
  next(): number {
    return this.uint32() / 2 ** 32;
  }
  int(n: number): number {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const v = this.uint32();
      if (v < limit) return v % n;
    }
  }
  normal(mean: number, std: number): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }
}

const SEEDS = [0, 1, 42, 123456789, 2 ** 32 - 1, -1];

describe('Rng matches a BigInt xoshiro128** seeded by splitmix32', () => {
  it('draws the same 32-bit integers and ends in the same state', () => {
    for (const seed of SEEDS) {
      const rng = new Rng(seed);
      const ref = new Reference(seed);
      const got = Array.from({ length: 50 }, () => rng.nextUint32());
      expect(got, `seed ${seed}`).toEqual(Array.from({ length: 50 }, () => ref.uint32()));
      expect(rng.getState().s).toEqual(ref.s.map(Number));
    }
  });

  it('uniform floats in [0, 1) are the integers over 2^32', () => {
    const rng = new Rng(5);
    const ref = new Reference(5);
    for (let i = 0; i < 20; i++) expect(rng.next()).toBe(ref.next());
  });

  it('integers below n, with rejection (n = 3, 10, 2^31 + 1 rejects about half the draws, 2^32)', () => {
    for (const n of [1, 3, 10, 2 ** 31 + 1, 2 ** 32]) {
      const rng = new Rng(9);
      const ref = new Reference(9);
      const got = Array.from({ length: 40 }, () => rng.int(n));
      expect(got, `n = ${n}`).toEqual(Array.from({ length: 40 }, () => ref.int(n)));
      got.forEach((v) => expect(v >= 0 && v < n && Number.isInteger(v)).toBe(true));
    }
  });

  it('refuses bounds that are not positive integers of at most 2^32', () => {
    const rng = new Rng(1);
    for (const n of [0, -1, 2.5, 2 ** 32 + 1, NaN]) expect(() => rng.int(n), `n = ${n}`).toThrow(/bad bound/);
  });

  it('normals in Box-Muller pairs (cosine first, the sine kept for the next call), scaled and shifted', () => {
    const rng = new Rng(77);
    const ref = new Reference(77);
    for (let i = 0; i < 12; i++) expect(rng.normal(2, 3)).toBe(ref.normal(2, 3));
    expect(rng.normal()).toBe(ref.normal(0, 1));
  });

  it('shuffles by Fisher-Yates from the last position down, one draw per position but the first', () => {
    const rng = new Rng(3);
    const ref = new Reference(3);
    const want = Array.from({ length: 10 }, (_, i) => i);
    for (let i = want.length - 1; i > 0; i--) {
      const j = ref.int(i + 1);
      [want[i], want[j]] = [want[j]!, want[i]!];
    }
    expect(Array.from(rng.permutation(10))).toEqual(want);
    // nine draws for ten items (none for the last position left): the stream goes on from there
    expect(rng.nextUint32()).toBe(ref.uint32());
  });

  it('derives seeds by splitmix32 over the seed, then each part times 0x27d4eb2d', () => {
    const derive = (seed: number, ...parts: number[]) => {
      let h = splitmix(u32(BigInt(seed)));
      for (const p of parts) h = splitmix(h ^ u32(u32(BigInt(p)) * 0x27d4eb2dn));
      return Number(h);
    };
    for (const [seed, parts] of [[0, []], [7, [3]], [7, [3, 5]], [2 ** 32 - 1, [0, 1, 2]], [42, [-1]]] as [number, number[]][]) {
      expect(deriveSeed(seed, ...parts), `${seed} ${parts}`).toBe(derive(seed, ...parts));
    }
  });
});

describe('Rng state', () => {
  it('a state set from JSON continues both the stream and a pending Box-Muller spare', () => {
    const a = new Rng(8);
    a.normal();
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.getState())));
    expect(b.normal()).toBe(a.normal());
    expect(b.nextUint32()).toBe(a.nextUint32());
  });

  it('refuses states that are not four integers, or all zero', () => {
    const rng = new Rng(1);
    for (const s of [[1, 2, 3], [1, 2, 3, 4.5], [1, 2, 3, 4, 5], 'abcd', [0, 0, 0, 0]]) {
      expect(() => rng.setState({ s: s as never, spare: null }), JSON.stringify(s)).toThrow(/invalid RNG state/);
    }
    expect(() => rng.setState({ s: [0, 0, 0, 1], spare: null })).not.toThrow();
  });
});
