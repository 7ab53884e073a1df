/**
 * Reusable blocks: a block is defined once under `blocks:` with parameters,
 * and a layer whose `type` names it is an instance (with `repeat: n`, n
 * instances in a chain; `first: {...}` changes the first one's arguments).
 * This pass replaces every instance by the block's layers, so the passes
 * after it see one flat list of layers:
 *
 *   - names are dotted and predictable: `stage2.block1.conv1` (with `repeat`),
 *     `stem.conv1` (without); the instance's name stands for its output;
 *   - `$param` anywhere in a block's layers is replaced by the argument (or the
 *     parameter's default); `input` inside a block is the block's input;
 *   - a layer with `when: false` is left out, and whatever read it reads its
 *     input instead (a ResNet block's projection shortcut exists only where
 *     the block changes the shape);
 *   - every layer of an instance reads what it names explicitly, and every
 *     value keeps a span into the block's text, carrying (`via`) the use that
 *     instantiated it: any later diagnostic points at both.
 *
 * It also owns the question "what is a layer type" (NETC2005): a type is a
 * layer kind or a block name. A spec without instances passes through as it is.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { joinPointer, spanAt, type JsonValue, type NodeSpans, type SpecDocument } from '../frontend/document.js';
import { LAYER_TYPES } from '../schema/spec-schema.js';
import type { Span, SpanVia } from '../source/source-file.js';
import { effectiveLayerNames } from '../spec/layer-names.js';
import { closestMatch, didYouMean, listChoices } from '../text/suggest.js';
import { MODEL_INPUT } from './check-graph.js';

type Obj = { [key: string]: JsonValue };

/** Keys of a block instance that are not arguments. */
export const INSTANCE_KEYS = ['name', 'type', 'input', 'inputs', 'repeat', 'first', 'comment'];
/** Expanded layers beyond this are refused: `repeat` inside `repeat` can multiply without bound. */
export const MAX_EXPANDED_LAYERS = 100_000;
/** Blocks inside blocks: deeper than this is almost surely a mistake. */
const MAX_DEPTH = 16;
const PARAM_REF = /^\$([A-Za-z_][A-Za-z0-9_]*)$/;
const builtin = new Set(LAYER_TYPES);

const isObj = (v: JsonValue | undefined): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

interface BlockDef {
  name: string;
  pointer: string;
  /** Parameter -> default (undefined: required) and where the default is written. */
  params: Map<string, { value: JsonValue | undefined; pointer: string }>;
  layers: Obj[];
  output: string | undefined;
}

/** One instance being expanded: its name prefix, arguments and the use it comes from. */
interface Instance {
  block: BlockDef;
  prefix: string;
  /** Parameter values, with the pointer each came from (an argument, `first`, or the default). */
  args: Map<string, { value: JsonValue; pointer: string }>;
  /** What the instance's `input` is (an expanded name). */
  input: string;
  via: SpanVia[];
  /** Blocks being expanded around this one (recursion guard). */
  stack: string[];
}

/** A layer of the flat list, before its references are final. */
interface Emitted {
  value: Obj;
  /** Pointer of the text it comes from (`/layers/3` or `/blocks/basic/layers/2`). */
  source: string;
  via: SpanVia[];
  /** Fields whose value came from a parameter: field -> the via entry naming the argument. */
  substituted: Map<string, SpanVia>;
  /** It names its inputs in the source (else it read the layer before, which is now made explicit). */
  top: boolean;
}

