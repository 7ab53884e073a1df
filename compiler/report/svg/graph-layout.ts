/**
 * Where each op of a graph goes in the architecture drawing: a column (its
 * rank: the longest path from the input, so everything an op reads is to its
 * left) and a track (a row; branches run in parallel tracks below the main
 * one), and how each edge is routed between them. A pure function of the ops
 * and what they read; the drawing turns columns and tracks into pixels.
 *
 *   - An op continues the track of the first op it reads, unless another op
 *     already continued it (the second reader of a fork opens a branch) or
 *     the cells on the way are taken; then it takes the first track whose
 *     cells from its input's column to its own are free. The cells on the
 *     way are kept for the edge, so no box sits on a line.
 *   - Any other input of a merge comes along its own track when the cells
 *     on the way are free, else along the first track where they are (a
 *     residual block's identity shortcut runs in the track below the block).
 *
 * A chain is one track, so a plain stack of layers draws as it always did.
 */

/** An edge: from an op to an op, along a track between them. */
export interface EdgeRoute {
  from: number;
  to: number;
  /** The track the edge runs along between the two columns (the source's, the target's or a free one). */
  track: number;
}

export interface GraphLayout {
  /** Per op: its column (0: the input). */
  column: number[];
  /** Per op: its track (0: the top one). */
  track: number[];
  columns: number;
  tracks: number;
  edges: EdgeRoute[];
}

/** `inputs[i]`: the indices of the ops op i reads, all smaller than i (a topological order); op 0 is the input. */
export function layoutGraph(inputs: readonly (readonly number[])[]): GraphLayout {
  const n = inputs.length;
  const column = new Array<number>(n).fill(0);
  for (let i = 1; i < n; i++) column[i] = 1 + Math.max(0, ...inputs[i]!.map((j) => column[j]!));
  const track = new Array<number>(n).fill(0);
  /** Per track, the columns taken (by a box or by an edge passing through). */
  const taken: Set<number>[] = [new Set([0])];
  const free = (t: number, from: number, to: number) => {
    const cells = taken[t];
    if (!cells) return true;
    for (let c = from; c <= to; c++) if (cells.has(c)) return false;
    return true;
  };
  const take = (t: number, from: number, to: number) => {
    while (taken.length <= t) taken.push(new Set());
    for (let c = from; c <= to; c++) taken[t]!.add(c);
  };
  const firstFree = (from: number, to: number) => {
    let t = 0;
    while (!free(t, from, to)) t++;
    return t;
  };
  const continued = new Set<number>();
  const edges: EdgeRoute[] = [];

  for (let i = 1; i < n; i++) {
    const reads = inputs[i]!;
    const main = reads[0];
    if (main === undefined) {
      track[i] = firstFree(column[i]!, column[i]!);
      take(track[i]!, column[i]!, column[i]!);
      continue;
    }
    const start = column[main]! + 1;
    if (!continued.has(main) && free(track[main]!, start, column[i]!)) {
      track[i] = track[main]!;
      continued.add(main);
    } else {
      track[i] = firstFree(start, column[i]!);
    }
    take(track[i]!, start, column[i]!);
    edges.push({ from: main, to: i, track: track[i]! });
    for (const j of reads.slice(1)) {
      // Between the two columns: along the input's own track if it is clear, else the first clear one.
      const from = column[j]! + 1;
      const to = column[i]! - 1;
      const t = from > to || free(track[j]!, from, to) ? track[j]! : firstFree(from, to);
      take(t, from, to);
      edges.push({ from: j, to: i, track: t });
    }
  }
  return { column, track, columns: Math.max(...column) + 1, tracks: taken.length, edges };
}
