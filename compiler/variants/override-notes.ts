/**
 * "Changed by the variant here": a variant can break a shape far downstream
 * of the value it changed. The shape pass reports at the downstream layer (in
 * the base's file); this sink adds related notes pointing at the variant's
 * changes upstream of it in the graph (on a path into it, not merely listed
 * above it), so the message names both places.
 */
import { DiagnosticSink, type DiagnosticExtras, type RelatedSpan } from '../diagnostics/diagnostic.js';
import { messages, type DiagnosticCode } from '../diagnostics/messages.js';
import type { JsonValue, SpecDocument } from '../frontend/document.js';
import { LAYER_KINDS } from '../ops/index.js';
import type { Span } from '../source/source-file.js';
import { documentInputs } from './layer-reads.js';

export const OVERRIDE_LABEL = 'changed by the variant here';

/** Top-level keys whose change reaches every layer's shape. */
const GLOBAL_KEYS = ['input', 'towers', 'defaults'];
/** Layer attributes that can change a shape or a tower split (not act, init, p, ...), from the kinds (compiler/ops). */
const SHAPE_ATTRS = new Set(['type', 'input', 'inputs', ...LAYER_KINDS.flatMap((k) => k.shapeFields ?? [])]);
/** Layer types whose output has their input's shape: adding or removing one changes no shape. */
export const SHAPE_PRESERVING_TYPES: ReadonlySet<string> = new Set(LAYER_KINDS.filter((k) => k.shapePreserving).flatMap((k) => Object.keys(k.types)));
/** Notes per diagnostic: the nearest changes are the likely causes. */
const MAX_NOTES = 3;
/** Changes kept per layer: a few more than shown, as the error's own places are left out. */
const KEPT = 8;

/** A change and the index of the layer it sits at: a larger index is nearer downstream. */
interface Change {
  span: Span;
  at: number;
}

const isRecord = (v: JsonValue): v is Record<string, JsonValue> => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface OverrideNotes {
  /** The sink to report shape problems to. */
  readonly sink: DiagnosticSink;
  /** Called as the shape pass reaches each layer, in order. */
  enterLayer(pointer: string): void;
}

class NotingSink extends DiagnosticSink {
  /** Changes upstream of the current layer, nearest last. */
  upstream: Span[] = [];

  constructor(private readonly outer: DiagnosticSink) {
    super();
  }

  override report(code: DiagnosticCode, span: Span | undefined, args?: Record<string, string | number>, extras: DiagnosticExtras = {}): void {
    if (messages[code].severity !== 'error') return this.outer.report(code, span, args, extras);
    const shown = [span, ...(extras.related ?? []).map((r) => r.span)];
    // A change the error already points at needs no note.
    const notes: RelatedSpan[] = this.upstream
      .filter((change) => !shown.some((s) => s && contains(change, s)))
      .slice(-MAX_NOTES)
      .map((change) => ({ span: change, label: OVERRIDE_LABEL }));
    this.outer.report(code, span, args, notes.length ? { ...extras, related: [...(extras.related ?? []), ...notes] } : extras);
  }
}

function contains(outer: Span, inner: Span): boolean {
  return outer.file === inner.file && inner.start >= outer.start && inner.end <= outer.end;
}

export function overrideNotes(doc: SpecDocument, sink: DiagnosticSink): OverrideNotes {
  if (!doc.overrides || doc.overrides.size === 0) return { sink, enterLayer: () => {} };
  const own = new Map<number, Span[]>();
  const global: Span[] = [];
  for (const [pointer, span] of doc.overrides) {
    const m = /^\/layers\/(\d+)(?:\/([^/]+))?/.exec(pointer);
    if (m) {
      // The whole layer (inserted, or reading a removed one), or one of its shape attributes.
      if (m[2] === undefined || SHAPE_ATTRS.has(m[2])) own.set(Number(m[1]), [...(own.get(Number(m[1])) ?? []), span]);
    } else if (GLOBAL_KEYS.includes(pointer.split('/')[1] ?? '')) global.push(span);
  }
  // A change reaches the layers downstream of it in the graph, not every layer listed after it.
  const layers = isRecord(doc.value) && Array.isArray(doc.value.layers) ? doc.value.layers : [];
  const inputs = documentInputs(layers);
  const upstream: Change[][] = [];
  inputs.forEach((reads, i) => {
    const seen = new Set<Span>();
    const changes: Change[] = [];
    for (const j of reads) {
      for (const c of j >= 0 && j < i ? upstream[j]! : []) {
        if (!seen.has(c.span)) changes.push(c);
        seen.add(c.span);
      }
    }
    changes.sort((x, y) => x.at - y.at);
    for (const span of own.get(i) ?? []) changes.push({ span, at: i });
    upstream.push(changes.slice(-KEPT));
  });
  const noting = new NotingSink(sink);
  return {
    sink: noting,
    enterLayer(pointer) {
      const m = /^\/layers\/(\d+)$/.exec(pointer);
      noting.upstream = [...global, ...((m && upstream[Number(m[1])]) || []).map((c) => c.span)];
    },
  };
}
