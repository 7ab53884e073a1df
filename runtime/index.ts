/**
 * The training API (loads tfjs): start or resume runs, evaluate them, or
 * drive an executor directly.
 *
 *   import { startRun, plainReporter } from 'netc/runtime';
 *   await startRun({ plan, reporter: plainReporter() });
 */
export { startRun, applyOverrides, type RunOptions } from './train/run.js';
export { evaluateRun, type EvalOptions } from './train/evaluate-run.js';
export { chooseReporter, jsonReporter, plainReporter, ttyReporter } from './train/progress.js';
export type { TrainEvent, Reporter, EpochMetrics } from './train/events.js';
export { readCheckpoint, writeCheckpoint, CheckpointError } from './train/checkpoint.js';
export { initBackend, BackendUnavailableError, type BackendName } from './backend/select.js';
export { LocalExecutor } from './exec/local-executor.js';
export type { Executor, HostBatch, StepResult, EvalResult } from './exec/executor.js';
export { loadDataset, DataError, type Dataset } from './data/index.js';
