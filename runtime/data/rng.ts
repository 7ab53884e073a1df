/**
 * Deterministic, resumable pseudo-random numbers for shuffling and augmentation.
 *
 * xoshiro128** (Blackman & Vigna): 128 bits of state, fast with 32-bit integer
 * maths, good statistical quality. The whole state (including the spare normal
 * that Box-Muller produces) is a plain JSON-able object, so a trainer can write
 * it into a checkpoint and a resumed run continues the exact same stream.
 */

export interface RngState {
  /** The four 32-bit words of xoshiro128** state, as unsigned integers. */
  s: [number, number, number, number];
  /** Second value of the last Box-Muller pair, not yet handed out. */
  spare: number | null;
}

/** splitmix32: spreads a (possibly small, possibly zero) seed over 32 bits. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Combine a seed with further integers (epoch, batch index, a stream tag, ...)
 * into a new 32-bit seed. Lets callers derive independent, position-addressed
 * streams, e.g. "the shuffle of epoch 7", without replaying earlier epochs.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = splitmix32(seed >>> 0);
  for (const p of parts) h = splitmix32((h ^ Math.imul(p >>> 0, 0x27d4eb2d)) >>> 0);
  return h;
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed: number) {
    // Fill the state from a splitmix sequence; all-zero state is impossible
    // because splitmix32 is a bijection stepped by a non-zero constant.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return splitmix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  getState(): RngState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spare: this.spare };
  }

  setState(state: RngState): void {
    const s = state.s;
    if (!Array.isArray(s) || s.length !== 4 || s.some((v) => !Number.isInteger(v))) {
      throw new Error(`invalid RNG state: ${JSON.stringify(state)}`);
    }
    if (s.every((v) => v === 0)) throw new Error('invalid RNG state: all-zero xoshiro state');
    [this.s0, this.s1, this.s2, this.s3] = s.map((v) => v | 0) as [number, number, number, number];
    this.spare = state.spare ?? null;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). Rejection sampling avoids modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`Rng.int: bad bound ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let v: number;
    do v = this.nextUint32();
    while (v >= limit);
    return v % n;
  }

  /** Normal deviate via Box-Muller; the second value of each pair is kept (in the state) for the next call. */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next(); // log(0) would be -Infinity
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle; returns the same array. */
  shuffle<A extends { length: number; [i: number]: unknown }>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
