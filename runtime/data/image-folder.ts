/**
 * image-folder datasets, laid out as torchvision's ImageFolder and ImageNet
 * are: <root>/train/<class>/*.JPEG and <root>/val/<class>/*.JPEG (the held-out
 * split may also be called test/ or validation/). This module only lists
 * files and assigns labels; decode.ts reads the pixels.
 *
 * Class indices are the sorted class-folder names of the train split (as
 * ImageFolder), or the line order of a labels file: one class per line, the
 * folder name first, then optionally a readable name (ImageNet's
 * synset_words.txt: `n01440764 tench, Tinca tinca`). A class may have no
 * images in a split; a folder that is not a class is an error.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { decodeImage, IMAGE_EXTENSIONS } from './decode.js';
import { DataError, isNotFound } from './errors.js';
import type { Dataset, Split } from './types.js';

export interface ClassList {
  /** Folder name of each class, by label. */
  folders: string[];
  /** Readable name of each class (the folder name unless a labels file says more). */
  names: string[];
}

/** The images of one split, in a fixed order (class, then file name). */
export interface ImageFileList {
  dir: string;
  files: string[];
  labels: Uint32Array;
}

/** Names the held-out split may have, in order of preference. */
export const TEST_SPLIT_NAMES = ['test', 'val', 'validation'];

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort(); // plain code-unit order: the same on every machine and locale
  } catch (err) {
    if (isNotFound(err)) throw new DataError(dir, 'folder not found (image folders are laid out as <folder>/train/<class>/*.jpg, with val/ or test/ beside train/)', { code: 'NETC5301' });
    throw new DataError(dir, `cannot be listed (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Sorted class-folder names of one split folder (hidden folders skipped). */
function classFolders(splitDir: string): string[] {
  return listDir(splitDir).filter((n) => !n.startsWith('.') && isDir(join(splitDir, n)));
}

/** The folder of a split, or null when the dataset has none. 'test' also finds val/ and validation/. */
export function splitDir(root: string, split: Split): string | null {
  for (const name of split === 'train' ? ['train'] : TEST_SPLIT_NAMES) if (isDir(join(root, name))) return join(root, name);
  return null;
}

/** Classes from a labels file: `folder [readable name]` (or `folder<TAB>name`) per line, blank lines and `#` comments skipped. */
export function readLabelsFile(file: string): ClassList {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(file, isNotFound(err) ? 'labels file not found' : `cannot be read (${(err as Error).message})`);
  }
  const folders: string[] = [];
  const names: string[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    // `folder<TAB>name` (netc's classes.txt: folders may hold spaces) or `folder name...` (synset_words.txt).
    const tab = line.indexOf('\t');
    const split = tab >= 0 ? tab : line.search(/\s|$/);
    const folder = line.slice(0, split).trim();
    const name = line.slice(split).trim();
    if (seen.has(folder)) throw new DataError(file, `line ${i + 1}: class \`${folder}\` is listed twice (first on line ${seen.get(folder)})`);
    seen.set(folder, i + 1);
    folders.push(folder);
    names.push(name || folder);
  });
  if (folders.length === 0) throw new DataError(file, 'labels file lists no classes (one class folder name per line)');
  return { folders, names };
}

/** The classes of a dataset: its labels file, or the sorted folders of its train split (else of `fallbackDir`). */
export function datasetClasses(root: string, labelsFile: string | null, fallbackDir?: string): ClassList {
  if (labelsFile) return readLabelsFile(resolve(root, labelsFile));
  const dir = splitDir(root, 'train') ?? fallbackDir ?? join(root, 'train');
  const folders = classFolders(dir);
  if (folders.length === 0) throw new DataError(dir, 'has no class sub-folders (expected <split>/<class>/*.jpg)');
  return { folders, names: folders };
}

/** Every image file of a split folder with its label; folders that are not classes are an error. */
export function listSplit(dir: string, classes: ClassList): ImageFileList {
  const index = new Map(classes.folders.map((f, i) => [f, i]));
  const files: string[] = [];
  const labels: number[] = [];
  for (const folder of classFolders(dir)) {
    const label = index.get(folder);
    if (label === undefined) throw new DataError(join(dir, folder), `class folder "${folder}" is not one of the dataset's ${classes.folders.length} classes (from the train split or the labels file), so it has no label`);
    for (const n of listDir(join(dir, folder))) {
      if (n.startsWith('.') || !IMAGE_EXTENSIONS.has(extname(n).toLowerCase())) continue;
      files.push(join(dir, folder, n));
      labels.push(label);
    }
  }
  // Class order first (the folders above are sorted by name, the labels file may order them otherwise).
  const order = files.map((_, i) => i).sort((a, b) => labels[a]! - labels[b]! || (files[a]! < files[b]! ? -1 : 1));
  if (files.length === 0) throw new DataError(dir, `contains no images (${[...IMAGE_EXTENSIONS].join(' ')}) in its class folders`);
  return { dir, files: order.map((i) => files[i]!), labels: Uint32Array.from(order, (i) => labels[i]!) };
}

/** One line per file for a fingerprint of a listing: path relative to the root, and label. */
export function listingLines(root: string, list: ImageFileList): string[] {
  return list.files.map((f, i) => `${relative(root, f)}\t${list.labels[i]}`);
}

/**
 * A whole split decoded into memory at its own size (all images must share
 * it). For small folders and the public API; training streams instead.
 */
export async function loadImageFolder(root: string, split: Split): Promise<Dataset> {
  const dir = splitDir(root, split) ?? join(root, split);
  const classes = datasetClasses(root, null, dir);
  const list = listSplit(dir, classes);
  const first = await decodeImage(list.files[0]!, { channels: 3, resize: null, centerCrop: null, maxPixels: 1e8 });
  const per = first.data.length;
  const images = new Uint8Array(list.files.length * per);
  images.set(first.data, 0);
  for (let i = 1; i < list.files.length; i++) {
    const img = await decodeImage(list.files[i]!, { channels: 3, resize: null, centerCrop: null, maxPixels: 1e8 });
    if (img.width !== first.width || img.height !== first.height) {
      throw new DataError(list.files[i]!, `is ${img.width}x${img.height} but ${list.files[0]} is ${first.width}x${first.height}; without \`preprocess.resize\` or \`center_crop\` all images must have one size`);
    }
    images.set(img.data, i * per);
  }
  return { images, labels: list.labels, count: list.files.length, height: first.height, width: first.width, channels: 3, numClasses: classes.folders.length, classNames: classes.names, source: dir };
}
