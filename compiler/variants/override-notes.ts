/**
 * "Changed by the variant here": a variant can break a shape far downstream
 * of the value it changed. The shape pass reports at the downstream layer (in
 * the base's file); this sink adds related notes pointing at the variant's
 * changes upstream of it, so the message names both places.
 */
import { DiagnosticSink, type DiagnosticExtras, type RelatedSpan } from '../diagnostics/diagnostic.js';
import { messages, type DiagnosticCode } from '../diagnostics/messages.js';
import type { SpecDocument } from '../frontend/document.js';
import type { Span } from '../source/source-file.js';

export const OVERRIDE_LABEL = 'changed by the variant here';

/** Top-level keys whose change reaches every layer's shape. */
const GLOBAL_KEYS = ['input', 'towers', 'defaults'];
/** Layer attributes that can change a shape or a tower split (not act, init, p, ...). */
const SHAPE_ATTRS = new Set(['type', 'filters', 'units', 'kernel', 'window', 'stride', 'pad', 'dilation', 'round', 'groups', 'connect']);
/** Layer types whose output has their input's shape: adding or removing one changes no shape. */
export const SHAPE_PRESERVING_TYPES: ReadonlySet<string> = new Set(['lrn', 'dropout', 'relu', 'tanh', 'sigmoid', 'leaky_relu']);
/** Notes per diagnostic: the nearest changes are the likely causes. */
const MAX_NOTES = 3;

export interface OverrideNotes {
  /** The sink to report shape problems to. */
  readonly sink: DiagnosticSink;
  /** Called as the shape pass reaches each layer, in order. */
  enterLayer(pointer: string): void;
}

class NotingSink extends DiagnosticSink {
  /** Changes upstream of the current layer, nearest last. */
  readonly upstream: Span[] = [];

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
  const byLayer = new Map<string, Span[]>();
  const global: Span[] = [];
  for (const [pointer, span] of doc.overrides) {
    const m = /^(\/layers\/\d+)(?:\/([^/]+))?/.exec(pointer);
    if (m) {
      // The whole layer (inserted, or following a removed one), or one of its shape attributes.
      if (m[2] === undefined || SHAPE_ATTRS.has(m[2])) byLayer.set(m[1]!, [...(byLayer.get(m[1]!) ?? []), span]);
    } else if (GLOBAL_KEYS.includes(pointer.split('/')[1] ?? '')) global.push(span);
  }
  const noting = new NotingSink(sink);
  noting.upstream.push(...global);
  return {
    sink: noting,
    enterLayer(pointer) {
      const here = byLayer.get(pointer);
      if (here) noting.upstream.push(...here);
    },
  };
}
