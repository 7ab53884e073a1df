/**
 * Makes an ImageNet-layout folder of generated photos (train/<class>/*.JPEG,
 * val/<class>/*.JPEG) for the loader benchmark and the tests: nothing is
 * downloaded. Each image is a class-coloured gradient with a few shapes and
 * per-pixel noise (so JPEG has real entropy to decode), at a random size.
 * On request it adds the awkward files a photo collection has: a greyscale
 * and a CMYK JPEG, an RGBA PNG, an EXIF-rotated JPEG, a truncated JPEG and a
 * PNG whose header claims 40,000 x 40,000 pixels (a decompression bomb).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSharp } from '../runtime/data/decode.js';
import { pngFromScanlines } from '../runtime/data/png.js';

export interface FolderOptions {
  root: string;
  classes: number;
  trainPerClass: number;
  valPerClass: number;
  /** Image sides are drawn uniformly from [minSide, maxSide]. */
  minSide: number;
  maxSide: number;
  seed?: number;
  quality?: number;
  /** Add the awkward files (in train/ of classes 0-5); see the module comment. */
  extras?: boolean;
}

export interface MadeFolder {
  train: number;
  val: number;
  classNames: string[];
  /** Paths of the awkward files, by kind. */
  extras: Record<'grey' | 'cmyk' | 'png' | 'exif' | 'corrupt' | 'bomb', string> | null;
}

/** xorshift32: the generator's own randomness, independent of netc's. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** RGB pixels of one generated photo of class `cls`. */
export function photo(width: number, height: number, cls: number, rand: () => number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  const hue = [(cls * 97) % 256, (cls * 53 + 80) % 256, (cls * 29 + 160) % 256];
  const shapes = Array.from({ length: 3 }, () => ({ x: rand() * width, y: rand() * height, r: 10 + rand() * Math.min(width, height) * 0.3, v: rand() * 255 }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const t = (x / width + y / height) / 2;
      let inside = -1;
      for (const s of shapes) if ((x - s.x) ** 2 + (y - s.y) ** 2 < s.r * s.r) inside = s.v;
      for (let c = 0; c < 3; c++) {
        const base = inside >= 0 ? (inside + 60 * c) % 256 : hue[c]! * (0.5 + t) * 0.8;
        px[o + c] = Math.max(0, Math.min(255, Math.round(base + (rand() - 0.5) * 40)));
      }
    }
  }
  return px;
}

/** A PNG whose header says width x height but which holds almost nothing: decoding it would need gigabytes. */
const bombPng = (width: number, height: number): Buffer => pngFromScanlines(width, height, 8, 2, new Uint8Array(1024));

export async function makeImageFolder(o: FolderOptions): Promise<MadeFolder> {
  const sharp = await loadSharp();
  const rand = random(o.seed ?? 1);
  const side = () => o.minSide + Math.floor(rand() * (o.maxSide - o.minSide + 1));
  const classNames = Array.from({ length: o.classes }, (_, c) => `n${String(1000000 + c * 7919).padStart(8, '0')}`);
  const counts = { train: 0, val: 0 };
  for (const [split, per] of [['train', o.trainPerClass], ['val', o.valPerClass]] as const) {
    for (let c = 0; c < o.classes; c++) {
      const dir = join(o.root, split, classNames[c]!);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < per; i++) {
        const width = side();
        const height = side();
        const jpeg = await sharp(photo(width, height, c, rand), { raw: { width, height, channels: 3 } }).jpeg({ quality: o.quality ?? 90 }).toBuffer();
        writeFileSync(join(dir, `${classNames[c]}_${split}_${i}.JPEG`), jpeg);
        counts[split]++;
      }
    }
  }
  if (!o.extras) return { ...counts, classNames, extras: null };
  const at = (c: number, name: string) => join(o.root, 'train', classNames[c % o.classes]!, name);
  const raw = (w: number, h: number, c: number) => sharp(photo(w, h, c, rand), { raw: { width: w, height: h, channels: 3 } });
  const extras = { grey: at(0, 'grey.JPEG'), cmyk: at(1, 'cmyk.JPEG'), png: at(2, 'alpha.png'), exif: at(3, 'rotated.JPEG'), corrupt: at(4, 'truncated.JPEG'), bomb: at(5, 'bomb.png') };
  writeFileSync(extras.grey, await raw(90, 70, 0).toColourspace('b-w').jpeg().toBuffer());
  writeFileSync(extras.cmyk, await raw(80, 100, 1).toColourspace('cmyk').jpeg().toBuffer());
  writeFileSync(extras.png, await raw(100, 60, 2).ensureAlpha(0.5).png().toBuffer());
  // Stored 120 wide, 60 high; orientation 6 says "rotate 90 degrees clockwise to view": upright it is 60x120.
  writeFileSync(extras.exif, await raw(120, 60, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer());
  const whole = await raw(90, 90, 4).jpeg().toBuffer();
  writeFileSync(extras.corrupt, whole.subarray(0, Math.floor(whole.length / 2)));
  writeFileSync(extras.bomb, bombPng(40_000, 40_000));
  return { train: counts.train + 6, val: counts.val, classNames, extras };
}
