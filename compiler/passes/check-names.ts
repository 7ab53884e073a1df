/** Layer names are unique; a model has layers; every default is used by some layer. */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import { kindOf } from '../ops/index.js';
import type { ModelSpec } from '../spec/types.js';

/** What each `defaults` key is for, in words ("no layer has a bias"). */
const DEFAULT_WHAT: Record<string, string> = { init: 'weights', bias: 'a bias', act: 'an attached activation', lr_mult: 'parameters', decay_mult: 'parameters', round: 'a window to round' };

export function checkNames(spec: ModelSpec, doc: SpecDocument, sink: DiagnosticSink): void {
  // A default that no layer takes is probably meant for layers that are not there (or a typo'd type).
  for (const [key, what] of Object.entries(DEFAULT_WHAT)) {
    const pointer = `/defaults/${key}`;
    if (!doc.spans.has(pointer)) continue;
    // Used: some layer whose kind takes this default took it (rather than setting its own).
    const used = spec.layers.some((l) => kindOf(l).defaults?.includes(key) && l.src[key] === pointer);
    if (!used) sink.report('NETC3005', spanAt(doc, pointer, 'key'), { key, what }, { hint: `remove \`${key}\` from \`defaults\`, or set it on the layers that need it` });
  }
  if (spec.layers.length === 0) {
    sink.report('NETC3004', spanAt(doc, '/layers'), {}, { hint: 'add layers, e.g. `- { type: dense, units: 10 }`' });
  }
  const first = new Map<string, string>();
  for (const layer of spec.layers) {
    const pointer = `${layer.pointer}/name`;
    const earlier = first.get(layer.name);
    if (earlier === undefined) {
      first.set(layer.name, pointer);
      continue;
    }
    const firstSpan = spanAt(doc, earlier);
    sink.report('NETC3001', spanAt(doc, pointer), { name: layer.name }, {
      hint: 'give each layer its own name',
      related: firstSpan ? [{ span: firstSpan, label: 'first used here' }] : [],
    });
  }
}