export function expandBlocks(doc: SpecDocument, sink: DiagnosticSink): SpecDocument {
  const root = doc.value;
  if (!isObj(root) || !Array.isArray(root.layers)) return doc;
  const blocks = readBlocks(root, doc, sink);
  const topLayers = root.layers;
  const isInstance = (l: JsonValue) => isObj(l) && typeof l.type === 'string' && !builtin.has(l.type) && blocks.has(l.type);

  /** Blocks used (or meant by a misspelt type: its error covers the block's "never used"). */
  const used = new Set<string>();
  // Types that are neither a layer kind nor a block.
  const checkType = (l: JsonValue, pointer: string) => {
    if (!isObj(l) || typeof l.type !== 'string' || builtin.has(l.type) || blocks.has(l.type)) return;
    const near = closestMatch(l.type, [...LAYER_TYPES, ...blocks.keys()]);
    if (near && blocks.has(near)) used.add(near);
    const hint = near ? `did you mean \`${near}\`?` : `layer types: ${LAYER_TYPES.join(', ')}${blocks.size ? `; blocks: ${[...blocks.keys()].join(', ')}` : ''}`;
    sink.report('NETC2005', spanAt(doc, `${pointer}/type`), { type: l.type }, { hint });
  };
  topLayers.forEach((l, i) => checkType(l, `/layers/${i}`));
  for (const b of blocks.values()) b.layers.forEach((l, j) => checkType(l, `${b.pointer}/layers/${j}`));
  for (const b of blocks.values()) checkParamRefs(b);
  if (!topLayers.some(isInstance)) {
    for (const b of blocks.values()) if (!used.has(b.name)) sink.report('NETC3410', spanAt(doc, b.pointer, 'key'), { name: b.name }, { hint: `use it as a layer type: \`{ type: ${b.name} }\`, or remove it` });
    return doc;
  }

  const spansByLayer = indexSpans(doc.spans);
  const out: Emitted[] = [];
  /** Instance name -> the expanded name of its output. */
  const aliases = new Map<string, string>();
  let aborted = false;

  const names = effectiveLayerNames(topLayers);
  reportNameClashes();
  let previous = MODEL_INPUT;
  topLayers.forEach((l, i) => {
    const pointer = `/layers/${i}`;
    if (!isObj(l)) return;
    const name = names[i]!;
    if (isInstance(l)) {
      used.add(l.type as string);
      const block = blocks.get(l.type as string)!;
      const input = typeof l.input === 'string' ? l.input : previous;
      const output = instantiateUse(block, l, pointer, name, input, [], []);
      if (output !== undefined) aliases.set(name, output);
      previous = output ?? name;
      return;
    }
    // A layer after an instance reads the instance's output, not the last layer expanded.
    const reads: Obj = l.input === undefined && l.inputs === undefined && previous !== (names[i - 1] ?? MODEL_INPUT) ? { input: previous } : {};
    out.push({ value: { ...l, name, ...reads }, source: pointer, via: [], substituted: new Map(), top: true });
    previous = name;
  });
  for (const b of blocks.values()) {
    if (!used.has(b.name)) sink.report('NETC3410', spanAt(doc, b.pointer, 'key'), { name: b.name }, { hint: `use it as a layer type: \`{ type: ${b.name} }\`, or remove it` });
  }
  if (aborted) return doc;

  // Names of instances stand for their outputs, wherever a layer or the model output names them.
  const resolve = (name: JsonValue) => (typeof name === 'string' ? (aliases.get(name) ?? name) : name);
  for (const e of out) {
    if (typeof e.value.input === 'string') e.value.input = resolve(e.value.input);
    if (Array.isArray(e.value.inputs)) e.value.inputs = e.value.inputs.map(resolve);
  }
  const value: Obj = { ...root, layers: out.map((e) => e.value) };
  if (typeof root.output === 'string') value.output = resolve(root.output);

  return { path: doc.path, value, spans: remapSpans(), ...(doc.overrides ? { overrides: remapOverrides(doc.overrides) } : {}) };

  /** An instance named like another layer: its name would stand for two things (NETC3001). */
  function reportNameClashes(): void {
    const first = new Map<string, number>();
    names.forEach((n, i) => {
      if (n === undefined) return;
      const j = first.get(n);
      if (j === undefined) return void first.set(n, i);
      if (!isInstance(topLayers[i]!) && !isInstance(topLayers[j]!)) return; // two layers: check-names says so
      const earlier = spanAt(doc, `/layers/${j}/name`);
      sink.report('NETC3001', spanAt(doc, `/layers/${i}/name`), { name: n }, { hint: 'give each layer and block instance its own name', related: earlier ? [{ span: earlier, label: 'first used here' }] : [] });
    });
  }

  /** Expands one use of a block (with its `repeat`); returns the expanded name of its output. */
  function instantiateUse(block: BlockDef, use: Obj, pointer: string, name: string, input: string, via: SpanVia[], stack: string[]): string | undefined {
    const useSpan = spanAt(doc, `${pointer}/type`) ?? spanAt(doc, pointer);
    if (stack.includes(block.name)) {
      const chain = [...stack.slice(stack.indexOf(block.name)), block.name].map((b) => `\`${b}\``).join(' uses ');
      sink.report('NETC3404', useSpan && withVia(useSpan, via), { block: block.name, chain }, { hint: 'a block cannot contain itself: expand the repetition with `repeat`' });
      return undefined;
    }
    if (stack.length >= MAX_DEPTH) {
      sink.report('NETC3404', useSpan && withVia(useSpan, via), { block: block.name, chain: `blocks nested more than ${MAX_DEPTH} deep` }, { hint: 'nest fewer blocks' });
      return undefined;
    }
    const args = readArgs(block, use, pointer, via);
    if (!args) return undefined;
    const repeat = typeof use.repeat === 'number' && Number.isInteger(use.repeat) && use.repeat >= 1 ? use.repeat : undefined;
    let output = input;
    for (let r = 1; r <= (repeat ?? 1); r++) {
      const prefix = repeat === undefined ? name : `${name}.block${r}`;
      const label = `in \`${prefix}\`, an instance of block \`${block.name}\``;
      const own: SpanVia[] = useSpan ? [{ span: useSpan, label, instance: prefix }] : [];
      const instanceArgs = r === 1 ? args.first : args.rest;
      const result = expandInstance({ block, prefix, args: instanceArgs, input: output, via: [...own, ...via], stack: [...stack, block.name] });
      if (result === undefined) return undefined;
      output = result;
    }
    return output;
  }

  /** The arguments of a use: checked against the block's parameters (NETC3401, NETC3403). */
  function readArgs(block: BlockDef, use: Obj, pointer: string, via: SpanVia[]) {
    const at = (p: string, key = false) => {
      const s = spanAt(doc, p, key ? 'key' : 'value');
      return s && withVia(s, via);
    };
    const rest = new Map<string, { value: JsonValue; pointer: string }>();
    let ok = true;
    /** Parameters a misspelt argument was meant for: its error covers them (one mistake, one error). */
    const meant = new Set<string>();
    const take = (obj: Obj, base: string, into: Map<string, { value: JsonValue; pointer: string }>, skip: readonly string[]) => {
      for (const [k, v] of Object.entries(obj)) {
        if (skip.includes(k)) continue;
        if (!block.params.has(k)) {
          ok = false;
          const params = [...block.params.keys()];
          const near = closestMatch(k, params);
          if (near) meant.add(near);
          const hint = near ? `did you mean \`${near}\`?` : params.length ? `block \`${block.name}\` takes ${listChoices(params)}` : `block \`${block.name}\` takes no parameters`;
          sink.report('NETC3401', at(joinPointer(base, k), true), { block: block.name, name: k }, { hint });
          continue;
        }
        into.set(k, { value: v, pointer: joinPointer(base, k) });
      }
    };
    take(use, pointer, rest, INSTANCE_KEYS);
    const first = new Map(rest);
    if (isObj(use.first)) take(use.first, `${pointer}/first`, first, []);
    for (const [k, p] of block.params) {
      for (const args of [rest, first]) if (!args.has(k) && p.value !== undefined) args.set(k, { value: p.value, pointer: p.pointer });
      if (!first.has(k)) {
        ok = false;
        if (meant.has(k)) continue;
        sink.report('NETC3403', at(`${pointer}/type`), { use: typeof use.name === 'string' ? use.name : String(use.type), name: k, block: block.name }, { hint: `add \`${k}: ...\`` });
      }
    }
    // `repeat` with `first` and a parameter only `first` gives: the other instances lack it.
    if (ok && typeof use.repeat === 'number' && use.repeat > 1) {
      for (const [k, p] of block.params) {
        if (rest.has(k) || p.value !== undefined || meant.has(k)) continue;
        ok = false;
        sink.report('NETC3403', at(`${pointer}/type`), { use: typeof use.name === 'string' ? use.name : String(use.type), name: k, block: block.name }, { hint: `\`first\` sets \`${k}\` for the first instance only: give it for all` });
      }
    }
    return ok ? { first, rest } : undefined;
  }

  /** One instance: its layers, with references made explicit; returns the expanded name of its output. */
  function expandInstance(inst: Instance): string | undefined {
    const { block, prefix } = inst;
    const localNames = effectiveLayerNames(block.layers);
    /** Local name -> expanded name (a layer), or the output of a nested instance, or what a removed layer read. */
    const local = new Map<string, string>();
    const localSet = new Set(localNames.filter((n): n is string => n !== undefined));
    const ref = (name: string) => (name === MODEL_INPUT ? inst.input : (local.get(name) ?? (localSet.has(name) ? `${prefix}.${name}` : name)));
    let previous = inst.input;
    for (let j = 0; j < block.layers.length; j++) {
      if (aborted) return undefined;
      const source = `${block.pointer}/layers/${j}`;
      const localName = localNames[j]!;
      const substituted = new Map<string, SpanVia>();
      const raw = substitute(block.layers[j]!, inst, source, substituted) as Obj;
      const { when, ...layer } = raw;
      const type = layer.type as string;
      if (when !== undefined && typeof when !== 'boolean') {
        sink.report('NETC3405', withVia(spanAt(doc, `${source}/when`)!, [...(substituted.has('when') ? [substituted.get('when')!] : []), ...inst.via]), { found: JSON.stringify(when) }, { hint: 'give the parameter `true` or `false`' });
        return undefined;
      }
      // What it reads, in expanded names; without `input`/`inputs`, the layer before (the instance input for the first).
      const reads = Array.isArray(layer.inputs) ? layer.inputs.map((x) => ref(String(x))) : typeof layer.input === 'string' ? [ref(layer.input)] : [previous];
      const name = `${prefix}.${localName}`;
      if (when === false) {
        if (reads.length !== 1) {
          sink.report('NETC3406', withVia(spanAt(doc, `${source}/when`)!, inst.via), { name: localName, count: reads.length }, { hint: 'leave out the layers feeding one of its inputs instead' });
          return undefined;
        }
        local.set(localName, reads[0]!);
        previous = reads[0]!;
        continue;
      }
      if (!builtin.has(type) && blocks.has(type)) {
        used.add(type);
        const output = instantiateUse(blocks.get(type)!, layer, source, name, reads[0]!, inst.via, inst.stack);
        if (output === undefined) return undefined;
        local.set(localName, output);
        previous = output;
        continue;
      }
      if (out.length >= MAX_EXPANDED_LAYERS) {
        sink.report('NETC3407', spanAt(doc, `${source}/type`) && withVia(spanAt(doc, `${source}/type`)!, inst.via), { limit: MAX_EXPANDED_LAYERS }, { hint: 'lower a `repeat`' });
        aborted = true;
        return undefined;
      }
      const { input: _input, inputs: _inputs, ...rest } = layer;
      const value: Obj = { ...rest, name, ...(Array.isArray(layer.inputs) ? { inputs: reads } : { input: reads[0]! }) };
      out.push({ value, source, via: inst.via, substituted, top: false });
      local.set(localName, name);
      previous = name;
    }
    if (block.output !== undefined) {
      if (!localSet.has(block.output)) {
        sink.report('NETC3006', withVia(spanAt(doc, `${block.pointer}/output`)!, inst.via), { reader: `block \`${block.name}\`'s \`output\` names`, name: block.output }, { hint: didYouMean(block.output, [...localSet]) ?? 'name one of the block\'s layers' });
        return undefined;
      }
      return ref(block.output);
    }
    return previous;
  }

  /** A block layer with every `$param` replaced; records which fields came from arguments. */
  function substitute(v: JsonValue, inst: Instance, pointer: string, substituted: Map<string, SpanVia>, field?: string): JsonValue {
    if (typeof v === 'string') {
      const m = PARAM_REF.exec(v);
      const arg = m ? inst.args.get(m[1]!) : undefined;
      if (!arg) return v;
      const span = spanAt(doc, arg.pointer);
      if (span && field !== undefined && !substituted.has(field)) substituted.set(field, { span, label: `\`${v}\` is ${JSON.stringify(arg.value)} here` });
      return arg.value;
    }
    if (Array.isArray(v)) return v.map((x, i) => substitute(x, inst, joinPointer(pointer, i), substituted, field));
    if (isObj(v)) {
      const o: Obj = {};
      for (const [k, x] of Object.entries(v)) o[k] = substitute(x, inst, joinPointer(pointer, k), substituted, field ?? k);
      return o;
    }
    return v;
  }

  /** `$name` that is no parameter of its block: reported once, at the block's text. */
  function checkParamRefs(b: BlockDef): void {
    const walk = (v: JsonValue, pointer: string) => {
      if (typeof v === 'string') {
        const m = PARAM_REF.exec(v);
        if (m && !b.params.has(m[1]!)) {
          const params = [...b.params.keys()];
          const hint = didYouMean(m[1]!, params) ?? (params.length ? `its parameters: ${listChoices(params)}` : `declare it: \`params: { ${m[1]}: ... }\``);
          sink.report('NETC3402', spanAt(doc, pointer), { name: m[1]!, block: b.name }, { hint });
        }
      } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, joinPointer(pointer, i)));
      else if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, joinPointer(pointer, k));
    };
    b.layers.forEach((l, j) => walk(l, `${b.pointer}/layers/${j}`));
  }

  /** Spans of the flat list: each layer's from its source text, carrying its instance's uses. */
  function remapSpans(): Map<string, NodeSpans> {
    const spans = new Map<string, NodeSpans>();
    for (const [p, s] of doc.spans) if (!p.startsWith('/layers/') && p !== '/layers') spans.set(p, s);
    const layersSpan = doc.spans.get('/layers');
    if (layersSpan) spans.set('/layers', layersSpan);
    out.forEach((e, k) => {
      const target = `/layers/${k}`;
      for (const [rest, s] of spansByLayer.get(e.source) ?? []) {
        const field = rest.split('/')[1];
        const extra = field !== undefined ? e.substituted.get(field) : undefined;
        const via = extra ? [extra, ...e.via] : e.via;
        spans.set(target + rest, via.length ? { value: withVia(s.value, via), ...(s.key ? { key: withVia(s.key, via) } : {}) } : s);
      }
    });
    return spans;
  }

  /** A variant's changes to a layer follow the layer to its new place (to an instance's first layer). */
  function remapOverrides(overrides: Map<string, Span>): Map<string, Span> {
    const firstOf = new Map<string, number>();
    out.forEach((e, k) => {
      if (!firstOf.has(e.source)) firstOf.set(e.source, k);
    });
    const moved = new Map<string, Span>();
    for (const [p, s] of overrides) {
      const m = /^(\/layers\/\d+)(\/.*)?$/.exec(p);
      if (!m) {
        moved.set(p, s);
        continue;
      }
      const k = firstOf.get(m[1]!);
      if (k !== undefined) moved.set(`/layers/${k}${out[k]!.top ? (m[2] ?? '') : ''}`, s);
    }
    return moved;
  }
}

