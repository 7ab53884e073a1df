/**
 * A checkpoint's tensors as an executor's state: the plan's parameters and
 * buffers (batchnorm running statistics are saved and restored like weights)
 * and the optimizer's slots. Every parameter and buffer of the plan must be
 * there: a run resumed or evaluated with a default in place of a missing
 * tensor would silently compute something else.
 */
import type { Plan } from '../../plan/types.js';
import type { ExecutorState, NamedArray } from '../exec/executor.js';
import { CheckpointError, type Checkpoint } from './checkpoint.js';

/** What the checkpoint lacks of the plan's parameters and buffers, in words, or null. */
export function lackedTensors(plan: Plan, ckpt: Checkpoint): string | null {
  const missing = plan.params.filter((p) => !ckpt.tensors.has(p.name));
  if (missing.length === 0) return null;
  const what = (role: string) => (role === 'running_mean' || role === 'running_var' ? 'batchnorm running statistics' : 'a parameter');
  const list = missing.slice(0, 3).map((p) => `\`${p.name}\` (${what(p.role)})`).join(', ');
  return `the checkpoint lacks ${list}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''} that the plan has`;
}

export function stateFromCheckpoint(plan: Plan, ckpt: Checkpoint, path: string): ExecutorState {
  const names = new Set(plan.params.map((p) => p.name));
  const lacked = lackedTensors(plan, ckpt);
  if (lacked) throw new CheckpointError(`${path}: ${lacked}`);
  const params: NamedArray[] = [];
  const slots: NamedArray[] = [];
  for (const [name, t] of ckpt.tensors) (names.has(name) ? params : slots).push({ name, shape: t.shape, values: t.values });
  return { params, slots, optimizerStep: ckpt.header.optimizer.step };
}
