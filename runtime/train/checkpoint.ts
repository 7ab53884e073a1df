/**
 * Checkpoints: one file holding everything needed to resume exactly where the
 * run stopped (weights, optimizer slots and step, schedule state, data
 * position, metrics so far). Layout:
 *   "NETCCKPT" | u32 format version | u32 header bytes | header JSON | float32 payload
 * The header records the plan's spec hash and a SHA-256 of the payload, so a
 * checkpoint of another model or a damaged file is refused by name. Written
 * atomically: a temp file, fsync, then rename over the old one.
 */
import { createHash } from 'node:crypto';
import { READ_LIMITS, tryReadRegularFile } from '../../files/read.js';
import { writeFileAtomic } from '../../files/write.js';
import { NetcError, type NetcErrorOptions } from '../../compiler/diagnostics/netc-error.js';
import { tableProblem } from './checkpoint-check.js';
import type { ScheduleState } from './schedule.js';

const MAGIC = 'NETCCKPT';
export const CHECKPOINT_VERSION = 1;

/** A checkpoint that cannot be used: NETC5201 (unreadable, damaged), NETC5202 (not this plan's), NETC5203 (non-finite values). */
export class CheckpointError extends NetcError {
  constructor(message: string, code: 'NETC5201' | 'NETC5202' | 'NETC5203' = 'NETC5201', options: NetcErrorOptions = {}) {
    super(code, message, options);
  }
}

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into the payload. */
  offset: number;
  length: number;
}

export interface CheckpointHeader {
  model: string;
  specHash: string;
  /** Steps (updates) done. */
  step: number;
  /** Where the next batch comes from. */
  position: { epoch: number; batch: number };
  optimizer: { type: string; step: number };
  schedule: ScheduleState;
  /** Per-epoch metrics so far (so a resumed run's history is whole). */
  history: Record<string, unknown>[];
  /** Partial sums of the epoch in progress (train loss, errors), so resuming mid-epoch reports the same epoch metrics. */
  epochSums: { loss: number; top1: number; count: number };
  tensors: TensorEntry[];
  payloadSha256: string;
  savedAt: string;
}

export interface Checkpoint {
  header: CheckpointHeader;
  tensors: Map<string, { shape: number[]; values: Float32Array }>;
}

export function writeCheckpoint(path: string, header: Omit<CheckpointHeader, 'tensors' | 'payloadSha256'>, tensors: { name: string; shape: number[]; values: Float32Array }[]): void {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    entries.push({ name: t.name, shape: t.shape, offset, length: t.values.length });
    offset += t.values.length;
  }
  const payload = new Float32Array(offset);
  for (const [i, t] of tensors.entries()) payload.set(t.values, entries[i]!.offset);
  const payloadBytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  const sha = createHash('sha256').update(payloadBytes).digest('hex');
  const headerBytes = Buffer.from(JSON.stringify({ ...header, tensors: entries, payloadSha256: sha }), 'utf8');
  const prefix = Buffer.alloc(16);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(CHECKPOINT_VERSION, 8);
  prefix.writeUInt32LE(headerBytes.length, 12);
  // The payload starts at a multiple of 4 bytes so it can be read as float32 in place.
  const padding = Buffer.alloc((4 - ((16 + headerBytes.length) % 4)) % 4, 0x20);

  writeFileAtomic(path, [prefix, headerBytes, padding, payloadBytes], 'choose another --run-dir, or free some space');
}

export function readCheckpoint(path: string): Checkpoint {
  const read = tryReadRegularFile(path, READ_LIMITS.checkpoint);
  if ('failure' in read) {
    const f = read.failure;
    throw new CheckpointError(`${path}: cannot read checkpoint (${f.kind === 'too-large' ? `${f.size}, more than the ${f.limit} netc reads` : f.reason})`);
  }
  const bytes = read.bytes;
  const fail = (why: string): never => {
    throw new CheckpointError(`${path}: not a usable netc checkpoint: ${why}`);
  };
  if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== MAGIC) fail('it does not start with the netc checkpoint signature');
  const version = bytes.readUInt32LE(8);
  if (version !== CHECKPOINT_VERSION) fail(`format version ${version}, this netc reads ${CHECKPOINT_VERSION}`);
  const headerLength = bytes.readUInt32LE(12);
  if (16 + headerLength > bytes.length) fail('the header is truncated');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', 16, 16 + headerLength)) as CheckpointHeader;
  } catch {
    return fail('the header is not valid JSON');
  }
  if (!header || !Array.isArray(header.tensors) || typeof header.payloadSha256 !== 'string') fail('the header lacks its tensor table');
  const start = 16 + headerLength + ((4 - ((16 + headerLength) % 4)) % 4);
  const total = header.tensors.reduce((a, t) => a + (Number.isInteger(t?.length) ? t.length : 0), 0);
  if (bytes.length !== start + total * 4) fail(`expected ${start + total * 4} bytes, found ${bytes.length} (truncated or padded)`);
  // Every field is checked before it is used: an edited header is refused by name, never followed into a crash.
  const problem = tableProblem(header, total);
  if (problem) fail(`its header was edited: ${problem}`);
  const payloadBytes = bytes.subarray(start);
  const sha = createHash('sha256').update(payloadBytes).digest('hex');
  if (sha !== header.payloadSha256) fail('the weights do not match their checksum (the file is damaged)');
  // Copy into an aligned buffer: Buffer slices may start at any byte offset.
  const payload = new Float32Array(new Uint8Array(payloadBytes).buffer);
  const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const t of header.tensors) tensors.set(t.name, { shape: t.shape, values: payload.subarray(t.offset, t.offset + t.length) });
  return { header, tensors };
}
