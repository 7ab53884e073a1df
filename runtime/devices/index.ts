/** Multi-device execution (worker threads / processes). Filled in by the multi-device executor. */
import type { Plan } from '../../compiler/plan/types.js';
import type { Executor } from '../exec/executor.js';
import type { RunConfig } from '../train/run-dir.js';

export async function createMultiDeviceExecutor(_plan: Plan, config: RunConfig, _backend: string): Promise<Executor> {
  throw new Error(`--devices ${config.devices}: multi-device execution is not built yet`);
}
