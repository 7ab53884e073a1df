/**
 * Running data jobs (jobs.ts) off the training thread: a pool of worker
 * threads, or, with 0 workers, the calling thread itself (same functions,
 * same results; for debugging and for machines where a thread costs more
 * than it brings). Errors about the data come back as DataErrors naming the
 * file; a worker that dies fails every job it held, with its reason.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DataError } from './errors.js';
import { decodeFiles, makeBatch, type BatchJob, type BatchRecipe, type BatchResult, type DecodeJob, type DecodeResult } from './jobs.js';
import { openReader, type ImageReader, type SourceSpec } from './sources.js';

export type WorkerRequest =
  | { id: number; type: 'setup'; sources: SourceSpec[]; recipes: BatchRecipe[] }
  | { id: number; type: 'batch'; job: BatchJob }
  | { id: number; type: 'decode'; job: DecodeJob };

export type WorkerReply =
  | { id: number; result: BatchResult | DecodeResult }
  | { id: number; done: true }
  | { id: number; error: { file?: string; problem?: string; message: string } };

/** Default worker count: every core but the one that trains, at least 1, at most 8. */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

/** What a worker (or the calling thread) holds: the sources' readers and the recipes. */
export class JobHost {
  private readers: ImageReader[] = [];
  private recipes: BatchRecipe[] = [];

  setup(sources: SourceSpec[], recipes: BatchRecipe[]): void {
    for (const r of this.readers) r.close();
    this.readers = sources.map(openReader);
    this.recipes = recipes;
  }

  batch(job: BatchJob): Promise<BatchResult> {
    const reader = this.readers[job.source];
    const recipe = this.recipes[job.recipe];
    if (!reader || !recipe) throw new Error(`batch job for source ${job.source} / recipe ${job.recipe}, which were never set up`);
    return makeBatch(reader, recipe, job);
  }

  async handle(req: WorkerRequest): Promise<WorkerReply> {
    try {
      switch (req.type) {
        case 'setup':
          this.setup(req.sources, req.recipes);
          return { id: req.id, done: true };
        case 'batch':
          return { id: req.id, result: await this.batch(req.job) };
        case 'decode':
          return { id: req.id, result: await decodeFiles(req.job) };
      }
    } catch (err) {
      const e = err as Error;
      return { id: req.id, error: err instanceof DataError ? { file: err.file, problem: err.problem, message: e.message } : { message: e.stack ?? e.message } };
    }
  }
}

/** Runs data jobs somewhere; `workers` is 0 for the calling thread. */
export interface JobRunner {
  readonly workers: number;
  setup(sources: SourceSpec[], recipes: BatchRecipe[]): Promise<void>;
  batch(job: BatchJob): Promise<BatchResult>;
  decode(job: DecodeJob): Promise<DecodeResult>;
  close(): Promise<void>;
}

class InlineRunner implements JobRunner {
  readonly workers = 0;
  private readonly host = new JobHost();
  /** One job at a time, as in a worker: readers reuse their buffer between reads. */
  private queue: Promise<unknown> = Promise.resolve();
  private enqueue<T>(f: () => Promise<T>): Promise<T> {
    const r = this.queue.then(f);
    this.queue = r.catch(() => {});
    return r;
  }
  async setup(sources: SourceSpec[], recipes: BatchRecipe[]): Promise<void> {
    await this.enqueue(async () => this.host.setup(sources, recipes));
  }
  batch(job: BatchJob): Promise<BatchResult> {
    return this.enqueue(() => this.host.batch(job));
  }
  decode(job: DecodeJob): Promise<DecodeResult> {
    return this.enqueue(() => decodeFiles(job));
  }
  async close(): Promise<void> {
    this.host.setup([], []);
  }
}

/** The compiled worker: next to this module, or dist/'s copy when this module runs from its .ts source (vitest). */
function workerScript(): URL {
  const here = new URL('./data-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return here;
  const dist = new URL('../../dist/runtime/data/data-worker.js', import.meta.url);
  if (existsSync(dist)) return dist;
  throw new Error('the data worker is not built: run `npx tsc -p .` (npm test does) or use 0 workers');
}

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

class PoolRunner implements JobRunner {
  private readonly threads: Worker[] = [];
  private readonly pending: Map<number, Pending>[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  private closing = false;

  constructor(readonly workers: number) {
    const script = workerScript();
    for (let w = 0; w < workers; w++) {
      const t = new Worker(script);
      const pending = new Map<number, Pending>();
      t.on('message', (r: WorkerReply) => {
        const p = pending.get(r.id);
        pending.delete(r.id);
        if (pending.size === 0) t.unref(); // an idle worker never keeps the process alive
        p?.resolve(r);
      });
      const fail = (why: string) => {
        if (this.closing) return;
        this.failure ??= new Error(`data worker ${w + 1} of ${workers} ${why}`);
        for (const p of pending.values()) p.reject(this.failure);
        pending.clear();
      };
      t.on('error', (e) => fail(`failed: ${e.stack ?? e.message}`));
      t.on('exit', (code) => fail(`exited (code ${code})`));
      t.unref();
      this.threads.push(t);
      this.pending.push(pending);
    }
  }

  private send(w: number, req: WorkerRequest): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending[w]!.set(req.id, { resolve, reject });
      this.threads[w]!.ref();
      this.threads[w]!.postMessage(req);
    });
  }

  /** The worker with the fewest jobs waiting. */
  private idlest(): number {
    let best = 0;
    for (let w = 1; w < this.workers; w++) if (this.pending[w]!.size < this.pending[best]!.size) best = w;
    return best;
  }

  private async call<T>(req: WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never, w = this.idlest()): Promise<T> {
    const r = await this.send(w, { ...req, id: this.nextId++ } as WorkerRequest);
    if ('error' in r) throw r.error.file !== undefined ? new DataError(r.error.file, r.error.problem!) : new Error(`data worker ${w + 1}: ${r.error.message}`);
    return ('result' in r ? r.result : undefined) as T;
  }

  async setup(sources: SourceSpec[], recipes: BatchRecipe[]): Promise<void> {
    await Promise.all(this.threads.map((_, w) => this.call({ type: 'setup', sources, recipes }, w)));
  }

  batch(job: BatchJob): Promise<BatchResult> {
    return this.call({ type: 'batch', job });
  }

  decode(job: DecodeJob): Promise<DecodeResult> {
    return this.call({ type: 'decode', job });
  }

  async close(): Promise<void> {
    this.closing = true;
    // A terminating worker does not hold the event loop: with nothing else pending the process would
    // end here, before its caller sets the exit status (an interrupted run exited 0, not 130).
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      await Promise.all(this.threads.map((t) => t.terminate()));
    } finally {
      clearInterval(keepAlive);
    }
  }
}

export function createRunner(workers: number): JobRunner {
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`workers must be an integer >= 0, got ${workers}`);
  return workers === 0 ? new InlineRunner() : new PoolRunner(workers);
}
