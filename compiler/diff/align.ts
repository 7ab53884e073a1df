/**
 * Aligns two sequences of uniquely named items (a model's ops): by name first,
 * then by similarity for what names cannot pair (renamed, inserted, removed).
 * Linear memory for long, mostly equal sequences: the common prefix and suffix
 * are stripped, names common to both sides become anchors (the longest run of
 * them in the same order, as patience diff), and only the gaps between anchors
 * are aligned by a DP, whose table is bounded (a greedy pass beyond the bound).
 */

/** One row of an alignment: an index into each side, -1 where the row has no partner. */
export interface AlignedPair {
  a: number;
  b: number;
}

export interface AlignOptions<T> {
  /** The item's name: unique within its sequence. */
  key(item: T): string;
  /** Cost in [0, 1] of pairing two differently named items; undefined: never pair them. */
  pairCost(x: T, y: T): number | undefined;
  /** Largest DP table (cells) for one gap; beyond it the gap is aligned greedily. */
  maxCells?: number;
}

const DEFAULT_MAX_CELLS = 1 << 22;
/** How far the greedy pass looks ahead for a partner. */
const GREEDY_LOOKAHEAD = 64;

export function alignSequences<T>(a: readonly T[], b: readonly T[], options: AlignOptions<T>): AlignedPair[] {
  const { key } = options;
  const out: AlignedPair[] = [];
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && key(a[prefix]!) === key(b[prefix]!)) out.push({ a: prefix, b: prefix++ });
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && key(a[a.length - 1 - suffix]!) === key(b[b.length - 1 - suffix]!)) suffix++;
  const aEnd = a.length - suffix;
  const bEnd = b.length - suffix;

  // Anchors: names on both sides, kept where they appear in the same order.
  const bIndex = new Map<string, number>();
  for (let j = prefix; j < bEnd; j++) bIndex.set(key(b[j]!), j);
  const commonA: number[] = [];
  const commonB: number[] = [];
  for (let i = prefix; i < aEnd; i++) {
    const j = bIndex.get(key(a[i]!));
    if (j !== undefined) {
      commonA.push(i);
      commonB.push(j);
    }
  }
  const isAnchor = longestIncreasingRun(commonB);
  // A common name that is not an anchor was moved: it must not pair with another name.
  const moved = new Set<string>();
  commonA.forEach((i, k) => {
    if (!isAnchor[k]) moved.add(key(a[i]!));
  });

  let i = prefix;
  let j = prefix;
  const anchorsAndEnd = commonA.length + 1;
  for (let k = 0; k < anchorsAndEnd; k++) {
    const end = k === commonA.length;
    if (!end && !isAnchor[k]) continue;
    const ai = end ? aEnd : commonA[k]!;
    const bj = end ? bEnd : commonB[k]!;
    alignGap(a, b, i, ai, j, bj, options, moved, out);
    if (!end) out.push({ a: ai, b: bj });
    i = ai + 1;
    j = bj + 1;
  }
  for (let s = suffix; s > 0; s--) out.push({ a: a.length - s, b: b.length - s });
  return out;
}

/** Marks the longest subsequence whose values increase (patience sorting): O(n log n). */
function longestIncreasingRun(values: readonly number[]): Uint8Array {
  const tails: number[] = [];
  const previous = new Int32Array(values.length).fill(-1);
  values.forEach((v, k) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]!]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[k] = tails[lo - 1]!;
    tails[lo] = k;
  });
  const marked = new Uint8Array(values.length);
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k >= 0; k = previous[k]!) marked[k] = 1;
  return marked;
}

function alignGap<T>(
  a: readonly T[], b: readonly T[], a0: number, a1: number, b0: number, b1: number,
  options: AlignOptions<T>, moved: Set<string>, out: AlignedPair[],
): void {
  const n = a1 - a0;
  const m = b1 - b0;
  if (n === 0 || m === 0) {
    for (let i = a0; i < a1; i++) out.push({ a: i, b: -1 });
    for (let j = b0; j < b1; j++) out.push({ a: -1, b: j });
    return;
  }
  const cost = (x: T, y: T) => (moved.has(options.key(x)) || moved.has(options.key(y)) ? undefined : options.pairCost(x, y));
  if ((n + 1) * (m + 1) > (options.maxCells ?? DEFAULT_MAX_CELLS)) greedyGap(a, b, a0, a1, b0, b1, cost, out);
  else dpGap(a, b, a0, n, b0, m, cost, out);
}

const DIAG = 1;
const UP = 2; // a[i] removed
const LEFT = 3; // b[j] added

/** Edit distance with pairing costs: removing or adding costs 1, pairing its cost (< 1). */
function dpGap<T>(a: readonly T[], b: readonly T[], a0: number, n: number, b0: number, m: number, cost: (x: T, y: T) => number | undefined, out: AlignedPair[]): void {
  const move = new Uint8Array((n + 1) * (m + 1));
  let prev = new Float64Array(m + 1);
  let row = new Float64Array(m + 1);
  for (let j = 0; j <= m; j++) {
    prev[j] = j;
    move[j] = LEFT;
  }
  for (let i = 1; i <= n; i++) {
    row[0] = i;
    move[i * (m + 1)] = UP;
    for (let j = 1; j <= m; j++) {
      let best = prev[j]! + 1;
      let how = UP;
      // Ties go to the addition, so that (read forwards) removals come before additions, as in git.
      if (row[j - 1]! + 1 <= best) {
        best = row[j - 1]! + 1;
        how = LEFT;
      }
      const c = cost(a[a0 + i - 1]!, b[b0 + j - 1]!);
      if (c !== undefined && prev[j - 1]! + c <= best) {
        best = prev[j - 1]! + c;
        how = DIAG;
      }
      row[j] = best;
      move[i * (m + 1) + j] = how;
    }
    [prev, row] = [row, prev];
  }
  const path: AlignedPair[] = [];
  for (let i = n, j = m; i > 0 || j > 0; ) {
    const how = move[i * (m + 1) + j];
    if (how === DIAG) path.push({ a: a0 + --i, b: b0 + --j });
    else if (how === UP) path.push({ a: a0 + --i, b: -1 });
    else path.push({ a: -1, b: b0 + --j });
  }
  for (let k = path.length - 1; k >= 0; k--) out.push(path[k]!);
}

/** For gaps too large for the DP: pair in order, looking a little ahead on b. */
function greedyGap<T>(a: readonly T[], b: readonly T[], a0: number, a1: number, b0: number, b1: number, cost: (x: T, y: T) => number | undefined, out: AlignedPair[]): void {
  let j = b0;
  for (let i = a0; i < a1; i++) {
    let found = -1;
    for (let k = j; k < Math.min(b1, j + GREEDY_LOOKAHEAD); k++) {
      if (cost(a[i]!, b[k]!) !== undefined) {
        found = k;
        break;
      }
    }
    if (found < 0) {
      out.push({ a: i, b: -1 });
      continue;
    }
    while (j < found) out.push({ a: -1, b: j++ });
    out.push({ a: i, b: j++ });
  }
  while (j < b1) out.push({ a: -1, b: j++ });
}