/** The `blocks` section, read leniently: validate-form has checked its form. */
function readBlocks(root: Obj, doc: SpecDocument, sink: DiagnosticSink): Map<string, BlockDef> {
  const blocks = new Map<string, BlockDef>();
  if (!isObj(root.blocks)) return blocks;
  for (const [name, def] of Object.entries(root.blocks)) {
    const pointer = joinPointer('/blocks', name);
    if (!isObj(def) || !Array.isArray(def.layers)) continue;
    if (builtin.has(name)) {
      sink.report('NETC3408', spanAt(doc, pointer, 'key'), { name }, { hint: `rename the block, e.g. \`my_${name}\`` });
      continue;
    }
    const params = new Map<string, { value: JsonValue | undefined; pointer: string }>();
    if (isObj(def.params)) {
      for (const [k, v] of Object.entries(def.params)) {
        const p = joinPointer(`${pointer}/params`, k);
        if (INSTANCE_KEYS.includes(k) || k === 'when') {
          sink.report('NETC3409', spanAt(doc, p, 'key'), { name: k }, { hint: `call it something else, e.g. \`${k}_\`` });
          continue;
        }
        params.set(k, { value: v === null ? undefined : v, pointer: p });
      }
    }
    blocks.set(name, { name, pointer, params, layers: def.layers.filter(isObj), output: typeof def.output === 'string' ? def.output : undefined });
  }
  return blocks;
}

/** Spans grouped by the layer they belong to (`/layers/3`, `/blocks/b/layers/2`), with the rest of their pointer. */
function indexSpans(spans: Map<string, NodeSpans>): Map<string, [string, NodeSpans][]> {
  const index = new Map<string, [string, NodeSpans][]>();
  const layer = /^(\/layers\/\d+|\/blocks\/[^/]+\/layers\/\d+)(\/.*)?$/;
  for (const [p, s] of spans) {
    const m = layer.exec(p);
    if (!m) continue;
    const list = index.get(m[1]!) ?? [];
    list.push([m[2] ?? '', s]);
    index.set(m[1]!, list);
  }
  return index;
}

function withVia(span: Span, via: readonly SpanVia[]): Span {
  return via.length ? { ...span, via: [...(span.via ?? []), ...via] } : span;
}
