/**
 * The training thread's side of data loading: it decides which samples go in
 * which batch (planBatches: a seeded permutation of the whole set per epoch,
 * a seed per batch, both addressed by position so resume is exact), asks the
 * workers for them `prefetch` batches ahead, and hands them out in order.
 * The training thread itself only copies labels.
 *
 * Memory: at most `prefetch` finished batches wait here and each worker
 * builds one more, so what loading holds is bounded by (prefetch + workers)
 * batches of network input plus one batch of stored bytes per worker,
 * whatever the dataset's size; per sample only 4 bytes of label and 4 of
 * epoch order are kept (docs/data.md gives the figures).
 */
import { planBatches, type Batch, type BatchOptions, type BatchSlot } from './batches.js';
import type { BatchRecipe } from './jobs.js';
import { badImageError, type BadImage, type SourceSpec } from './sources.js';
import type { JobRunner } from './workers.js';

/** The samples of one split (or part of one: a held-out fraction, the first n), over a source. */
export interface ImageSet {
  /** Index of its source in the loader's list. */
  source: number;
  count: number;
  /** Label of each sample, in set order. */
  labels: Uint32Array;
  /** Source image of each sample (null: sample i is image i). */
  indices: Uint32Array | null;
  /** For a files source: the path of each source image. */
  files: string[] | null;
  /** Stored image size (before crops). */
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  classNames: string[] | null;
  /** The folder or file the samples come from, for messages. */
  origin: string;
}

/** A batch ready for the executor: one input array, or ten for ten-crop evaluation. */
export interface LoadedBatch extends Omit<Batch, 'x'> {
  xs: Float32Array[];
  x: Float32Array;
  /** Positions in the set of the batch's samples, in order. */
  positions: ArrayLike<number>;
}

export interface LoaderOptions {
  /** Batches requested ahead of the one being used (default 2 per worker, at least 2). */
  prefetch?: number;
  /** An unreadable image in a raw folder: leave it out of its batch (and say so once), or stop with its error. */
  badImages: 'skip' | 'error';
  onSkip?: (bad: BadImage) => void;
}

/** A subset of a set: the samples at `positions`, in that order. */
export function subset(set: ImageSet, positions: ArrayLike<number>): ImageSet {
  const indices = Uint32Array.from(positions, (p) => (set.indices ? set.indices[p]! : p));
  return { ...set, count: indices.length, indices, labels: Uint32Array.from(positions, (p) => set.labels[p]!) };
}

export class BatchLoader {
  private readonly prefetch: number;
  private readonly reported = new Set<string>();

  private constructor(
    readonly runner: JobRunner,
    private readonly o: LoaderOptions,
  ) {
    this.prefetch = o.prefetch ?? Math.max(2, 2 * runner.workers);
  }

  /** A loader whose workers hold these sources and recipes (ImageSet.source and the recipe argument index them). */
  static async open(runner: JobRunner, sources: SourceSpec[], recipes: BatchRecipe[], o: LoaderOptions): Promise<BatchLoader> {
    await runner.setup(sources, recipes);
    return new BatchLoader(runner, o);
  }

  get workers(): number {
    return this.runner.workers;
  }

  /**
   * The batches of `set` made with recipe number `recipe`, from `plan.start`
   * to `plan.endEpoch`; evaluation passes shuffle: false. A batch whose every
   * image was skipped is not produced (its position is covered by the next).
   */
  async *batches(set: ImageSet, recipe: number, plan: Pick<BatchOptions, 'batchSize' | 'seed' | 'shuffle' | 'start' | 'endEpoch' | 'dropRemainder'>): AsyncGenerator<LoadedBatch, void, undefined> {
    const slots = planBatches(set.count, set.origin, plan);
    const queue: { slot: BatchSlot; result: ReturnType<JobRunner['batch']> }[] = [];
    const fill = () => {
      while (queue.length < this.prefetch) {
        const next = slots.next();
        if (next.done) return;
        const result = this.request(set, recipe, next.value);
        result.catch(() => {}); // reported when awaited in order
        queue.push({ slot: next.value, result });
      }
    };
    fill();
    while (queue.length > 0) {
      const { slot, result } = queue.shift()!;
      fill();
      const r = await result;
      for (const bad of r.bad) this.badImage(bad);
      const positions = r.kept ? r.kept.map((k) => slot.positions[k]!) : slot.positions;
      if (positions.length === 0) continue;
      yield { ...slot, positions, xs: r.xs, x: r.xs[0]!, shape: r.shape, size: positions.length, y: Int32Array.from(positions, (p) => set.labels[p]!) };
    }
  }

  private request(set: ImageSet, recipe: number, slot: BatchSlot): ReturnType<JobRunner['batch']> {
    const indices = Uint32Array.from(slot.positions, (p) => (set.indices ? set.indices[p]! : p));
    const files = set.files ? Array.from(indices, (i) => set.files![i]!) : null;
    return this.runner.batch({ source: set.source, recipe, indices, files, seed: slot.seed });
  }

  private badImage(bad: BadImage): void {
    if (this.o.badImages === 'error') throw badImageError(bad);
    if (this.reported.has(bad.file)) return;
    this.reported.add(bad.file);
    this.o.onSkip?.(bad);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
