/**
 * Photo files -> fixed-size uint8 pixels: sharp (libvips with libjpeg-turbo)
 * decodes, resample.ts resizes as Pillow does.
 *
 * One function does what the spec's `preprocess` says to every image, in
 * this order (docs/data.md states it for anyone reproducing it):
 *   1. decode the first frame; JPEG, PNG, WebP, GIF or TIFF, any bit depth;
 *      images with more than `maxPixels` pixels are refused from their header,
 *      before any pixel is decoded (a decompression bomb is an error, not an OOM);
 *   2. turn it upright by its EXIF orientation;
 *   3. to 8-bit RGB as stored (embedded ICC profiles ignored, as PIL does;
 *      grey replicated; CMYK through libvips' CMYK profile), alpha dropped
 *      (as PIL's convert('RGB')); for 1-channel input, then to grey with
 *      PIL's convert('L') formula;
 *   4. resize with Pillow's bilinear filter (antialiased) so the shorter side
 *      is `shorter` and the longer floor(longer * shorter / shorter side), as
 *      torchvision's Resize(n); or to an exact [height, width];
 *   5. cut the centre crop, offset floor((size - crop) / 2) on each axis.
 * sharp is loaded on first use, so the commands that never decode never load it.
 */
import { readFileSync } from 'node:fs';
import { DataError } from './errors.js';
import { resizeBilinear } from './resample.js';

export interface DecodeOptions {
  /** 3: sRGB, 1: grey. */
  channels: 1 | 3;
  /** Shorter side to n (aspect kept), an exact size, or none. */
  resize: { shorter: number } | { height: number; width: number } | null;
  centerCrop: { height: number; width: number } | null;
  /** Images with more pixels than this (width x height, from the header) are refused. */
  maxPixels: number;
}

export interface DecodedImage {
  width: number;
  height: number;
  channels: number;
  /** height x width x channels bytes, row-major (HWC). */
  data: Uint8Array;
}

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff']);

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | null = null;

/** sharp, configured for data loading: no caches (every file is read once per epoch), one libvips thread per call (parallelism comes from our workers). */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then(
    (m) => {
      const sharp = m.default;
      sharp.cache(false);
      sharp.concurrency(1);
      return sharp;
    },
    (err: unknown) => {
      sharpModule = null;
      throw new DataError('sharp', `the image decoder could not be loaded (${(err as Error).message.split('\n')[0]}); reinstall with \`npm ci\` on this machine so its prebuilt libvips matches the platform`);
    },
  );
  return sharpModule;
}

/** The size after step 4: torchvision's rule for a shorter-side resize (the longer side is truncated, not rounded). */
export function resizedSize(height: number, width: number, resize: DecodeOptions['resize']): { height: number; width: number } {
  if (!resize) return { height, width };
  if ('height' in resize) return { height: resize.height, width: resize.width };
  const s = resize.shorter;
  if (height === width) return { height: s, width: s };
  // Integer products, so the division is exact or far from a whole number: floor is safe.
  return height < width ? { height: s, width: Math.floor((s * width) / height) } : { height: Math.floor((s * height) / width), width: s };
}

/** The stored image size a pipeline produces, when it does not depend on the image (null: each image keeps its own size). */
export function storedSize(o: Pick<DecodeOptions, 'resize' | 'centerCrop'>): { height: number; width: number } | null {
  if (o.centerCrop) return o.centerCrop;
  if (o.resize && 'height' in o.resize) return { height: o.resize.height, width: o.resize.width };
  return null;
}

/** A one-line reason from a libvips message ("Input buffer has corrupt header: VipsJpeg: premature end...\n..."). */
function reason(err: unknown): string {
  const first = ((err as Error)?.message ?? String(err)).split('\n')[0]!;
  if (/unsupported image format/.test(first)) return 'is not a readable image (unknown or unsupported format)';
  return `cannot be decoded: ${first.replace(/^Input (buffer|file) has corrupt header:\s*/, '')}`;
}

/** The format from the first bytes; anything else sharp could open (SVG, PDF, HEIF...) is refused before it gets there. */
export function sniffFormat(b: Uint8Array): 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | null {
  const at = (o: number, ...bytes: number[]) => bytes.every((v, i) => b[o + i] === v);
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  return null;
}

/** Decode one file as the options say. Throws DataError naming the file for anything unreadable. */
export async function decodeImage(file: string, o: DecodeOptions, bytes?: Uint8Array): Promise<DecodedImage> {
  const sharp = await loadSharp();
  let buf: Uint8Array;
  try {
    buf = bytes ?? readFileSync(file);
  } catch (err) {
    throw new DataError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!sniffFormat(buf)) throw new DataError(file, 'is not a JPEG, PNG, WebP, GIF or TIFF image');
  // One decode (upright, 8-bit RGB, no alpha); the resize is Pillow's, in resample.ts.
  // failOn 'error': refuse truncated and broken files, accept libjpeg's warnings (as PIL does).
  // ignoreIcc: RGB values as stored, as PIL reads them (CMYK still goes through libvips' CMYK profile).
  // limitInputPixels: libvips checks the header's size before decoding a pixel.
  let rgb: { data: Uint8Array; width: number; height: number };
  try {
    const { data, info } = await sharp(buf, { limitInputPixels: o.maxPixels, failOn: 'error', ignoreIcc: true })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    rgb = { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    if (/pixel limit/.test((err as Error).message)) {
      // Only now read the header for the message: its size, without the limit (nothing is decoded).
      const { width = 0, height = 0 } = await sharp(buf, { limitInputPixels: false }).metadata();
      throw new DataError(file, `is ${width}x${height} (${(width * height).toLocaleString('en-US')} pixels), more than the ${o.maxPixels.toLocaleString('en-US')} allowed (data.max_image_pixels): a decompression bomb or a mistake`);
    }
    throw new DataError(file, reason(err));
  }
  const size = resizedSize(rgb.height, rgb.width, o.resize);
  const crop = o.centerCrop;
  if (crop && (crop.height > size.height || crop.width > size.width)) {
    throw new DataError(file, `is ${size.width}x${size.height} (WxH) after resizing, smaller than the ${crop.width}x${crop.height} centre crop; add or enlarge \`data.preprocess.resize\``);
  }
  const pixels = o.channels === 1 ? luma(rgb.data) : rgb.data;
  const win = crop ? { top: Math.floor((size.height - crop.height) / 2), left: Math.floor((size.width - crop.width) / 2), height: crop.height, width: crop.width } : { top: 0, left: 0, ...size };
  const data = resizeBilinear(pixels, rgb.height, rgb.width, o.channels, size.height, size.width, win);
  return { width: win.width, height: win.height, channels: o.channels, data };
}

/** Grey from RGB as Pillow's convert('L') computes it (ITU-R 601-2 luma, 16-bit fixed point, rounded). */
function luma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let p = 0; p < out.length; p++) out[p] = (rgb[3 * p]! * 19595 + rgb[3 * p + 1]! * 38470 + rgb[3 * p + 2]! * 7471 + 0x8000) >>> 16;
  return out;
}
