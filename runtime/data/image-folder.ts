/**
 * image-folder datasets: <root>/<split>/<class>/*.png|jpg|jpeg, one class per
 * sub-folder. Class indices follow the sorted class-folder names of the
 * *train* split, so train and test agree on them even when a test folder
 * lacks a class. All images must have one size: we do not resize on load
 * (that would silently change the data); the error says which file differs.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DataError, isNotFound } from './errors.js';
import { readFileOrThrow } from './io.js';
import { decodePng, isPng, type DecodedImage } from './png.js';
import type { Dataset, Split } from './types.js';

const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg']);

/** The part of jpeg-js we use; declared here so the package stays optional at compile time. */
interface JpegJs {
  decode(data: Uint8Array, opts: { useTArray: true; formatAsRGBA: boolean }): { width: number; height: number; data: Uint8Array };
}

let jpegJs: Promise<JpegJs | null> | null = null;
function loadJpegJs(): Promise<JpegJs | null> {
  // A variable specifier keeps tsc from requiring the package to be installed.
  const name = 'jpeg-js';
  jpegJs ??= import(name).then(
    (m: { default?: JpegJs } & Partial<JpegJs>) => (m.decode ? (m as JpegJs) : (m.default ?? null)),
    () => null,
  );
  return jpegJs;
}

/** Decode a PNG (built-in) or JPEG (via the jpeg-js package) file to 8-bit grey or RGB. */
export async function decodeImageFile(file: string): Promise<DecodedImage> {
  const buf = readFileOrThrow(file);
  if (isPng(buf)) return decodePng(buf, file);
  if (buf[0] === 0xff && buf[1] === 0xd8) {
    const jpeg = await loadJpegJs();
    if (!jpeg) throw new DataError(file, 'is a JPEG, and decoding JPEG needs the jpeg-js package (npm install jpeg-js), or convert the images to PNG');
    try {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false });
      return { width: img.width, height: img.height, channels: 3, data: img.data };
    } catch (err) {
      throw new DataError(file, `JPEG cannot be decoded (${(err as Error).message})`);
    }
  }
  throw new DataError(file, 'is neither a PNG nor a JPEG file');
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort(); // plain code-unit order: the same on every machine and locale
  } catch (err) {
    if (isNotFound(err)) throw new DataError(dir, 'folder not found (image-folder datasets are laid out as <path>/<train|test>/<class>/*.png)');
    throw new DataError(dir, `cannot be listed (${(err as Error).message})`);
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Sorted class-folder names of one split folder. */
function classFolders(splitDir: string): string[] {
  return listDir(splitDir).filter((n) => !n.startsWith('.') && isDir(join(splitDir, n)));
}

export async function loadImageFolder(root: string, split: Split): Promise<Dataset> {
  const splitDir = join(root, split);
  const trainDir = join(root, 'train');
  const classNames = classFolders(isDir(trainDir) ? trainDir : splitDir);
  if (classNames.length === 0) throw new DataError(isDir(trainDir) ? trainDir : splitDir, 'has no class sub-folders (expected <split>/<class>/*.png)');
  if (classNames.length > 256) throw new DataError(root, `has ${classNames.length} classes; labels are stored as bytes, at most 256 classes`);
  for (const c of classFolders(splitDir)) {
    if (!classNames.includes(c)) throw new DataError(join(splitDir, c), `class folder "${c}" does not exist in ${trainDir}, so it has no class index`);
  }

  const files: { file: string; label: number }[] = [];
  classNames.forEach((c, label) => {
    const dir = join(splitDir, c);
    if (!isDir(dir)) return; // a class may be absent from the test split
    for (const n of listDir(dir)) if (IMAGE_EXTS.has(extname(n).toLowerCase())) files.push({ file: join(dir, n), label });
  });
  if (files.length === 0) throw new DataError(splitDir, 'contains no .png/.jpg/.jpeg images in its class folders');

  const decoded: DecodedImage[] = [];
  for (const { file } of files) {
    const img = await decodeImageFile(file);
    const first = decoded[0];
    if (first && (img.width !== first.width || img.height !== first.height)) {
      throw new DataError(
        file,
        `is ${img.width}x${img.height} but ${files[0]!.file} is ${first.width}x${first.height}; ` +
          'all images of an image-folder dataset must have one size (resize them beforehand)',
      );
    }
    decoded.push(img);
  }

  // Mixed grey and colour folders become RGB; grey pixels are replicated.
  const channels = decoded.some((d) => d.channels === 3) ? 3 : 1;
  const { width, height } = decoded[0]!;
  const px = width * height;
  const images = new Uint8Array(files.length * px * channels);
  decoded.forEach((d, i) => {
    const out = i * px * channels;
    if (d.channels === channels) images.set(d.data, out);
    else for (let p = 0; p < px; p++) images.fill(d.data[p]!, out + 3 * p, out + 3 * p + 3);
  });
  return {
    images,
    labels: Uint8Array.from(files, (f) => f.label),
    count: files.length,
    height,
    width,
    channels,
    numClasses: classNames.length,
    classNames,
    source: splitDir,
  };
}
