/** Pass 3: layer names are unique; a model has layers. */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import type { ModelSpec } from '../spec/types.js';

export function checkNames(spec: ModelSpec, doc: SpecDocument, sink: DiagnosticSink): void {
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
