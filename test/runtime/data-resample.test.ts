/**
 * runtime/data/resample.ts against Pillow itself: random images resized up,
 * down, in one direction only and to odd sizes, whole or through a window,
 * RGB and grey, must equal PIL's Image.resize(..., BILINEAR) byte for byte
 * (the resize torchvision's Resize runs on PIL images). Needs python3 with
 * PIL (Debian: python3-pil); without it that test is skipped with a note and
 * only the properties below run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../runtime/data/resample.js';
import { pseudoRandom } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'netc-resample-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const PYTHON = '/usr/bin/python3';
const hasPil = spawnSync(PYTHON, ['-c', 'import PIL'], { encoding: 'utf8' }).status === 0;

const bytes = (n: number, seed: number) => Uint8Array.from(pseudoRandom(n, seed, 1), (v) => Math.floor((v + 1) * 127.99));

interface Case {
  mode: 'RGB' | 'L';
  w: number;
  h: number;
  ow: number;
  oh: number;
  /** left, top, width, height of the part kept */
  win: [number, number, number, number];
}

/** PIL's bilinear resizes of raw inputs (one python process for all), each cropped to its window. */
function pil(cases: Case[], inputs: Uint8Array[]): Uint8Array[] {
  inputs.forEach((b, i) => writeFileSync(join(tmp, `in${i}.bin`), b));
  writeFileSync(join(tmp, 'cases.json'), JSON.stringify(cases));
  const py = `
import json
from PIL import Image
for i, c in enumerate(json.load(open('${tmp}/cases.json'))):
    im = Image.frombytes(c['mode'], (c['w'], c['h']), open('${tmp}/in%d.bin' % i, 'rb').read()).resize((c['ow'], c['oh']), Image.BILINEAR)
    l, t, cw, ch = c['win']
    open('${tmp}/out%d.bin' % i, 'wb').write(im.crop((l, t, l + cw, t + ch)).tobytes())
`;
  const r = spawnSync(PYTHON, ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return cases.map((_, i) => new Uint8Array(readFileSync(join(tmp, `out${i}.bin`))));
}

describe('resizeBilinear', () => {
  it.skipIf(!hasPil)("equals Pillow's BILINEAR resize byte for byte", () => {
    const cases: [number, number, number, number, number][] = [
      // h, w -> oh, ow, channels
      [375, 500, 256, 341, 3], // ImageNet-like, down by 1.46
      [214, 200, 273, 256, 3], // up
      [300, 97, 300, 64, 3], // horizontal only
      [64, 80, 256, 80, 3], // vertical only, up by 4
      [999, 31, 17, 5, 3], // strong, uneven reduction
      [57, 43, 29, 61, 1], // grey, down one way and up the other
    ];
    const runs: { c: Case; src: Uint8Array; channels: number }[] = [];
    cases.forEach(([h, w, oh, ow, channels], i) => {
      const src = bytes(h * w * channels, i + 1);
      const mode = channels === 3 ? 'RGB' : 'L';
      // The whole image, and a window (a centre crop) that must equal cropping the full result.
      runs.push({ c: { mode, w, h, ow, oh, win: [0, 0, ow, oh] }, src, channels });
      runs.push({ c: { mode, w, h, ow, oh, win: [Math.floor(ow / 3), Math.floor(oh / 4), Math.ceil(ow / 2), Math.ceil(oh / 2)] }, src, channels });
    });
    const theirs = pil(runs.map((r) => r.c), runs.map((r) => r.src));
    runs.forEach(({ c, src, channels }, i) => {
      const [left, top, width, height] = c.win;
      const ours = resizeBilinear(src, c.h, c.w, channels, c.oh, c.ow, { top, left, height, width });
      expect(Buffer.from(ours).equals(Buffer.from(theirs[i]!)), `case ${i}: ${c.w}x${c.h} -> ${c.ow}x${c.oh} window ${c.win}`).toBe(true);
    });
  });

  it('keeps a constant image constant, and an unchanged size unchanged', () => {
    const flat = new Uint8Array(40 * 30 * 3).fill(201);
    expect(new Set(resizeBilinear(flat, 30, 40, 3, 7, 11))).toEqual(new Set([201]));
    expect(new Set(resizeBilinear(flat, 30, 40, 3, 90, 120))).toEqual(new Set([201]));
    const src = bytes(12 * 10 * 3, 9);
    expect(resizeBilinear(src, 12, 10, 3, 12, 10)).toEqual(src);
    // Halving: support 2 input pixels around each output centre (1.0 and 3.0), triangle weights
    // 0.75, 0.75, 0.25 (inputs 0-2) and 0.25, 0.75, 0.75 (inputs 1-3), normalised by 1.75.
    const row = Uint8Array.from([0, 100, 200, 40]);
    expect(Array.from(resizeBilinear(row, 1, 4, 1, 1, 2))).toEqual([Math.round((0 * 0.75 + 100 * 0.75 + 200 * 0.25) / 1.75), Math.round((100 * 0.25 + 200 * 0.75 + 40 * 0.75) / 1.75)]);
  });
});
