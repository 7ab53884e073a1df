import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runPlot } from '../../cli/commands/plot.js';
import { InputError, UsageError } from '../../cli/exit-codes.js';
import type { Plan } from '../../plan/types.js';
import { loadSharp } from '../../runtime/data/decode.js';
import { writeCheckpoint } from '../../runtime/train/checkpoint.js';
import { BLOCK_GAP, GAP, MARGIN, kernelGridLayout, renderKernelGrid } from '../../runtime/train/pictures/kernels.js';
import { pseudoRandom } from '../runtime/helpers.js';
import { compiledPlan, removeTempDirs, tempDir, writeRun } from './helpers.js';

/** A checkpoint of the plan's conv parameters (the dense ones are big and not drawn), shapes overridable. */
function writeCheckpointFor(dir: string, plan: Plan, shapes: Record<string, number[]> = {}): void {
  const tensors = plan.params
    .filter((p) => p.layout !== 'IO')
    .map((p, i) => {
      const shape = shapes[p.name] ?? p.shape;
      return { name: p.name, shape, values: pseudoRandom(shape.reduce((a, b) => a * b, 1), i + 1, 0.01) };
    });
  writeCheckpoint(join(dir, 'checkpoint.ckpt'), {
    model: plan.model.name, specHash: plan.model.specHash, step: 10, position: { epoch: 1, batch: 0 },
    optimizer: { type: 'sgd', step: 10 }, schedule: {} as never, history: [], epochSums: { loss: 0, top1: 0, count: 0 }, savedAt: '2024-01-01T00:00:00.000Z',
  }, tensors);
}

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
afterAll(removeTempDirs);


