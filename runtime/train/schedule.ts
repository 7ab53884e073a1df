/**
 * Learning-rate schedules. The paper's rule is `plateau`: divide the rate by
 * 10 when the validation error stops improving (it did so three times).
 * Epoch-based schedules are evaluated at fractional epochs so a warmup ramps
 * per step. The state is plain JSON, stored in checkpoints for exact resume.
 */
import type { ScheduleSpec } from '../../plan/types.js';

export interface ScheduleState {
  /** The base rate now (plateau reductions applied; step/cosine are computed from the initial rate). */
  lr: number;
  reductions: number;
  best: number | null;
  badEpochs: number;
  cooldownLeft: number;
}

export class Schedule {
  state: ScheduleState;

  constructor(
    readonly spec: ScheduleSpec,
    readonly initialLr: number,
    readonly totalEpochs: number,
    state?: ScheduleState,
  ) {
    this.state = state ? { ...state } : { lr: initialLr, reductions: 0, best: null, badEpochs: 0, cooldownLeft: 0 };
  }

  /** The rate for a point in training, `epoch` fractional (2.5 = half-way through the third epoch). */
  lrAt(epoch: number): number {
    const s = this.spec;
    let lr: number;
    switch (s.type) {
      case 'step':
        lr = this.initialLr * Math.pow(s.factor, Math.floor(epoch / s.every));
        break;
      case 'multistep':
        lr = this.initialLr * Math.pow(s.factor, s.milestones.filter((m) => epoch >= m).length);
        break;
      case 'cosine': {
        const t = Math.min(1, epoch / this.totalEpochs);
        lr = s.minLr + 0.5 * (this.initialLr - s.minLr) * (1 + Math.cos(Math.PI * t));
        break;
      }
      default:
        lr = this.state.lr;
    }
    if (s.warmup && epoch < s.warmup.epochs) {
      const f = s.warmup.from + (1 - s.warmup.from) * (epoch / s.warmup.epochs);
      lr *= f;
    }
    return lr;
  }

  /** Called after each epoch's validation; returns true when the rate was reduced. */
  onEpochEnd(metric: number | null): boolean {
    const s = this.spec;
    if (s.type !== 'plateau' || metric === null || !Number.isFinite(metric)) return false;
    const st = this.state;
    if (st.best === null || metric < st.best - s.minDelta) {
      st.best = metric;
      st.badEpochs = 0;
      return false;
    }
    if (st.cooldownLeft > 0) {
      st.cooldownLeft--;
      return false;
    }
    st.badEpochs++;
    if (st.badEpochs <= s.patience) return false;
    if (s.maxReductions !== null && st.reductions >= s.maxReductions) return false;
    const next = Math.max(st.lr * s.factor, s.minLr);
    if (next >= st.lr) return false;
    st.lr = next;
    st.reductions++;
    st.badEpochs = 0;
    st.cooldownLeft = s.cooldown;
    return true;
  }
}
