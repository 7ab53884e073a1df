/**
 * The generated trainer under DistributedDataParallel: two processes (gloo, CPU), started as
 * torchrun starts them (RANK, WORLD_SIZE, MASTER_ADDR, ...), end a few steps with the weights of
 * one process training the same global batches. Needs /usr/bin/python3 with torch.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launch } from '../../export/pytorch/launch.js';
import { writePytorchPackage } from '../../export/pytorch/package.js';
import { initialWeights } from '../../export/weights.js';
import { readCheckpoint } from '../../runtime/train/checkpoint.js';
import { planOf } from '../runtime/helpers.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { PYTHON, relativeError, torchMissing } from './helpers.js';
import { AGREEMENT_SPEC } from './specs.js';

const missing = torchMissing();
if (missing) console.log(`skipping the DistributedDataParallel test: ${missing}`);

describe.skipIf(missing !== null)('generated trainer, 2 processes (gloo) vs 1', () => {
  const newDir = useTempDirs('export');

  it('gives the same weights after 4 steps of the same global batches', async () => {
    const plan = planOf(AGREEMENT_SPEC);
    const dir = newDir();
    const pkg = join(dir, 'pkg');
    const initial = initialWeights(plan);
    writePytorchPackage(plan, pkg, { weights: { set: initial, describe: 'netc initial weights' } });
    // The two-process run reads its loss every 3 steps (as on a GPU), the one-process run every step.
    const run = async (processes: number, extra: string[]) => {
      const runDir = join(dir, `run${processes}`);
      const r = await launch({ python: PYTHON, script: join(pkg, 'train.py'), args: ['--synthetic', '64', '--steps', '4', '--run-dir', runDir, '--quiet', ...extra], processes });
      expect(r.code, r.stderr).toBe(0);
      return readCheckpoint(join(runDir, 'checkpoint.ckpt'));
    };
    const one = await run(1, []);
    const two = await run(2, ['--log-every', '3']);
    expect(two.header.step).toBe(4);
    let moved = 0;
    let worst = 0;
    for (const p of plan.params) {
      const a = one.tensors.get(p.name)!.values;
      worst = Math.max(worst, relativeError(two.tensors.get(p.name)!.values, a));
      moved = Math.max(moved, relativeError(a, initial.get(p.name)!.values));
    }
    console.log(`2 processes vs 1 after 4 steps: max relative weight difference ${worst.toExponential(2)} (training moved the weights by ${moved.toExponential(2)})`);
    expect(moved).toBeGreaterThan(1e-3);
    expect(worst).toBeLessThan(1e-5);
  });
});
