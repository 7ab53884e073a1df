/**
 * Checkpoints are validated on load against the plan (issue 12): a header
 * edited into another shape, a missing, extra or reshaped tensor, and NaN
 * weights with a recomputed checksum are each refused with their code, on
 * resume and in `netc eval`, never followed into a crash or trained from.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint, type CheckpointHeader } from '../../runtime/train/checkpoint.js';
import { evaluateRun } from '../../runtime/train/evaluate-run.js';
import type { TrainEvent } from '../../runtime/train/events.js';
import { startRun } from '../../runtime/train/run.js';
import { FMNIST_FIXTURE, planOf, tinyFmnistSpec } from './helpers.js';

const dataDir = FMNIST_FIXTURE;
const spec = tinyFmnistSpec('tiny-ckpt');

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
const quiet = () => (_: TrainEvent) => undefined;

/** Rewrites a checkpoint's header JSON, keeping its payload bytes (and so its checksum) as they are. */
function editHeader(path: string, edit: (h: Record<string, unknown>) => void): void {
  const b = readFileSync(path);
  const length = b.readUInt32LE(12);
  const header = JSON.parse(b.toString('utf8', 16, 16 + length)) as Record<string, unknown>;
  const payload = b.subarray(16 + length + ((4 - ((16 + length) % 4)) % 4));
  edit(header);
  const hb = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(16);
  prefix.write('NETCCKPT', 0, 'latin1');
  prefix.writeUInt32LE(1, 8);
  prefix.writeUInt32LE(hb.length, 12);
  writeFileSync(path, Buffer.concat([prefix, hb, Buffer.alloc((4 - ((16 + hb.length) % 4)) % 4, 0x20), payload]));
}

/** Rewrites a checkpoint's tensors through netc's own writer: the checksum is recomputed to match. */
function editTensors(path: string, edit: (tensors: { name: string; shape: number[]; values: Float32Array }[]) => void): void {
  const c = readCheckpoint(path);
  const tensors = [...c.tensors].map(([name, t]) => ({ name, shape: t.shape, values: Float32Array.from(t.values) }));
  edit(tensors);
  const { tensors: _table, payloadSha256: _sha, ...header } = c.header;
  writeCheckpoint(path, header as Omit<CheckpointHeader, 'tensors' | 'payloadSha256'>, tensors);
}

describe('checkpoints validated on load', () => {
  const plan = planOf(spec);
  let pristine: Buffer;
  let runDir: string;
  const ckpt = () => join(runDir, 'checkpoint.ckpt');
  const resume = () => startRun({ resumeDir: runDir, epochs: 2, reporter: quiet() });

  beforeAll(async () => {
    runDir = mkdtempSync(join(tmpdir(), 'netc-ckpt-'));
    temps.push(runDir);
    await startRun({ plan, baseDir: '.', backend: 'wasm', runDir, reporter: quiet() });
    pristine = readFileSync(ckpt());
  });

  const restore = () => writeFileSync(ckpt(), pristine);

  it.each([
    ['position: null', (h: Record<string, unknown>) => (h.position = null), '`position`'],
    ['position of strings', (h: Record<string, unknown>) => (h.position = { epoch: 'a', batch: -5 }), '`position`'],
    ['schedule: 5', (h: Record<string, unknown>) => (h.schedule = 5), '`schedule`'],
    ['history: 7', (h: Record<string, unknown>) => (h.history = 7), '`history`'],
    ['epochSums: null', (h: Record<string, unknown>) => (h.epochSums = null), '`epochSums`'],
    ['optimizer: null', (h: Record<string, unknown>) => (h.optimizer = null), '`optimizer`'],
    ['step: "x"', (h: Record<string, unknown>) => (h.step = 'x'), '`step`'],
    ['a tensor shape', (h: Record<string, unknown>) => ((h.tensors as { shape: number[] }[])[0]!.shape = [1, 2]), 'has shape [1, 2] but'],
    ['a tensor offset', (h: Record<string, unknown>) => ((h.tensors as { offset: number }[])[1]!.offset = 3), 'starts at 3'],
  ])('an edited header (%s) is refused by name (NETC5201)', async (_what, edit, names) => {
    restore();
    editHeader(ckpt(), edit);
    await expect(resume()).rejects.toMatchObject({ code: 'NETC5201', message: expect.stringContaining(names) });
    restore();
  });

  it('a renamed tensor is another model\'s state (NETC5202)', async () => {
    editHeader(ckpt(), (h) => ((h.tensors as { name: string }[])[0]!.name = 'zzz'));
    await expect(resume()).rejects.toMatchObject({ code: 'NETC5202', message: expect.stringContaining('`conv1.weight`') });
    restore();
  });

  it('NaN weights with a recomputed checksum are refused, on resume and in eval (NETC5203)', async () => {
    editTensors(ckpt(), (ts) => (ts.find((t) => t.name === 'out.weight')!.values[7] = NaN));
    await expect(resume()).rejects.toMatchObject({ code: 'NETC5203', message: expect.stringContaining('`out.weight` holds NaN at index 7') });
    await expect(evaluateRun({ runDir, backend: 'wasm' })).rejects.toMatchObject({ code: 'NETC5203' });
    restore();
  });

  it('eval with a missing parameter is an error, not a freshly initialised layer (NETC5202)', async () => {
    editTensors(ckpt(), (ts) => ts.splice(ts.findIndex((t) => t.name === 'out.bias'), 1));
    await expect(evaluateRun({ runDir, backend: 'wasm' })).rejects.toMatchObject({ code: 'NETC5202', message: expect.stringContaining('the checkpoint lacks `out.bias` (a parameter)') });
    restore();
  });

  it('a tensor of another shape, or one the plan does not know, is refused (NETC5202)', async () => {
    editTensors(ckpt(), (ts) => (ts.find((t) => t.name === 'out.bias')!.shape = [2, 5]));
    await expect(resume()).rejects.toMatchObject({ code: 'NETC5202', message: expect.stringContaining('`out.bias` has shape [2, 5], the plan says [10]') });
    restore();
    editTensors(ckpt(), (ts) => ts.push({ name: 'extra', shape: [1], values: new Float32Array(1) }));
    await expect(resume()).rejects.toMatchObject({ code: 'NETC5202', message: expect.stringContaining('`extra`') });
    restore();
  });

  it('missing optimizer state is refused on resume but not needed by eval', async () => {
    editTensors(ckpt(), (ts) => ts.splice(ts.findIndex((t) => t.name === 'out.bias.velocity'), 1));
    await expect(resume()).rejects.toMatchObject({ code: 'NETC5202', message: expect.stringContaining('no optimizer state `out.bias.velocity`') });
    const r = await evaluateRun({ runDir, backend: 'wasm' });
    expect(r.images).toBeGreaterThan(0);
    restore();
  });

  it.skipIf(!existsSync(resolve('dist/cli/main.js')))('the CLI exits 1 with the code and no stack trace', () => {
    editHeader(ckpt(), (h) => (h.schedule = 5));
    const r = spawnSync(process.execPath, [resolve('dist/cli/main.js'), 'train', '--resume', runDir, '-q'], { encoding: 'utf8' });
    expect(r.stderr).not.toContain('    at ');
    expect(r.stderr).toContain('error NETC5201');
    expect(r.status).toBe(1);
    restore();
  });
});
