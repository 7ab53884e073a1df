/**
 * Photo files -> fixed-size uint8 pixels, with sharp (libvips, libjpeg-turbo).
 *
 * One function does what the spec's `preprocess` says to every image, in
 * this order (docs/data.md states it for anyone reproducing it):
 *   1. decode the first frame; JPEG, PNG, WebP, GIF or TIFF, any bit depth;
 *      images with more than `maxPixels` pixels are refused from their header,
 *      before any pixel is decoded (a decompression bomb is an error, not an OOM);
 *   2. turn it upright by its EXIF orientation;
 *   3. convert to sRGB (CMYK through an ICC profile, grey replicated) or to grey,
 *      and drop any alpha channel (as PIL's convert('RGB') does);
 *   4. resize (bilinear, antialiased: libvips' `linear` kernel, no JPEG
 *      shrink-on-load) so the shorter side is `shorter`, the longer one
 *      floor(longer * shorter / shorter side) as torchvision's Resize(n), or to
 *      an exact [height, width];
 *   5. cut the centre crop, offset floor((size - crop) / 2) on each axis.
 * sharp is loaded on first use, so the commands that never decode never load it.
 */
import { readFileSync } from 'node:fs';
import { DataError } from './errors.js';

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

/** The formats we decode; anything else sharp could open (SVG, PDF, HEIF...) is refused. */
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);
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

/** Decode one file as the options say. Throws DataError naming the file for anything unreadable. */
export async function decodeImage(file: string, o: DecodeOptions, bytes?: Uint8Array): Promise<DecodedImage> {
  const sharp = await loadSharp();
  let buf: Uint8Array;
  try {
    buf = bytes ?? readFileSync(file);
  } catch (err) {
    throw new DataError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // failOn 'error': refuse truncated and broken files, accept libjpeg's warnings (as PIL does).
  const opts = { limitInputPixels: o.maxPixels, failOn: 'error' as const };
  let meta: Awaited<ReturnType<ReturnType<Sharp>['metadata']>>;
  try {
    // The header alone, without the pixel limit, so an oversized image gets the message below.
    meta = await sharp(buf, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch (err) {
    throw new DataError(file, reason(err));
  }
  if (!meta.format || !FORMATS.has(meta.format)) throw new DataError(file, `is a ${meta.format ?? 'unknown'} file; images must be JPEG, PNG, WebP, GIF or TIFF`);
  const w0 = meta.width ?? 0;
  const h0 = meta.height ?? 0;
  if (w0 * h0 > o.maxPixels) {
    throw new DataError(file, `is ${w0}x${h0} (${(w0 * h0).toLocaleString('en-US')} pixels), more than the ${o.maxPixels.toLocaleString('en-US')} allowed (data.max_image_pixels): a decompression bomb or a mistake`);
  }
  // Upright size: orientations 5-8 swap width and height.
  const upright = meta.autoOrient ?? { width: w0, height: h0 };
  const size = resizedSize(upright.height, upright.width, o.resize);
  const crop = o.centerCrop;
  if (crop && (crop.height > size.height || crop.width > size.width)) {
    throw new DataError(file, `is ${size.width}x${size.height} (WxH) after resizing, smaller than the ${crop.width}x${crop.height} centre crop; add or enlarge \`data.preprocess.resize\``);
  }
  try {
    let p = sharp(buf, opts).rotate();
    if (size.height !== upright.height || size.width !== upright.width) {
      p = p.resize(size.width, size.height, { fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false });
    }
    if (crop && (crop.height !== size.height || crop.width !== size.width)) {
      p = p.extract({ left: Math.floor((size.width - crop.width) / 2), top: Math.floor((size.height - crop.height) / 2), width: crop.width, height: crop.height });
    }
    p = o.channels === 1 ? p.toColourspace('b-w') : p.toColourspace('srgb');
    const { data, info } = await p.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== o.channels) throw new Error(`decoded to ${info.channels} channels, expected ${o.channels}`);
    return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new DataError(file, reason(err));
  }
}
