/**
 * `netc train` killed with SIGKILL mid-run, then resumed: the kill must come
 * before the run ended (no done event, no summary, a checkpoint short of the
 * last step), and the resumed run continues from that checkpoint's step with
 * the uninterrupted run's losses and ends with its weights.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { startRun } from '../../runtime/train/run.js';
import { jsonLines, netc } from '../support/netc-process.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { planOf } from './helpers.js';
import { header, recorder, specText, STEPS, stepIndex, tensors } from './tiny-run.js';

const tmp = useTempDirs('kill');
/** The uninterrupted run, in this process: per-step losses and end weights. */
const ref = { losses: [] as number[], tensors: {} as Record<string, number[]> };

beforeAll(async () => {
  const dir = tmp();
  const r = recorder();
  await startRun({ plan: planOf(specText()), baseDir: '.', backend: 'wasm', runDir: dir, reporter: r.reporter });
  ref.losses = r.steps().map((e) => e.loss);
  ref.tensors = tensors(dir);
});

it('killed with SIGKILL mid-run (netc train) and resumed: continues from its checkpoint, ends with the reference weights', async () => {
  const dir = tmp();
  const specPath = join(dir, 'tiny.yaml');
  writeFileSync(specPath, specText());
  const runDir = join(dir, 'run');
  let killedAfter: Record<string, unknown> | null = null;
  // kill at the first step checkpoint: 11 steps, 3 validations and the test pass were still to come
  const child = await netc(['train', specPath, '--run-dir', runDir, '--backend', 'wasm', '--checkpoint-every', '1', '--json'], {
    onLine: (line, proc) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (killedAfter === null && e.type === 'checkpoint' && e.reason === 'interval') {
        killedAfter = e;
        proc.kill('SIGKILL');
      }
    },
  });
  expect(killedAfter, child.stderr).not.toBeNull();
  expect(child.signal).toBe('SIGKILL');
  // the kill came before the run finished: no done event, no summary, a checkpoint short of the end
  expect(jsonLines(child.stdout).some((e) => e.type === 'done')).toBe(false);
  expect(existsSync(join(runDir, 'summary.json'))).toBe(false);
  const killed = header(runDir);
  expect(killed.step).toBeGreaterThanOrEqual(1);
  expect(killed.step).toBeLessThan(STEPS);

  const r = recorder();
  await startRun({ resumeDir: runDir, reporter: r.reporter });
  expect(r.start().resumedFrom).toEqual(killed.position);
  expect(r.steps().map(stepIndex)[0]).toBe(killed.step);
  expect(r.steps().map((e) => e.loss)).toEqual(ref.losses.slice(killed.step));
  expect(tensors(runDir)).toEqual(ref.tensors);
});
