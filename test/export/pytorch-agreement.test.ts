/**
 * The generated PyTorch package against netc's own tfjs run, from the same initial weights
 * (netc's, exported as weights.ckpt) and the same batch: logits, loss, gradients, and the
 * weights after two updates (with a learning-rate change between them, where the paper's
 * rule and torch.optim.SGD differ) for each update rule. Needs /usr/bin/python3 with torch;
 * skipped with the reason otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerSpec } from '../../plan/types.js';
import { writePytorchPackage } from '../../export/pytorch/package.js';
import { initialWeights } from '../../export/weights.js';
import { LocalExecutor } from '../../runtime/exec/local-executor.js';
import { createForward } from '../../runtime/model/forward.js';
import { readCheckpoint, writeCheckpoint } from '../../runtime/train/checkpoint.js';
import { planOf, pseudoRandom } from '../runtime/helpers.js';
import { PY_DIR, relativeError, runPython, tempDir, torchMissing } from './helpers.js';
import { AGREEMENT_SPEC } from './specs.js';


const VARIANTS: OptimizerSpec[] = [
  { type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
  { type: 'momentum', lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: false },
  { type: 'momentum', lr: 0.1, momentum: 0.8, weightDecay: 0.01, nesterov: true },
  { type: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
];
const LRS = [0.1, 0.05];
const TOLERANCE = 1e-4;

const missing = torchMissing();
if (missing) console.log(`skipping the PyTorch agreement tests: ${missing}`);

describe.skipIf(missing !== null)('generated PyTorch package vs netc (tfjs cpu)', () => {
  const tmp = tempDir();
  const plan = planOf(AGREEMENT_SPEC);
  const n = 8;
  const [h, w, c] = plan.input.shape as [number, number, number];
  const batch = { x: pseudoRandom(n * h * w * c, 11), shape: [n, h, w, c], y: Int32Array.from({ length: n }, (_, i) => (i * 3) % 6) };
  let torch: Map<string, { shape: number[]; values: Float32Array }>;
  const errors: Record<string, number> = {};

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const pkg = join(tmp.dir, 'pkg');
    writePytorchPackage(plan, pkg, { weights: { set: initialWeights(plan), describe: 'netc initial weights' } });
    const inputs = join(tmp.dir, 'inputs.ckpt');
    // The variants travel in the header, in the snake_case the generated config uses.
    const variants = VARIANTS.map((v) => Object.fromEntries(Object.entries(v).map(([k, val]) => [k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), val])));
    writeCheckpoint(inputs, { variants } as never, [
      { name: 'x', shape: batch.shape, values: batch.x },
      { name: 'y', shape: [n], values: Float32Array.from(batch.y) },
      { name: 'lrs', shape: [LRS.length], values: Float32Array.from(LRS) },
    ]);
    const out = join(tmp.dir, 'out.ckpt');
    runPython([join(PY_DIR, 'agree.py'), pkg, inputs, out]);
    torch = readCheckpoint(out).tensors;
  });
  afterAll(() => {
    tmp.remove();
    console.log(`PyTorch vs netc, max relative error: ${JSON.stringify(errors)}`);
  });

  const record = (what: string, e: number) => {
    errors[what] = Math.max(errors[what] ?? 0, Number(e.toExponential(2)));
    return e;
  };

  it('gives the same logits, loss and gradients', async () => {
    const ex = new LocalExecutor(plan, { seed: plan.seed });
    const params = new Map(ex.params.map((p) => [p.name, p.variable as tf.Tensor]));
    const logits = tf.tidy(() => createForward(plan)(params, tf.tensor(batch.x, batch.shape), { training: true, dropoutSeed: 0 }));
    expect(record('logits', relativeError(torch.get('logits')!.values, logits.dataSync()))).toBeLessThan(TOLERANCE);
    logits.dispose();
    const { grads, lossSum } = ex.computeGradients(batch, 0);
    expect(record('loss', relativeError(torch.get('loss')!.values, [lossSum / n]))).toBeLessThan(TOLERANCE);
    for (const p of plan.params) {
      const g = grads[p.name]!;
      expect(record('gradients', relativeError(torch.get(`grad/${p.name}`)!.values, g.dataSync())), p.name).toBeLessThan(TOLERANCE);
      g.dispose();
    }
    await ex.dispose();
  });

  VARIANTS.forEach((variant, i) => {
    it(`gives the same weights after two ${variant.type}${'nesterov' in variant && variant.nesterov ? ' (nesterov)' : ''} updates`, async () => {
      const p2 = { ...plan, train: { ...plan.train, optimizer: variant } };
      const ex = new LocalExecutor(p2, { seed: plan.seed });
      for (const [step, lr] of LRS.entries()) await ex.trainStep(batch, lr, step);
      const state = await ex.getState();
      for (const p of state.params) {
        const e = relativeError(torch.get(`after/${i}/${p.name}`)!.values, p.values);
        expect(record(`weights after 2 ${variant.type} updates`, e), p.name).toBeLessThan(TOLERANCE);
      }
      await ex.dispose();
    });
  });
});
