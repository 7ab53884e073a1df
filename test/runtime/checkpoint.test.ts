/**
 * The checkpoint file on its own: what is written reads back, and a write
 * replaces the file atomically (a new file renamed over the old one), so a
 * crash mid-write, or a reader, never sees half a checkpoint.
 */
import { linkSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint, type CheckpointHeader } from '../../runtime/train/checkpoint.js';
import { useTempDirs } from '../support/temp-dirs.js';

const tmp = useTempDirs('ckpt');

const header = (step: number): Omit<CheckpointHeader, 'tensors' | 'payloadSha256'> => ({
  model: 'm', specHash: 'abc', step, position: { epoch: 0, batch: step }, optimizer: { type: 'sgd', step },
  schedule: { lr: 0.1, reductions: 0, best: null, badEpochs: 0, cooldownLeft: 0 }, history: [], epochSums: { loss: 0, top1: 0, count: 0 }, savedAt: 'now',
});
const tensors = (v: number) => [
  { name: 'w', shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, v]) },
  { name: 'w.velocity', shape: [2, 3], values: Float32Array.from([0, 0, 0, 0, 0, -v]) },
];

describe('checkpoint files', () => {
  it('read back what was written: header fields and every tensor by name', () => {
    const path = join(tmp(), 'c.ckpt');
    writeCheckpoint(path, header(7), tensors(6));
    const c = readCheckpoint(path);
    expect(c.header).toMatchObject({ model: 'm', specHash: 'abc', step: 7, position: { epoch: 0, batch: 7 }, optimizer: { type: 'sgd', step: 7 } });
    expect([...c.tensors.keys()]).toEqual(['w', 'w.velocity']);
    expect(c.tensors.get('w')).toEqual({ shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    expect(Array.from(c.tensors.get('w.velocity')!.values)).toEqual([0, 0, 0, 0, 0, -6]);
  });

  it('replace the old file with a new one (rename), never rewrite it in place', () => {
    const dir = tmp();
    const path = join(dir, 'c.ckpt');
    writeCheckpoint(path, header(1), tensors(1));
    // a second name for the first version, as a reader that opened it holds it
    linkSync(path, join(dir, 'reader-view'));
    const firstBytes = readFileSync(path);
    const firstInode = statSync(path).ino;
    writeCheckpoint(path, header(2), tensors(2));
    expect(statSync(path).ino).not.toBe(firstInode);
    // the old version was not touched: whole and readable
    expect(readFileSync(join(dir, 'reader-view')).equals(firstBytes)).toBe(true);
    expect(readCheckpoint(join(dir, 'reader-view')).header.step).toBe(1);
    expect(readCheckpoint(path).header.step).toBe(2);
  });

  it('leave no temporary file behind', () => {
    const dir = tmp();
    writeCheckpoint(join(dir, 'c.ckpt'), header(1), tensors(1));
    writeCheckpoint(join(dir, 'c.ckpt'), header(2), tensors(2));
    expect(readdirSync(dir)).toEqual(['c.ckpt']);
  });
});