/** A PNG's pixels as stored (grey stays one channel), read by sharp. */
async function readPng(file: string) {
  const sharp = await loadSharp();
  const bytes = readFileSync(file);
  const grey = (await sharp(bytes).metadata()).channels === 1;
  const { data, info } = await (grey ? sharp(bytes).toColourspace('b-w') : sharp(bytes)).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

describe('learned kernels (netc plot <run dir> --kernels)', () => {
  const alexnet = compiledPlan('specs/alexnet.yaml');

  it("draws AlexNet's conv1 as 96 RGB 11x11 filters, one block of rows per tower", async () => {
    const dir = tempDir();
    writeRun(dir, alexnet, null);
    writeCheckpointFor(dir, alexnet);
    const file = join(dir, 'k.png');
    await runPlot(dir, { kernels: true, output: file });
    expect(out).toContain('conv1: 96 filters 11x11x3, 2 towers of 48');
    const img = await readPng(file);
    // 16 filters a row, 3 rows a tower; 11 weights x 5 pixels each.
    const cell = 11 * 5;
    expect(img.channels).toBe(3);
    expect(img.width).toBe(2 * MARGIN + 16 * cell + 15 * GAP);
    expect(img.height).toBe(2 * MARGIN + 2 * (3 * cell + 2 * GAP) + BLOCK_GAP);
    expect([img.width, img.height]).toEqual([918, 358]);
    // The band between the towers' blocks is background.
    const blockBottom = MARGIN + 3 * cell + 2 * GAP;
    for (let y = blockBottom; y < blockBottom + BLOCK_GAP; y++) {
      for (let x = 0; x < img.width; x++) expect(img.data[(y * img.width + x) * 3]).toBe(255);
    }
  });

  it('normalizes each filter to the full range, upscales nearest-neighbour, and puts filter slice t in block t', () => {
    // 2x2 grey kernels, 4 filters, 2 towers: filter f has weights f*[0, 1, 2, 3] (+ an offset).
    const [kh, kw, cin, cout] = [2, 2, 1, 4];
    const values = new Float32Array(kh * kw * cin * cout);
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let f = 0; f < cout; f++) values[(y * kw + x) * cout + f] = f === 3 ? 7 : 100 * f + (y * kw + x) * (f + 1);
    const img = renderKernelGrid([kh, kw, cin, cout], values, { towers: 2, scale: 3 });
    const L = kernelGridLayout([kh, kw, cin, cout], { towers: 2, scale: 3 });
    expect(L).toMatchObject({ columns: 2, rows: 1, perTower: 2 });
    expect(img.channels).toBe(1);
    expect([img.width, img.height]).toEqual([2 * MARGIN + 2 * 6 + GAP, 2 * MARGIN + 2 * 6 + BLOCK_GAP]);
    const px = (x: number, y: number) => img.data[y * img.width + x];
    // Filter 0 (tower 0, first cell): weight (0,0) is its minimum -> 0, (1,1) its maximum -> 255, each a 3x3 block.
    for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) {
      expect(px(MARGIN + dx, MARGIN + dy)).toBe(0);
      expect(px(MARGIN + 3 + dx, MARGIN + 3 + dy)).toBe(255);
      expect(px(MARGIN + 3 + dx, MARGIN + dy)).toBe(85);
    }
    // Filter 2 is tower 1's first: the second block, first column.
    const y1 = MARGIN + 6 + BLOCK_GAP;
    expect(px(MARGIN, y1)).toBe(0);
    expect(px(MARGIN + 5, y1 + 5)).toBe(255);
    // Filter 3 is constant: mid-grey.
    expect(px(MARGIN + 6 + GAP, y1)).toBe(128);
  });

  it('draws another conv layer by name, and refuses layers that are not images', async () => {
    const dir = tempDir();
    const plan = compiledPlan('examples/fashion-mnist/fmnist-alexnet.yaml');
    writeRun(dir, plan, null);
    writeCheckpointFor(dir, plan);
    await runPlot(dir, { kernels: 'conv1', scale: '2', columns: '4' });
    const file = join(dir, 'kernels-conv1.png');
    const img = await readPng(file);
    // 24 grey 5x5 filters, 12 per tower in 3 rows of 4, 2 pixels a weight.
    expect(img.channels).toBe(1);
    expect([img.width, img.height]).toEqual([2 * MARGIN + 4 * 10 + 3 * GAP, 2 * MARGIN + 2 * (3 * 10 + 2 * GAP) + BLOCK_GAP]);
    await expect(runPlot(dir, { kernels: 'conv2' })).rejects.toThrow(InputError);
    await expect(runPlot(dir, { kernels: 'conv2' })).rejects.toThrow(/12 input channels/);
    await expect(runPlot(dir, { kernels: 'conv2' })).rejects.toMatchObject({ code: 'NETC5405' });
    await expect(runPlot(dir, { kernels: 'fc6' })).rejects.toThrow(UsageError);
    await expect(runPlot(dir, { kernels: true, scale: '0' })).rejects.toThrow(UsageError);
  });

  it('checks the checkpoint against the plan', async () => {
    const dir = tempDir();
    writeRun(dir, alexnet, null);
    await expect(runPlot(dir, { kernels: true })).rejects.toThrow(/cannot read checkpoint/);
    writeCheckpointFor(dir, alexnet, { 'conv1.weight': [11, 11, 3, 48] });
    await expect(runPlot(dir, { kernels: true })).rejects.toThrow('`conv1.weight` has shape [11, 11, 3, 48], the plan says [11, 11, 3, 96]');
    await expect(runPlot(dir, { kernels: 'fc6' })).rejects.toThrow(/not a conv layer/);
    const empty = tempDir();
    await expect(runPlot(empty, { kernels: true })).rejects.toThrow(/no readable plan.json/);
  });

  it('rejects shapes it cannot draw', () => {
    expect(() => kernelGridLayout([3, 3, 3, 10], { towers: 3 })).toThrow(/do not split into 3 towers/);
    expect(() => kernelGridLayout([9216, 4096])).toThrow(/expected a conv kernel/);
    expect(() => renderKernelGrid([2, 2, 1, 2], new Float32Array(3))).toThrow(/holds 3 values/);
  });
});
