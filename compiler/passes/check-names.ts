/** Pass 3: layer names are unique; a model has layers. */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { ModelSpec } from '../spec/types.js';

/** Which layer types read each `defaults` key. */
const DEFAULT_USERS: Record<string, { types: string[]; what: string }> = {
  init: { types: ['conv', 'dense'], what: 'weights' },
  bias: { types: ['conv', 'dense'], what: 'a bias' },
  act: { types: ['conv', 'dense'], what: 'an attached activation' },
  lr_mult: { types: ['conv', 'dense'], what: 'parameters' },
  decay_mult: { types: ['conv', 'dense'], what: 'parameters' },
  round: { types: ['conv', 'maxpool', 'avgpool'], what: 'a window to round' },
};

export function checkNames(spec: ModelSpec, doc: SpecDocument, sink: DiagnosticSink): void {
  // A default that no layer takes is probably meant for layers that are not there (or a typo'd type).
  for (const [key, users] of Object.entries(DEFAULT_USERS)) {
    const pointer = `/defaults/${key}`;
    if (!doc.spans.has(pointer)) continue;
    const used = spec.layers.some((l) => users.types.includes(l.type) && l.src[key.replace(/-/g, '_')] === pointer);
    if (!used) sink.report('NETC3005', spanAt(doc, pointer, 'key'), { key, what: users.what }, { hint: `remove \`${key}\` from \`defaults\`, or set it on the layers that need it` });
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
