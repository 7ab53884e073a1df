/**
 * What the coordinator and its devices say to each other. A message is a small
 * JSON-able header plus raw arrays (bufs): threads post the arrays as shared
 * memory, processes send them as the payload of a binary frame (frames.ts).
 */
import type { Plan } from '../../plan/types.js';
import type { SliceOf } from '../ops/index.js';

export type Buf = Float32Array | Int32Array;

export type Placement = 'data' | 'towers';

/** A fault a device injects on purpose (tests of crash and hang detection). */
export interface Fault {
  device: number;
  /** Training step at which it strikes. */
  step: number;
  kind: 'crash' | 'hang' | 'throw';
}

/** Shared memory of the tower exchange (threads only): barrier words and two banks of slots. */
export interface ExchangeMemory {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  /** float32 elements per device slot in each bank. */
  slotElems: number;
  /** How long a device waits at an exchange for the others. */
  timeoutMs: number;
}

export type Request =
  | {
      kind: 'init';
      device: number;
      devices: number;
      placement: Placement;
      backend: string;
      plan: Plan;
      /** SHA-256 of the canonical plan JSON: the device checks it received the same plan. */
      planHash: string;
      seed: number;
      labelSmoothing: number;
      fault: Fault | null;
      exchange: ExchangeMemory | null;
    }
  /** Data placement: gradients of the mean loss over rows [start, start + n) of a batch of `total`. bufs: x, y. Reply bufs: flat gradients. */
  | { kind: 'grads'; step: number; rows: SliceOf; shape: number[] }
  /** Data placement: apply these (averaged) flat gradients. bufs: gradients. */
  | { kind: 'apply'; lr: number; skip: boolean }
  /** Tower placement: a whole training step on this device's towers. bufs: x, y. */
  | { kind: 'train'; step: number; lr: number; shape: number[]; exchange?: ExchangeMemory }
  /** Inference. bufs: x, y. Reply bufs: probabilities (tower placement: device 0 only). */
  | { kind: 'evaluate'; shape: number[]; exchange?: ExchangeMemory }
  /** Reply: entries and bufs (this device's part of each parameter and optimizer slot). */
  | { kind: 'getState' }
  /** bufs: one per entry (this device's part). */
  | { kind: 'setState'; entries: StateEntry[]; optimizerStep: number }
  | { kind: 'close' };

export type RequestKind = Request['kind'];

export interface StateEntry {
  name: string;
  /** The parameter this tensor belongs to (itself, or the parameter of an optimizer slot). */
  param: string;
  slot: boolean;
  shape: number[];
}

export interface ReadyReply {
  backend: string;
  specHash: string;
  planHash: string;
  /** Where it runs: pid, thread id, visible GPU. */
  where: string;
}

export interface StepReply {
  lossSum: number;
  top1Errors: number;
  count: number;
  /** Tower placement: this step's exchanges on this device (time waiting for peers, time copying). */
  exchange?: ExchangeStats;
}

export interface ExchangeStats {
  exchanges: number;
  waitMs: number;
  copyMs: number;
}

export interface EvalReply {
  lossSum: number;
}

export interface StateReply {
  entries: StateEntry[];
  optimizerStep: number;
}

/** Header on the wire: requests carry an id, replies the id they answer (`re`). */
export type WireRequest = Request & { id: number };
export type WireReply =
  | ({ kind: 'ok'; re: number } & Record<string, unknown>)
  | { kind: 'error'; re: number | null; message: string; stack?: string };

/** What every message is: a header and its arrays. */
export interface Envelope<H = unknown> {
  h: H;
  bufs: Buf[];
}

/** Human words for a request, for error messages. */
export function describeRequest(kind: RequestKind | 'start'): string {
  switch (kind) {
    case 'init':
    case 'start':
      return 'start-up';
    case 'grads':
    case 'apply':
    case 'train':
      return 'a training step';
    case 'evaluate':
      return 'evaluation';
    case 'getState':
      return 'reading its state for a checkpoint';
    case 'setState':
      return 'loading a checkpoint';
    case 'close':
      return 'shutdown';
  }
}
