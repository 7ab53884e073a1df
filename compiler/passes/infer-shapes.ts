/**
 * Shape inference over the layer graph: visits the layers in list order
 * (check-graph made sure every layer reads layers above it) and asks each
 * layer's kind (compiler/ops) for its output shape, tower layout, cost and
 * ops, given its inputs. The result is the IR that plan emission wires into
 * the plan's graph (emit-ops.ts); nothing here knows op ids or exchanges.
 *
 * A shape that cannot be inferred is unknown (null), and the layers that read
 * it are skipped silently (one cause, one error), while independent branches
 * go on being checked. Dead branches are checked too.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { spanAt, type SpecDocument } from '../frontend/document.js';
import { kindOf } from '../ops/index.js';
import type { Inferred, InferContext, Value } from '../ops/kind.js';
import { product, showShape } from '../ops/shared.js';
import type { Span } from '../source/source-file.js';
import type { LayerSpec, ModelSpec } from '../spec/types.js';
import type { Shape } from '../../plan/types.js';
import { overrideNotes } from '../variants/override-notes.js';
import { MODEL_INPUT, type LayerGraph } from './check-graph.js';

const BYTES = 4; // float32

/** The IR between shape inference and plan emission. */
export interface ShapeIR {
  /** The model input as layers see it. */
  input: Value;
  /** Per layer: its output, or null when unknown (an error was reported). */
  values: (Value | null)[];
  /** Per layer: its ops as its kind described them, or null when its output is unknown. */
  layers: (Inferred | null)[];
}

export function inferShapes(spec: ModelSpec, graph: LayerGraph, doc: SpecDocument, reportTo: DiagnosticSink): ShapeIR {
  // A variant's change can break a shape downstream: its errors also point at the change.
  const notes = overrideNotes(doc, reportTo);
  const sink = notes.sink;
  const T = spec.towers;
  const input: Value = { shape: [...spec.input.shape], state: 'replicated', layer: MODEL_INPUT, origin: { span: spanAt(doc, '/input/shape'), label: 'the model input is set here' }, modelInput: true };
  const values: (Value | null)[] = [];
  const layers: (Inferred | null)[] = [];

  spec.layers.forEach((layer, i) => {
    notes.enterLayer(layer.pointer);
    const ins = graph.inputs[i]?.map((j) => (j < 0 ? input : values[j]!));
    // Unknown inputs were reported where they went wrong: nothing more to say here.
    const inferred = ins && ins.every((v) => v !== null) ? kindOf(layer).infer(layer, ins as Value[], context(layer)) : null;
    layers.push(inferred);
    const last = inferred?.ops[inferred.ops.length - 1];
    const layerSpan = typeSpan(layer);
    values.push(last ? { shape: last.outputShape, state: inferred!.state, layer: layer.name, origin: { span: layerSpan, label: `the input comes from \`${layer.name}\`` }, modelInput: false } : null);
  });
  return { input, values, layers };

  function typeSpan(layer: LayerSpec): Span | undefined {
    return spanAt(doc, `${layer.pointer}/type`) ?? spanAt(doc, layer.pointer);
  }

  function context(layer: LayerSpec): InferContext {
    const listPointer = layer.src.inputs ?? layer.src.input ?? `${layer.pointer}/type`;
    return {
      towers: T,
      sink,
      at: (field) => spanAt(doc, layer.src[field] ?? `${layer.pointer}/${field}`),
      layerSpan: () => typeSpan(layer),
      inputsSpan: () => spanAt(doc, listPointer),
      inputSpan: (k) => spanAt(doc, layer.src.inputs ? `${layer.src.inputs}/${k}` : listPointer),
      cost: (params, macs, otherOps, out: Shape) => ({ params, macs, otherOps, outputBytes: product(out) * BYTES }),
      towersOf: (connect, state) => ({ count: T, connect: T > 1 ? connect : 'local', output: T > 1 ? state : 'replicated' }),
      needSpatial(v) {
        if (v.shape.length === 3) return true;
        sink.report('NETC3106', typeSpan(layer), { type: layer.type, name: layer.name, shape: showShape(v.shape) }, { hint: 'spatial layers must come before `flatten` and the dense layers' });
        return false;
      },
    };
  }
}

/**
 * The IR check after shape inference (run between passes in tests): every
 * known layer has ops, its value is its last op's output, shapes are whole
 * positive sizes, tower facts agree with the model, and a layer is known
 * only if its inputs are.
 */
export function verifyShapes(spec: ModelSpec, graph: LayerGraph, ir: ShapeIR): string[] {
  const problems: string[] = [];
  const T = spec.towers;
  spec.layers.forEach((layer, i) => {
    const say = (text: string) => problems.push(`layer \`${layer.name}\`: ${text}`);
    const inferred = ir.layers[i];
    const value = ir.values[i];
    if ((inferred === null) !== (value === null)) return say('has ops without an output value, or the reverse');
    if (!inferred || !value) return;
    const inputs = graph.inputs[i];
    if (!inputs || inputs.some((j) => j >= 0 && ir.values[j] === null)) say('is known though an input is not');
    if (inferred.ops.length === 0) return say('has no ops');
    const last = inferred.ops[inferred.ops.length - 1]!;
    if (showShape(last.outputShape) !== showShape(value.shape)) say(`its value is ${showShape(value.shape)} but its last op makes ${showShape(last.outputShape)}`);
    for (const op of inferred.ops) {
      if (op.outputShape.length === 0 || !op.outputShape.every((d) => Number.isInteger(d) && d > 0)) say(`op \`${op.name}\` has shape [${op.outputShape.join(', ')}]`);
      if (op.towers.count !== T) say(`op \`${op.name}\` counts ${op.towers.count} towers, the model has ${T}`);
      if (T === 1 && op.towers.output !== 'replicated') say(`op \`${op.name}\` is split in a one-tower model`);
    }
    if (value.state !== last.towers.output) say(`its value is ${value.state} but its last op's output is ${last.towers.output}`);
  });
  return problems;
}
