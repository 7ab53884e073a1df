/**
 * Where the stored (pre-augmentation) pixels of a dataset come from, as
 * plain data that can be posted to a worker thread, and the readers that
 * fetch images by index from each kind:
 *   memory: a whole dataset in a SharedArrayBuffer (Fashion-MNIST, CIFAR-10);
 *   shards: `netc prepare`'s files, read by offset;
 *   files:  raw image files, decoded and resized on the fly (decode.ts).
 * Every reader returns HWC uint8 images of one size, one after another.
 */
import { decodeImage, type DecodeOptions } from './decode.js';
import { DataError } from './errors.js';
import { ShardReader, type ShardSet } from './shards.js';

export type SourceSpec =
  | { kind: 'memory'; pixels: Uint8Array; height: number; width: number; channels: number }
  | { kind: 'shards'; set: ShardSet }
  | { kind: 'files'; decode: DecodeOptions; height: number; width: number; channels: number };

/** An image that could not be read, and why (one line). */
export interface BadImage {
  file: string;
  problem: string;
}

/** The error for a bad image when the policy is `error`: its problem, and the way out. */
export function badImageError(b: BadImage): DataError {
  return new DataError(b.file, `${b.problem} (bad_images is \`error\`: fix or remove the file, or set \`data.bad_images: skip\` (prepare: --bad-images skip) to leave it out)`);
}

export interface ReadResult {
  /** The images that were read, HWC, one after another; valid until the reader's next read (its buffer is reused). */
  pixels: Uint8Array;
  /** Which of the requested images those are (indices into the request), or null when all were read. */
  kept: number[] | null;
  bad: BadImage[];
}

export interface ImageReader {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Images `indices` of the source (files: the paths to decode, one per index). */
  read(indices: ArrayLike<number>, files: readonly string[] | null): Promise<ReadResult>;
  close(): void;
}

/** Copy a dataset's bytes into shared memory, so worker threads read them without a copy each. */
export function sharedPixels(images: Uint8Array): Uint8Array {
  if (images.buffer instanceof SharedArrayBuffer) return images;
  const out = new Uint8Array(new SharedArrayBuffer(images.length));
  out.set(images);
  return out;
}

export function sourceShape(s: SourceSpec): { height: number; width: number; channels: number } {
  return s.kind === 'shards' ? s.set : s;
}

export function openReader(spec: SourceSpec): ImageReader {
  const { height, width, channels } = sourceShape(spec);
  const bytes = height * width * channels;
  // One buffer for every read: a worker then makes no garbage per batch beyond what it sends back.
  let scratch = new Uint8Array(0);
  const buffer = (n: number): Uint8Array => {
    if (scratch.length < n * bytes) scratch = new Uint8Array(n * bytes);
    return scratch.subarray(0, n * bytes);
  };
  switch (spec.kind) {
    case 'memory':
      return {
        height, width, channels,
        async read(indices) {
          const pixels = buffer(indices.length);
          for (let k = 0; k < indices.length; k++) pixels.set(spec.pixels.subarray(indices[k]! * bytes, (indices[k]! + 1) * bytes), k * bytes);
          return { pixels, kept: null, bad: [] };
        },
        close() {},
      };
    case 'shards': {
      const shards = new ShardReader(spec.set);
      return {
        height, width, channels,
        async read(indices) {
          const pixels = buffer(indices.length);
          for (let k = 0; k < indices.length; k++) shards.read(indices[k]!, pixels, k * bytes);
          return { pixels, kept: null, bad: [] };
        },
        close: () => shards.close(),
      };
    }
    case 'files':
      return {
        height, width, channels,
        async read(indices, files) {
          if (!files || files.length !== indices.length) throw new Error('a files source reads the paths it is given, one per image');
          const pixels = buffer(indices.length);
          const kept: number[] = [];
          const bad: BadImage[] = [];
          // One file at a time: each worker keeps one core busy, the pool size says how many.
          for (let k = 0; k < files.length; k++) {
            try {
              const img = await decodeImage(files[k]!, spec.decode);
              if (img.data.length !== bytes) throw new DataError(files[k]!, `is ${img.width}x${img.height}, the other images are ${width}x${height}; without \`preprocess.resize\` or \`center_crop\` all images must have one size`);
              pixels.set(img.data, kept.length * bytes);
              kept.push(k);
            } catch (err) {
              if (!(err instanceof DataError)) throw err;
              bad.push({ file: err.file, problem: err.problem });
            }
          }
          return { pixels: pixels.subarray(0, kept.length * bytes), kept: bad.length ? kept : null, bad };
        },
        close() {},
      };
    default: {
      const never: never = spec;
      throw new Error(`unknown source ${JSON.stringify(never)}`);
    }
  }
}
