/**
 * The plan's training and data sections under the spec's own key names, so a
 * diff says `schedule.min_delta` and `augment.pca_colour`, as the user wrote
 * them, not the plan's `minDelta` and `pcaColour`. The spec's keys are the
 * plan's in snake_case, but for the one value the plan splits in two: the
 * spec's `preprocess.resize` is a size pair or a shorter-side length.
 */
import type { DataSpec, TrainSpec } from '../../plan/types.js';

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A JSON value with every object key in snake_case. */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), snakeKeys(v)]));
}

export function trainAsSpec(train: TrainSpec): unknown {
  return snakeKeys(train);
}

export function dataAsSpec(data: DataSpec | null): unknown {
  if (!data) return null;
  const { resize, resizeShorter, ...preprocess } = data.preprocess;
  return snakeKeys({ ...data, preprocess: { resize: resize ?? resizeShorter, ...preprocess } });
}
