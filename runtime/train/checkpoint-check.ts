/**
 * A checkpoint is checked before a single value of it is used: its header
 * (edited into another shape, it is refused by name, not followed into a
 * crash), then against the plan it is loaded with: every parameter and
 * buffer the plan lists is there with its shape (a missing one is never
 * replaced by a fresh initialisation), the optimizer state matches the
 * plan's optimizer, nothing is extra, and every value is finite (netc never
 * saves NaN weights, so a file holding them was damaged or edited, whatever
 * its checksum says).
 */
import type { Plan } from '../../plan/types.js';
import { CheckpointError, type Checkpoint, type CheckpointHeader } from './checkpoint.js';
import { lackedTensors } from './checkpoint-state.js';
import { optimizerSlotNames } from './optimizer.js';

const isNat = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The first thing wrong with the part of a parsed header that every reader
 * needs (the model, its spec hash, the tensor table), or null;
 * `payloadFloats` is the payload's length.
 */
export function tableProblem(h: unknown, payloadFloats: number): string | null {
  if (!isObj(h)) return 'the header is not a JSON object';
  if (typeof h.model !== 'string') return '`model` is not a string';
  if (typeof h.specHash !== 'string') return '`specHash` is not a string';
  if (!Array.isArray(h.tensors)) return '`tensors` is not a list';
  let end = 0;
  const names = new Set<string>();
  for (const [i, t] of (h.tensors as unknown[]).entries()) {
    if (!isObj(t) || typeof t.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every(isNat) || !isNat(t.offset) || !isNat(t.length)) return `\`tensors[${i}]\` is not { name, shape, offset, length }`;
    if (names.has(t.name)) return `tensor \`${t.name}\` is listed twice`;
    names.add(t.name);
    const count = (t.shape as number[]).reduce((a, b) => a * b, 1);
    if (count !== t.length) return `tensor \`${t.name}\` has shape [${(t.shape as number[]).join(', ')}] but ${t.length} values`;
    if ((t.offset as number) !== end) return `tensor \`${t.name}\` starts at ${t.offset as number}, not where the one before it ends (${end})`;
    end += t.length as number;
  }
  if (end !== payloadFloats) return `the tensor table covers ${end} values, the payload holds ${payloadFloats}`;
  if (typeof h.payloadSha256 !== 'string') return '`payloadSha256` is not a string';
  return null;
}

/** The first thing wrong with the training state of a header (what --resume continues from), or null. */
export function trainingStateProblem(h: CheckpointHeader): string | null {
  if (!isNat(h.step)) return '`step` is not a whole number';
  if (!isObj(h.position) || !isNat(h.position.epoch) || !isNat(h.position.batch)) return '`position` is not { epoch, batch } of whole numbers';
  if (!isObj(h.optimizer) || typeof h.optimizer.type !== 'string' || !isNat(h.optimizer.step)) return '`optimizer` is not { type, step }';
  const s = h.schedule;
  if (!isObj(s) || !isNum(s.lr) || (s.lr as number) <= 0 || !isNat(s.reductions) || !(s.best === null || isNum(s.best)) || !isNat(s.badEpochs) || !isNat(s.cooldownLeft)) {
    return '`schedule` is not a schedule state (lr > 0, reductions, best, badEpochs, cooldownLeft)';
  }
  if (!Array.isArray(h.history) || !h.history.every((m) => isObj(m) && isNat(m.epoch))) return '`history` is not a list of epoch records';
  const e = h.epochSums as unknown;
  if (!isObj(e) || !isNum(e.loss) || !isNat(e.top1) || !isNat(e.count)) return '`epochSums` is not { loss, top1, count }';
  return null;
}

export interface CheckOptions {
  /** Resuming training: the optimizer state must be whole too. Evaluation needs only the parameters. */
  optimizerState: boolean;
}

/** Throws a CheckpointError naming the first way `ckpt` does not fit `plan`. */
export function checkCheckpointAgainstPlan(ckpt: Checkpoint, plan: Plan, path: string, options: CheckOptions): void {
  const h: CheckpointHeader = ckpt.header;
  if (options.optimizerState) {
    const problem = trainingStateProblem(h);
    if (problem) throw new CheckpointError(`${path}: not a usable netc checkpoint: its header was edited: ${problem}`, 'NETC5201');
  }
  if (h.specHash !== plan.model.specHash) {
    throw new CheckpointError(`${path}: this checkpoint belongs to model \`${h.model}\` (spec ${h.specHash.slice(0, 12)}), not to \`${plan.model.name}\` (spec ${plan.model.specHash.slice(0, 12)})`, 'NETC5202', {
      hint: 'load it with the run directory it was saved in',
    });
  }
  const mismatch = (what: string): never => {
    throw new CheckpointError(`${path}: ${what}`, 'NETC5202', { hint: 'the checkpoint was edited or written by another version: resume from another copy, or start a new run' });
  };
  if (options.optimizerState && h.optimizer.type !== plan.train.optimizer.type) mismatch(`it holds ${h.optimizer.type} optimizer state, the plan trains with ${plan.train.optimizer.type}`);

  const expected = new Map<string, number[]>();
  for (const p of plan.params) expected.set(p.name, p.shape);
  const slots = new Map<string, number[]>();
  for (const p of plan.params) if (p.trainable !== false) for (const s of optimizerSlotNames(plan.train.optimizer.type)) slots.set(`${p.name}.${s}`, p.shape);

  const lacked = lackedTensors(plan, ckpt);
  if (lacked) mismatch(lacked);
  for (const [name, shape] of expected) {
    const t = ckpt.tensors.get(name)!;
    if (t.shape.join(',') !== shape.join(',')) mismatch(`\`${name}\` has shape [${t.shape.join(', ')}], the plan says [${shape.join(', ')}]`);
  }
  for (const [name, t] of ckpt.tensors) {
    if (expected.has(name)) continue;
    const shape = slots.get(name);
    if (!shape) mismatch(`it has a tensor \`${name}\` that is neither a parameter of the plan nor ${plan.train.optimizer.type} optimizer state`);
    else if (t.shape.join(',') !== shape.join(',')) mismatch(`\`${name}\` has shape [${t.shape.join(', ')}], the plan says [${shape.join(', ')}]`);
  }
  if (options.optimizerState) for (const name of slots.keys()) if (!ckpt.tensors.has(name)) mismatch(`it has no optimizer state \`${name}\``);

  for (const [name, t] of ckpt.tensors) {
    const v = t.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i]!)) {
        throw new CheckpointError(`${path}: \`${name}\` holds ${v[i]} at index ${i}: netc never saves non-finite values, so the file was damaged or edited`, 'NETC5203', {
          hint: 'resume from an earlier copy of the run, or start a new run',
        });
      }
    }
  }
}
