/** A plan's fingerprint: the coordinator and every device must agree on it before training. */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../plan/canonical-json.js';
import type { Plan } from '../../plan/types.js';

export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}
