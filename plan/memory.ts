/**
 * What a training step needs in memory on one device, from the plan alone
 * (a pure function: `netc report` prints it, `netc train` checks it against
 * the backend's limit before starting, so a run that cannot fit is refused
 * in a second instead of dying minutes later with "memory access out of
 * bounds"). All float32:
 *
 *   parameters   every parameter and buffer the device holds
 *   gradients    the parameters' gradients and the copies of parameter size
 *                that the backward pass makes (tower slices of the weights,
 *                their gradients, the transposes of matrix products)
 *   optimizer    sgd/momentum: one slot per trainable value; adam: two
 *   activations  every op's output for the batch, kept for the backward pass,
 *                with their gradients and the kernels' intermediates
 *
 * The two multipliers are measured, not derived: tfjs 4.22 on wasm, peak
 * tensor bytes of a training step (tf.profile) plus the resident state.
 * AlexNet: about 2.96 GB at batch 4 and 4.2 GB at batch 64 (which trains;
 * batch 96 and 128 fail with "memory access out of bounds"), so about 8
 * parameter-sized copies and 3.9 times the outputs per image; the small
 * Fashion-MNIST net: 4.9 times its outputs per image. With these the
 * estimate puts AlexNet's largest wasm batch at 70. An estimate, not a
 * bound: another backend or tfjs version allocates differently.
 *
 * On several devices, data placement gives each device a slice of the batch
 * and all the parameters; tower placement gives each device its towers'
 * share of every split parameter and output, and all of the replicated ones.
 */
import type { Plan } from './types.js';

const FLOAT_BYTES = 4;
/** Parameter-sized tensors alive at the peak of a step besides the parameters and optimizer state (measured, see above). */
export const GRADIENT_COPIES = 8;
/** Bytes alive per byte of op outputs at the peak of a step (measured, see above). */
export const ACTIVATION_COPIES = 4;

export interface MemoryEstimate {
  /** Images per step on one device. */
  batch: number;
  devices: number;
  placement: 'towers' | 'data';
  /** Bytes on one device. */
  params: number;
  gradients: number;
  optimizer: number;
  activations: number;
  total: number;
}

export interface MemoryOptions {
  /** The whole batch (default: the plan's). */
  batch?: number;
  devices?: number;
  placement?: 'towers' | 'data';
}

/** Optimizer slots per trainable value. */
function slotsOf(plan: Plan): number {
  return plan.train.optimizer.type === 'adam' ? 2 : 1;
}

/** Per-device bytes that do not depend on the batch, and bytes per image on one device. */
function parts(plan: Plan, devices: number, placement: 'towers' | 'data') {
  const towersShare = placement === 'towers' && devices > 1 ? Math.ceil(plan.towers / devices) / plan.towers : 1;
  const ops = new Map(plan.ops.map((op) => [op.name, op]));
  let params = 0;
  let trainable = 0;
  for (const p of plan.params) {
    const op = ops.get(p.op);
    // A parameter of an op split over towers is split along its tower axis; the others are whole on every device.
    const share = op && op.towers.output === 'split' ? towersShare : 1;
    const bytes = p.count * FLOAT_BYTES * share;
    params += bytes;
    if (p.trainable !== false) trainable += bytes;
  }
  let perImage = 0;
  for (const op of plan.ops) perImage += op.cost.outputBytes * (op.towers.output === 'split' ? towersShare : 1);
  return { params, trainable, perImage };
}

export function estimateTrainingMemory(plan: Plan, options: MemoryOptions = {}): MemoryEstimate {
  const devices = options.devices ?? 1;
  const placement = options.placement ?? plan.placement.kind;
  const total = options.batch ?? plan.train.batch;
  const batch = placement === 'data' ? Math.ceil(total / devices) : total;
  const p = parts(plan, devices, placement);
  const e = {
    batch,
    devices,
    placement,
    params: p.params,
    gradients: p.trainable * GRADIENT_COPIES,
    optimizer: p.trainable * slotsOf(plan),
    activations: p.perImage * batch * ACTIVATION_COPIES,
  };
  return { ...e, total: e.params + e.gradients + e.optimizer + e.activations };
}

/**
 * The largest whole batch (over all devices) whose estimate fits in
 * `limitBytes`, or 0 if not even one image does.
 */
export function largestBatchThatFits(plan: Plan, limitBytes: number, options: Omit<MemoryOptions, 'batch'> = {}): number {
  const devices = options.devices ?? 1;
  const placement = options.placement ?? plan.placement.kind;
  const p = parts(plan, devices, placement);
  const fixed = p.params + p.trainable * (GRADIENT_COPIES + slotsOf(plan));
  const perImage = ACTIVATION_COPIES * p.perImage;
  if (fixed + perImage > limitBytes) return 0;
  const perDevice = Math.floor((limitBytes - fixed) / perImage);
  return placement === 'data' ? perDevice * devices : perDevice;
}

/**
 * Memory one device of a backend can address, where there is a hard limit:
 * tfjs's wasm backend is a 32-bit WebAssembly memory (4 GiB). The others
 * (cpu, tensorflow, webgpu) are bounded by the machine or the GPU, which
 * netc does not know in advance.
 */
export const BACKEND_MEMORY_LIMITS: Readonly<Record<string, number>> = { wasm: 4 * 2 ** 30 };
