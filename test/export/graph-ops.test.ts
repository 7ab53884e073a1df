/**
 * The graph op kinds (batchnorm, add, tower-major and plain concat, global pooling) through both
 * exporters, on a hand-written plan v2 (test/export/graph-plan.ts), against a NumPy computation
 * of the same graph written from the contract alone (py/graph_reference.py): the generated
 * PyTorch module in inference and training mode (batch statistics, running-statistics update),
 * the ONNX model in onnxruntime-node. Needs /usr/bin/python3 with numpy (and torch for the module).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../../export/onnx/model.js';
import { writePytorchPackage } from '../../export/pytorch/package.js';
import { readCheckpoint, writeCheckpoint } from '../../runtime/train/checkpoint.js';
import { pseudoRandom } from '../runtime/helpers.js';
import { graphPlan, graphWeights } from './graph-plan.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { keepOnnxRuntimeFilesIn, PY_DIR, relativeError, runPython, toNCHW, torchMissing } from './helpers.js';

const missing = torchMissing();
if (missing) console.log(`skipping the graph-op exporter tests: ${missing}`);
const TOLERANCE = 1e-5;

describe.skipIf(missing !== null)('graph ops (plan v2) in the PyTorch and ONNX exports vs a NumPy reference', () => {
  const newDir = useTempDirs('export');
  let dir: string;
  const plan = graphPlan();
  const weights = graphWeights(plan);
  const shape = [3, 6, 6, 4];
  const x = pseudoRandom(3 * 6 * 6 * 4, 9);
  let out: Map<string, { shape: number[]; values: Float32Array }>;

  beforeAll(() => {
    dir = newDir();
    keepOnnxRuntimeFilesIn(newDir());
    const pkg = join(dir, 'pkg');
    writePytorchPackage(plan, pkg, { weights: { set: weights, describe: 'test weights' } });
    const inputs = join(dir, 'inputs.ckpt');
    writeCheckpoint(inputs, {} as never, [{ name: 'x', shape, values: x }]);
    runPython([join(PY_DIR, 'graph_reference.py'), pkg, inputs, join(dir, 'out.ckpt')]);
    out = readCheckpoint(join(dir, 'out.ckpt')).tensors;
  });

  it('PyTorch: inference uses the running statistics', () => {
    expect(relativeError(out.get('torch/eval')!.values, out.get('ref/eval')!.values)).toBeLessThan(TOLERANCE);
  });

  it('PyTorch: training normalizes with the batch and moves the running statistics', () => {
    expect(relativeError(out.get('torch/train')!.values, out.get('ref/train')!.values)).toBeLessThan(TOLERANCE);
    expect(relativeError(out.get('torch/running_mean')!.values, out.get('ref/running_mean')!.values)).toBeLessThan(TOLERANCE);
    expect(relativeError(out.get('torch/running_var')!.values, out.get('ref/running_var')!.values)).toBeLessThan(TOLERANCE);
    // The two modes differ here, so each comparison can fail on its own.
    expect(relativeError(out.get('ref/train')!.values, out.get('ref/eval')!.values)).toBeGreaterThan(1e-2);
  });

  it('ONNX: onnxruntime gives the reference logits', async () => {
    const session = await ort.InferenceSession.create(buildOnnxModel(plan, weights, 'test'));
    const r = await session.run({ input: new ort.Tensor('float32', toNCHW(x, shape), [3, 4, 6, 6]) });
    expect(relativeError(r.logits!.data as Float32Array, out.get('ref/eval')!.values)).toBeLessThan(TOLERANCE);
  });

  it('the module reads like the graph: named branches, the merge ops inline', () => {
    const model = readFileSync(join(dir, 'pkg', 'model.py'), 'utf8');
    expect(model).toContain('self.bn = nn.BatchNorm2d(4, eps=0.00001, momentum=0.1)');
    expect(model).toContain('bn = F.relu(self.bn(x), inplace=True)');
    expect(model).toContain('x = F.relu(bn + x, inplace=True)');
    expect(model).toContain('cat = cat_tower_major([x, bn], towers=2)');
    expect(model).toContain('torch.cat([avg, x], dim=1)');
  });
});
