/**
 * The generated PyTorch package against netc's own tfjs run, from the same initial weights
 * (netc's, exported as weights.ckpt) and the same batch: logits, loss, gradients, and the
 * weights (and batch-norm running statistics) after two updates, with a learning-rate change
 * between them (where the paper's rule and torch.optim.SGD differ), for each update rule.
 * Two nets: towers with LRN and grouped layers, and a graph with batchnorm, add, concat and
 * global pooling. Needs /usr/bin/python3 with torch; skipped with the reason otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerSpec } from '../../plan/types.js';
import { writePytorchPackage } from '../../export/pytorch/package.js';
import { initialWeights } from '../../export/weights.js';
import { Replica } from '../../runtime/exec/replica.js';
import { createForward } from '../../runtime/model/forward.js';
import { readCheckpoint, writeCheckpoint } from '../../runtime/train/checkpoint.js';
import { planOf, pseudoRandom } from '../runtime/helpers.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { PY_DIR, relativeError, runPython, torchMissing } from './helpers.js';
import { AGREEMENT_SPEC, GRAPH_SPEC } from './specs.js';

const VARIANTS: OptimizerSpec[] = [
  { type: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
  { type: 'momentum', lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: false },
  { type: 'momentum', lr: 0.1, momentum: 0.8, weightDecay: 0.01, nesterov: true },
  { type: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
];
const LRS = [0.1, 0.05];
const TOLERANCE = 1e-4;
const snake = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`), v]));

const missing = torchMissing();
if (missing) console.log(`skipping the PyTorch agreement tests: ${missing}`);

const errors: Record<string, number> = {};

for (const [label, spec] of [['towers, LRN, grouped layers', AGREEMENT_SPEC], ['graph: batchnorm, add, concat, global pooling', GRAPH_SPEC]] as const) {
  describe.skipIf(missing !== null)(`generated PyTorch package vs netc (tfjs cpu): ${label}`, () => {
    const newDir = useTempDirs('export');
    const plan = planOf(spec);
    const n = 8;
    const [h, w, c] = plan.input.shape as [number, number, number];
    const classes = plan.output.classes!;
    const batch = { x: pseudoRandom(n * h * w * c, 11), shape: [n, h, w, c], y: Int32Array.from({ length: n }, (_, i) => (i * 3) % classes) };
    let torch: Map<string, { shape: number[]; values: Float32Array }>;
    const record = (what: string, e: number) => {
      errors[what] = Math.max(errors[what] ?? 0, Number(e.toExponential(2)));
      return e;
    };

    beforeAll(async () => {
      await tf.setBackend('cpu');
      const dir = newDir();
      const pkg = join(dir, 'pkg');
      writePytorchPackage(plan, pkg, { weights: { set: initialWeights(plan), describe: 'netc initial weights' } });
      const inputs = join(dir, 'inputs.ckpt');
      // The optimizer variants travel in the header, in the snake_case of the generated config.
      writeCheckpoint(inputs, { variants: VARIANTS.map(snake) } as never, [
        { name: 'x', shape: batch.shape, values: batch.x },
        { name: 'y', shape: [n], values: Float32Array.from(batch.y) },
        { name: 'lrs', shape: [LRS.length], values: Float32Array.from(LRS) },
      ]);
      runPython([join(PY_DIR, 'agree.py'), pkg, inputs, join(dir, 'out.ckpt')]);
      torch = readCheckpoint(join(dir, 'out.ckpt')).tensors;
    });
    afterAll(() => {
      console.log(`PyTorch vs netc, max relative error so far: ${JSON.stringify(errors)}`);
    });

    it('gives the same logits, loss and gradients', () => {
      const replica = new Replica(plan, { seed: plan.seed });
      const params = new Map(replica.params.map((p) => [p.name, p.variable as tf.Tensor]));
      const logits = tf.tidy(() => createForward(plan)(params, tf.tensor(batch.x, batch.shape), { training: true, dropoutSeed: 0, stats: [] }));
      expect(record('logits', relativeError(torch.get('logits')!.values, logits.dataSync()))).toBeLessThan(TOLERANCE);
      logits.dispose();
      const { grads, lossSum, stats } = replica.gradients(batch, 0);
      Replica.disposeStats(stats);
      expect(record('loss', relativeError(torch.get('loss')!.values, [lossSum / n]))).toBeLessThan(TOLERANCE);
      for (const p of plan.params.filter((q) => q.trainable)) {
        const g = grads[p.name]!;
        expect(record('gradients', relativeError(torch.get(`grad/${p.name}`)!.values, g.dataSync())), p.name).toBeLessThan(TOLERANCE);
        g.dispose();
      }
      replica.dispose();
    });

    VARIANTS.forEach((variant, i) => {
      const name = `${variant.type}${'nesterov' in variant && variant.nesterov ? ' (nesterov)' : ''}`;
      it(`gives the same weights${plan.params.some((p) => !p.trainable) ? ' and running statistics' : ''} after two ${name} updates`, () => {
        const replica = new Replica({ ...plan, train: { ...plan.train, optimizer: variant } }, { seed: plan.seed });
        for (const [step, lr] of LRS.entries()) replica.trainStep(batch, lr, step);
        for (const p of replica.getState().params) {
          const e = relativeError(torch.get(`after/${i}/${p.name}`)!.values, p.values);
          expect(record(`after 2 ${name} updates`, e), p.name).toBeLessThan(TOLERANCE);
        }
        replica.dispose();
      });
    });
  });
}
