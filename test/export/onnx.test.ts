/**
 * The ONNX export loaded by onnxruntime-node against netc's own forward pass (tfjs cpu), from
 * the same weights; and the model's form as Netron and inference servers expect it: opset 13,
 * named input and outputs with shapes, node names from the spec.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../plan/types.js';
import { buildOnnxModel } from '../../export/onnx/model.js';
import { decodeModel } from '../../export/onnx/proto.js';
import { initialWeights, type WeightSet } from '../../export/weights.js';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { createForward } from '../../runtime/model/forward.js';
import { planOf, pseudoRandom } from '../runtime/helpers.js';
import { ROOT } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { keepOnnxRuntimeFilesIn, relativeError, toNCHW } from './helpers.js';
import { AGREEMENT_SPEC, GRAPH_SPEC } from './specs.js';

const TOLERANCE = 1e-4;

/** netc's logits and probabilities for a batch, with the plan's initial weights or the given ones. */
async function netcForward(plan: Plan, x: Float32Array, shape: number[], weights?: WeightSet): Promise<{ logits: Float32Array; probs: Float32Array }> {
  const ex = new LocalExecutor(plan, { seed: plan.seed });
  if (weights) await ex.setState({ params: [...weights].map(([name, t]) => ({ name, ...t })), slots: [], optimizerStep: 0 });
  const params = new Map(ex.params.map((p) => [p.name, p.variable as tf.Tensor]));
  const [logits, probs] = tf.tidy(() => {
    const l = createForward(plan)(params, tf.tensor(x, shape), { training: false, dropoutSeed: 0 });
    return [l.dataSync() as Float32Array, tf.softmax(l).dataSync() as Float32Array];
  });
  await ex.dispose();
  return { logits: logits!, probs: probs! };
}

async function onnxForward(bytes: Uint8Array, x: Float32Array, shape: number[]) {
  const session = await ort.InferenceSession.create(bytes);
  const [n, h, w, c] = shape as [number, number, number, number];
  const out = await session.run({ input: new ort.Tensor('float32', toNCHW(x, shape), [n, c, h, w]) });
  return { logits: out.logits!.data as Float32Array, probs: out.probabilities!.data as Float32Array, session };
}

const errors: Record<string, number> = {};

describe('ONNX export vs netc (onnxruntime-node, tfjs cpu)', () => {
  const newDir = useTempDirs('onnxruntime');
  beforeAll(async () => {
    keepOnnxRuntimeFilesIn(newDir());
    await tf.setBackend('cpu');
  });
  afterAll(() => console.log(`ONNX vs netc, max relative error: ${JSON.stringify(errors)}`));

  const cases: [string, () => Plan][] = [
    ['the agreement net (towers, LRN, grouped dense, ceil pooling)', () => planOf(AGREEMENT_SPEC)],
    ['the Fashion-MNIST example', () => planOf(readFileSync(join(ROOT, 'examples/fashion-mnist/fmnist-alexnet.yaml'), 'utf8'))],
  ];
  for (const [what, make] of cases) {
    it(`gives netc's logits and probabilities: ${what}`, async () => {
      const plan = make();
      const [h, w, c] = plan.input.shape as [number, number, number];
      const shape = [4, h, w, c];
      const x = pseudoRandom(4 * h * w * c, 5);
      const bytes = buildOnnxModel(plan, initialWeights(plan), 'test');
      const onnx = await onnxForward(bytes, x, shape);
      const netc = await netcForward(plan, x, shape);
      const eLogits = relativeError(onnx.logits, netc.logits);
      const eProbs = relativeError(onnx.probs, netc.probs);
      errors[plan.model.name] = Number(Math.max(eLogits, eProbs).toExponential(2));
      expect(eLogits).toBeLessThan(TOLERANCE);
      expect(eProbs).toBeLessThan(TOLERANCE);
    });
  }

  it("gives netc's inference of a graph after training (batchnorm's running statistics, add, concat, global pooling)", async () => {
    const plan = planOf(GRAPH_SPEC);
    const [h, w, c] = plan.input.shape as [number, number, number];
    // Two training steps move the weights and the running statistics away from their initial values.
    const ex = new LocalExecutor(plan, { seed: plan.seed });
    const batch = { x: pseudoRandom(8 * h * w * c, 3), shape: [8, h, w, c], y: Int32Array.from({ length: 8 }, (_, i) => i % 6) };
    for (const step of [0, 1]) await ex.trainStep(batch, 0.1, step);
    const weights: WeightSet = new Map((await ex.getState()).params.map((p) => [p.name, { shape: p.shape, values: p.values }]));
    await ex.dispose();
    expect(Math.max(...weights.get('bn1.running_mean')!.values.map(Math.abs))).toBeGreaterThan(1e-3);
    const shape = [4, h, w, c];
    const x = pseudoRandom(4 * h * w * c, 7);
    const onnx = await onnxForward(buildOnnxModel(plan, weights, 'test'), x, shape);
    const netc = await netcForward(plan, x, shape, weights);
    const e = Math.max(relativeError(onnx.logits, netc.logits), relativeError(onnx.probs, netc.probs));
    errors[plan.model.name] = Number(e.toExponential(2));
    expect(e).toBeLessThan(TOLERANCE);
  });

  it('names its input and outputs with shapes, opset 13, nodes named after the spec', () => {
    const plan = planOf(AGREEMENT_SPEC);
    const m = decodeModel(buildOnnxModel(plan, initialWeights(plan), 'test'));
    expect(m.opset_import).toEqual([{ domain: '', version: 13 }]);
    expect(m.producer_name).toBe('netc');
    const dims = (v: (typeof m.graph.input)[number]) => v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value);
    expect(m.graph.input.map((i) => [i.name, dims(i)])).toEqual([['input', ['N', 3, 12, 12]]]);
    expect(m.graph.output.map((o) => [o.name, dims(o)])).toEqual([['logits', ['N', 6]], ['probabilities', ['N', 6]]]);
    const nodes = m.graph.node.map((n) => n.name);
    for (const layer of ['conv1', 'norm1', 'pool1', 'conv2', 'fc1', 'fc2']) expect(nodes).toContain(layer);
    // netc's LRN: ONNX divides alpha by the window, so the export multiplies it back.
    const lrn = m.graph.node.find((n) => n.op_type === 'LRN')!;
    expect(lrn.attribute.find((a) => a.name === 'alpha')!.f).toBeCloseTo(0.05 * 3, 6);
    const conv2 = m.graph.node.find((n) => n.name === 'conv2' && n.op_type === 'Conv')!;
    expect(conv2.attribute.find((a) => a.name === 'group')!.i).toBe(2);
    expect(m.metadata_props.find((p) => p.key === 'netc.spec_sha256')!.value).toBe(plan.model.specHash);
  });
});
