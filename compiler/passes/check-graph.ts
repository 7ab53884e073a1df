/**
 * The layer graph: which layer reads which. Each layer names what it reads
 * (`input:`/`inputs:`, by default the layer before it); this pass resolves
 * the names and checks the graph:
 *
 *   - every name is a layer (or `input`, the model input), with "did you mean";
 *   - layers are listed in the order they compute: a layer reads layers above
 *     it. A reference down the list is reported, unless it closes a cycle,
 *     which is reported as the cycle. Cycles need a reference down the list,
 *     so they are looked for only when there is one (Tarjan's components over
 *     every edge, iteratively);
 *   - each layer reads as many inputs as its type takes;
 *   - the model output is the declared `output`, else the one layer nobody
 *     reads; several such layers without a declared output are an error, and
 *     any other layer nobody reads is a dead branch (a warning; it is left out
 *     of the plan).
 *
 * The result gives every layer its inputs as layer indices (-1 is the model
 * input), or null when a reference is broken: the shape pass then treats that
 * layer as unknown without a second error.
 */
import { DiagnosticSink, type RelatedSpan } from '../diagnostics/diagnostic.js';
import { isInstanceLayer, spanAt, type SpecDocument } from '../frontend/document.js';
import type { Span } from '../source/source-file.js';
import { kindOf } from '../ops/index.js';
import type { LayerSpec, ModelSpec } from '../spec/types.js';
import { didYouMean } from '../text/suggest.js';

/** The model input's name wherever a layer names what it reads. */
export const MODEL_INPUT = 'input';

export interface LayerGraph {
  /** Per layer, the indices of the layers it reads (-1: the model input); null where a reference is broken. */
  inputs: (number[] | null)[];
  /** Index of the output layer, or null when there is none (an error was reported). */
  output: number | null;
  /** Per layer: its output reaches the model output (others are left out of the plan). */
  live: boolean[];
}


