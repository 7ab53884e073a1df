/**
 * What a diff says about the graph, beyond each op's own attributes: which
 * ops read something else now (a rewired edge), and which runs of ops were
 * added or removed (a branch, or a few layers on an edge).
 *
 * A reader whose input was removed and now reads what the removed op read,
 * or that now reads an added op which itself reads the old input, was not
 * rewired: the `+`/`-` rows already say so. So inserting or removing layers
 * on a chain marks no reader, and only a real change of what reads what does.
 */

/** One op of one side, as far as the graph goes. */
export interface GraphSide {
  name: string;
  /** The ops it reads, by name (`input`: the model input). */
  inputs: readonly string[];
}

/** A connected run of added (or removed) ops: where it starts and which ops read it. */
export interface BranchChange {
  status: 'added' | 'removed';
  /** Its ops, in the plan's order. */
  ops: string[];
  /** The ops outside it that it reads. */
  from: string[];
  /** The ops outside it that read it. */
  into: string[];
  /** Its ops form one chain, each reading the one before (else the run forks inside, as an inception module). */
  chain: boolean;
  /** `branch`: a path beside others (its source feeds other ops too, or a merge joins it); `edge`: layers on one edge of a chain. */
  kind: 'branch' | 'edge';
}

export interface Pairing<T extends GraphSide> {
  a: readonly T[];
  b: readonly T[];
  /** Rows of the alignment: an index into each side, -1 where the row has no partner. */
  pairs: readonly { a: number; b: number }[];
}

const MODEL_INPUT = 'input';

/** For each paired row (by index into `pairs`), whether the op reads something else now. */
export function rewiredRows<T extends GraphSide>({ a, b, pairs }: Pairing<T>): boolean[] {
  const aToB = new Map<string, string>([[MODEL_INPUT, MODEL_INPUT]]);
  const removed = new Map<string, T>();
  const added = new Map<string, T>();
  for (const p of pairs) {
    if (p.a >= 0 && p.b >= 0) aToB.set(a[p.a]!.name, b[p.b]!.name);
    else if (p.a >= 0) removed.set(a[p.a]!.name, a[p.a]!);
    else added.set(b[p.b]!.name, b[p.b]!);
  }
  // Through removed ops to what they read (on a), through added ops to what their first input reads (on b).
  const throughRemoved = (name: string) => {
    for (let op = removed.get(name), guard = 0; op && op.inputs.length === 1 && guard <= a.length; op = removed.get(name), guard++) name = op.inputs[0]!;
    return aToB.get(name) ?? `a:${name}`;
  };
  const throughAdded = (name: string) => {
    for (let op = added.get(name), guard = 0; op && op.inputs.length > 0 && guard <= b.length; op = added.get(name), guard++) name = op.inputs[0]!;
    return name;
  };
  return pairs.map((p) => {
    if (p.a < 0 || p.b < 0) return false;
    const x = a[p.a]!.inputs.map(throughRemoved);
    const y = b[p.b]!.inputs.map(throughAdded);
    return x.length !== y.length || x.some((v, k) => v !== y[k]);
  });
}

/** The added ops of b and the removed ops of a, grouped into connected runs. */
export function branchChanges<T extends GraphSide>({ a, b, pairs }: Pairing<T>): BranchChange[] {
  const onlyA = new Set(pairs.filter((p) => p.b < 0).map((p) => a[p.a]!.name));
  const onlyB = new Set(pairs.filter((p) => p.a < 0).map((p) => b[p.b]!.name));
  return [...components(a, onlyA, 'removed'), ...components(b, onlyB, 'added')];
}

function components<T extends GraphSide>(ops: readonly T[], members: ReadonlySet<string>, status: BranchChange['status']): BranchChange[] {
  if (members.size === 0) return [];
  const readers = new Map<string, string[]>();
  for (const op of ops) {
    for (const x of op.inputs) {
      const list = readers.get(x);
      if (list) list.push(op.name);
      else readers.set(x, [op.name]);
    }
  }
  const inputsOf = new Map(ops.map((op) => [op.name, op.inputs]));
  // Union-find over the member ops, joined along the edges between them.
  const parent = new Map<string, string>();
  const root = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const name of members) parent.set(name, name);
  for (const op of ops) {
    if (!members.has(op.name)) continue;
    for (const x of op.inputs) if (members.has(x)) parent.set(root(op.name), root(x));
  }
  const groups = new Map<string, string[]>();
  for (const op of ops) {
    if (!members.has(op.name)) continue;
    const group = groups.get(root(op.name));
    if (group) group.push(op.name);
    else groups.set(root(op.name), [op.name]);
  }

  return [...groups.values()].map((group) => {
    const inGroup = new Set(group);
    const isMember = (x: string) => inGroup.has(x);
    const from = unique(group.flatMap((n) => inputsOf.get(n)!.filter((x) => !isMember(x))));
    const into = unique(group.flatMap((n) => (readers.get(n) ?? []).filter((r) => !isMember(r))));
    // Beside other paths: a source read by ops outside the run, or a reader that also reads something else.
    const branch = from.some((x) => (readers.get(x) ?? []).some((r) => !isMember(r))) || into.some((r) => inputsOf.get(r)!.some((x) => !isMember(x)));
    const chain = group.every((n, k) => {
      const within = inputsOf.get(n)!.filter(isMember);
      return k === 0 ? within.length === 0 : within.length === 1 && within[0] === group[k - 1] && (readers.get(group[k - 1]!) ?? []).filter(isMember).length === 1;
    });
    return { status, ops: group, from, into, chain, kind: branch ? 'branch' : 'edge' };
  });
}

const unique = (xs: string[]) => [...new Set(xs)];