export function checkGraph(spec: ModelSpec, doc: SpecDocument, sink: DiagnosticSink): LayerGraph {
  const layers = spec.layers;
  const n = layers.length;
  const byName = new Map<string, number>();
  layers.forEach((l, i) => {
    if (!byName.has(l.name)) byName.set(l.name, i); // a duplicate name is reported by check-names
  });
  const names = [...byName.keys(), MODEL_INPUT];
  const typeSpan = (l: LayerSpec) => spanAt(doc, `${l.pointer}/type`) ?? spanAt(doc, l.pointer);
  /** Where the k-th input of a layer is written (or the layer, when it reads the layer before it). */
  const inputSpan = (l: LayerSpec, k: number): Span | undefined => {
    if (l.src.inputs) return spanAt(doc, `${l.src.inputs}/${k}`);
    if (l.src.input) return spanAt(doc, l.src.input);
    return typeSpan(l);
  };
  const listSpan = (l: LayerSpec) => spanAt(doc, l.src.inputs ?? l.src.input ?? `${l.pointer}/type`);

  for (const l of layers) {
    if (l.name === MODEL_INPUT) {
      sink.report('NETC3012', spanAt(doc, `${l.pointer}/name`) ?? typeSpan(l), { name: l.name }, { hint: 'rename the layer' });
    }
    if (l.src.input && l.src.inputs) {
      sink.report('NETC3013', spanAt(doc, l.src.input, 'key'), { name: l.name }, { hint: 'keep `inputs: [...]` and remove `input`' });
    }
  }

  /** Per layer, what each of its inputs names: a layer index, -1 for the model input, undefined for no such layer. */
  const refs: (number | undefined)[][] = layers.map((l, i) => {
    // Reading the layer before is by position, so a duplicated name (NETC3001) does not break a chain.
    if (!l.src.input && !l.src.inputs) return [i - 1];
    return l.inputs.map((name) => (name === MODEL_INPUT ? -1 : byName.get(name)));
  });
  const inputs: (number[] | null)[] = [];
  /** Edges to a layer at or below the reader: forward references and self-reads. */
  const forward: { from: number; to: number; k: number }[] = [];
  layers.forEach((l, i) => {
    let ok = true;
    const ids: number[] = [];
    refs[i]!.forEach((j, k) => {
      const name = l.inputs[k]!;
      if (j === undefined) {
        ok = false;
        const hint = didYouMean(name, names) ?? 'name a layer above this one, or `input` for the model input';
        sink.report('NETC3006', inputSpan(l, k), { reader: `\`${l.name}\` reads`, name }, { hint });
        return;
      }
      if (j >= i) forward.push({ from: i, to: j, k });
      ids.push(j);
    });
    const { min, max } = kindOf(l).inputs ?? { min: 1, max: 1 };
    if (ok && (ids.length < min || ids.length > max)) {
      ok = false;
      const takes = max === Infinity ? `${min} or more` : String(min);
      const hint = max === Infinity ? `name what it merges: \`inputs: [a, b]\`` : 'merge several inputs first with an `add` or `concat` layer';
      sink.report('NETC3011', listSpan(l), { type: l.type, name: l.name, count: `${ids.length} input${ids.length === 1 ? '' : 's'}`, takes }, { hint });
    }
    inputs.push(ok ? ids : null);
  });

  if (forward.length) reportOrderProblems(forward);
  // A layer reading a layer below it cannot be ordered: it is unknown to the shape pass.
  for (const f of forward) inputs[f.from] = null;

  // Who reads each layer (the model input is not a layer).
  const readers: number[][] = layers.map(() => []);
  inputs.forEach((ids, i) => ids?.forEach((j) => j >= 0 && readers[j]!.push(i)));
  // A layer reading a broken one is not a sink either: count the references it names.
  layers.forEach((_, i) => {
    if (inputs[i]) return;
    for (const j of refs[i]!) if (j !== undefined && j >= 0 && j !== i && !readers[j]!.includes(i)) readers[j]!.push(i);
  });

  // Per layer, the softmax it is downstream of (in list order every input comes first).
  const afterSoftmax: (string | null)[] = [];
  inputs.forEach((ids, i) => {
    let found: string | null = null;
    for (const j of ids ?? []) if (j >= 0) found ??= layers[j]!.type === 'softmax' ? layers[j]!.name : afterSoftmax[j]!;
    afterSoftmax.push(found);
  });

  const output = findOutput();
  const live = markLive(output);
  reportAfterSoftmax();
  if (output !== null) {
    for (let i = 0; i < n; i++) {
      if (i === output || readers[i]!.length > 0 || afterSoftmax[i] || layers[i]!.name === MODEL_INPUT) continue;
      sink.report('NETC3009', typeSpan(layers[i]!), { name: layers[i]!.name }, { hint: 'read it in a merge (`add`, `concat`), declare it the model `output`, or remove it' });
    }
  }
  return { inputs, output, live };

  function findOutput(): number | null {
    if (spec.output !== null) {
      const j = byName.get(spec.output);
      if (j === undefined) {
        sink.report('NETC3006', spanAt(doc, '/output'), { reader: '`output` names', name: spec.output }, { hint: didYouMean(spec.output, names) ?? 'name the layer whose output is the model output' });
        return null;
      }
      return j;
    }
    // A layer called `input` (NETC3012) is never read: it is not an output either. Nor is a
    // layer of a block that the block itself does not read: that is a dead branch of the block.
    const sinks = layers.map((_, i) => i).filter((i) => readers[i]!.length === 0 && !afterSoftmax[i] && layers[i]!.name !== MODEL_INPUT && !isInstanceLayer(doc, layers[i]!.pointer));
    // Layers after a softmax are reported as such; the last of them is the output, as before graphs.
    if (sinks.length === 0) return n > 0 && forward.length === 0 ? n - 1 : null;
    if (sinks.length === 1) return sinks[0]!;
    const [first, ...rest] = sinks.map((i) => layers[i]!);
    const related: RelatedSpan[] = rest.flatMap((l) => {
      const s = typeSpan(l);
      return s ? [{ span: s, label: `\`${l.name}\` is read by no layer either` }] : [];
    });
    const shown = sinks.length <= 4 ? sinks.map((i) => `\`${layers[i]!.name}\``).join(', ') : `\`${first!.name}\`, \`${rest[0]!.name}\` and ${sinks.length - 2} more`;
    sink.report('NETC3010', typeSpan(first!), { count: sinks.length, names: shown }, {
      hint: `say which one is the model output, e.g. \`output: ${layers[sinks[sinks.length - 1]!]!.name}\`, or read the others in a merge`,
      related,
    });
    return null;
  }

  function markLive(out: number | null): boolean[] {
    const alive = new Array<boolean>(n).fill(false);
    if (out === null) return alive.fill(true); // no plan is built: nothing to leave out
    const stack = [out];
    alive[out] = true;
    while (stack.length) {
      for (const j of inputs[stack.pop()!] ?? []) {
        if (j >= 0 && !alive[j]) {
          alive[j] = true;
          stack.push(j);
        }
      }
    }
    return alive;
  }

  /** A layer downstream of the softmax output (the paper's nets end with it) is almost surely a mistake. */
  function reportAfterSoftmax(): void {
    for (let i = 0; i < n; i++) {
      if (!afterSoftmax[i]) continue;
      const l = layers[i]!;
      sink.report('NETC3003', typeSpan(l), { name: l.name, output: afterSoftmax[i]! }, { hint: 'the softmax is the output: move this layer before it, or remove it' });
    }
  }

  function reportOrderProblems(edges: { from: number; to: number; k: number }[]): void {
    const cyclic = findCycles();
    for (const e of edges) {
      const reader = layers[e.from]!;
      if (cyclic.has(e.from) && cyclic.get(e.from) === cyclic.get(e.to)) continue;
      const target = layers[e.to]!;
      const defined = typeSpan(target);
      sink.report('NETC3008', inputSpan(reader, e.k), { name: reader.name, input: target.name }, {
        hint: `move \`${target.name}\` above \`${reader.name}\`: layers are listed in the order they compute`,
        related: defined ? [{ span: defined, label: `\`${target.name}\` is defined here, below` }] : [],
      });
    }
  }

  /** Strongly connected components with a cycle; reports each cycle once. Returns layer -> component. */
  function findCycles(): Map<number, number> {
    const succ = (i: number) => refs[i]!.filter((j): j is number => j !== undefined && j >= 0);
    const index = new Array<number>(n).fill(-1);
    const low = new Array<number>(n).fill(0);
    const onStack = new Array<boolean>(n).fill(false);
    const stack: number[] = [];
    const component = new Map<number, number>();
    let counter = 0;
    for (let root = 0; root < n; root++) {
      if (index[root] !== -1) continue;
      // Iterative Tarjan: frames of (node, next successor position).
      const frames: [number, number][] = [[root, 0]];
      index[root] = low[root] = counter++;
      stack.push(root);
      onStack[root] = true;
      while (frames.length) {
        const frame = frames[frames.length - 1]!;
        const [v, pos] = frame;
        const next = succ(v);
        if (pos < next.length) {
          frame[1]++;
          const w = next[pos]!;
          if (index[w] === -1) {
            index[w] = low[w] = counter++;
            stack.push(w);
            onStack[w] = true;
            frames.push([w, 0]);
          } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
          continue;
        }
        frames.pop();
        if (frames.length) {
          const parent = frames[frames.length - 1]![0];
          low[parent] = Math.min(low[parent]!, low[v]!);
        }
        if (low[v] !== index[v]) continue;
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          members.push(w);
        } while (w !== v);
        if (members.length > 1 || succ(v).includes(v)) {
          for (const m of members) component.set(m, v);
          reportCycle(new Set(members), succ);
        }
      }
    }
    return component;
  }

  /** One cycle through a component, shown as `a -> b -> a` (each reads the next), at its lowest layer's reference. */
  function reportCycle(members: Set<number>, succ: (i: number) => number[]): void {
    const start = Math.min(...members);
    const path = [start];
    const seen = new Set([start]);
    let at = start;
    for (;;) {
      const next = succ(at).find((j) => members.has(j) && (j === start || !seen.has(j)));
      if (next === undefined || next === start) break;
      path.push(next);
      seen.add(next);
      at = next;
    }
    const cycle = [...path, start].map((i) => `\`${layers[i]!.name}\``).join(' reads ');
    const first = layers[start]!;
    const k = first.inputs.indexOf(layers[path[1] ?? start]!.name);
    const related: RelatedSpan[] = path.slice(1).flatMap((i, m) => {
      const l = layers[i]!;
      const target = layers[path[m + 2] ?? start]!;
      const s = inputSpan(l, Math.max(0, l.inputs.indexOf(target.name)));
      return s ? [{ span: s, label: `\`${l.name}\` reads \`${target.name}\` here` }] : [];
    });
    sink.report('NETC3007', inputSpan(first, Math.max(0, k)), { cycle }, { hint: 'a layer can only read layers above it: break the cycle', related });
  }
}

/** The IR check after this pass: edges point up the list, the output and its ancestors are live. */
export function verifyGraph(spec: ModelSpec, graph: LayerGraph): string[] {
  const problems: string[] = [];
  const n = spec.layers.length;
  if (graph.inputs.length !== n || graph.live.length !== n) problems.push(`the graph has ${graph.inputs.length} layers, the spec ${n}`);
  graph.inputs.forEach((ids, i) => {
    for (const j of ids ?? []) if (!Number.isInteger(j) || j < -1 || j >= i) problems.push(`layer ${i} reads ${j}, not a layer above it`);
    if (graph.output !== null && graph.live[i] && ids) for (const j of ids) if (j >= 0 && !graph.live[j]) problems.push(`layer ${i} is live but its input ${j} is not`);
  });
  if (graph.output !== null && !(graph.output >= 0 && graph.output < n && graph.live[graph.output])) problems.push(`the output ${graph.output} is not a live layer`);
  return problems;
}
