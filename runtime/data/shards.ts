/**
 * Shard files: preprocessed images of one split, stored as uint8 for random
 * access by training (what Caffe's convert_imageset puts in an LMDB).
 *
 *   [0, 4096)         header: "NETCSHRD", u32 LE version, u32 LE JSON length, JSON, zero padding
 *   [4096, +n*B)      n images, each B = height*width*channels bytes, HWC, row-major
 *   [.., +4n)         n labels, u32 LE
 *
 * The header's JSON names the prepared dataset (a random id shared by all its
 * shards and its index.json), the split, the shard number and the image
 * count, so a shard of another dataset, another split or position, or a
 * truncated one is refused by name before any pixel is used. Images are
 * read by offset; a shard is never loaded whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { DataError } from './errors.js';

const MAGIC = 'NETCSHRD';
export const SHARD_VERSION = 1;
export const SHARD_HEADER_BYTES = 4096;

export interface ShardHeader {
  /** Id of the prepared dataset (index.json's `id`). */
  dataset: string;
  split: string;
  shard: number;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export const shardFileName = (split: string, shard: number): string => `${split}-${String(shard).padStart(5, '0')}.shard`;

const imageBytes = (h: Pick<ShardHeader, 'height' | 'width' | 'channels'>): number => h.height * h.width * h.channels;

/** Expected file size of a shard with this header. */
export function shardBytes(h: ShardHeader): number {
  return SHARD_HEADER_BYTES + h.count * (imageBytes(h) + 4);
}

/**
 * Writes one shard: images are streamed to `<path>.tmp` as they come, labels
 * and header follow at finish, then fsync and rename, so a shard file that
 * exists under its name is always complete. The SHA-256 covers images and labels.
 */
export class ShardWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly labels: number[] = [];
  private readonly hash: Hash = createHash('sha256');
  private offset = SHARD_HEADER_BYTES;

  constructor(
    readonly path: string,
    private readonly meta: Omit<ShardHeader, 'count'>,
  ) {
    this.tmp = `${path}.tmp`;
    this.fd = openSync(this.tmp, 'w');
  }

  get count(): number {
    return this.labels.length;
  }

  append(image: Uint8Array, label: number): void {
    if (image.length !== imageBytes(this.meta)) throw new Error(`ShardWriter: image of ${image.length} bytes, expected ${imageBytes(this.meta)}`);
    writeAll(this.fd, image, this.offset);
    this.hash.update(image);
    this.offset += image.length;
    this.labels.push(label);
  }

  /** Complete the file; returns its image count and checksum. */
  finish(): { count: number; sha256: string } {
    try {
      const labels = Buffer.alloc(4 * this.labels.length);
      this.labels.forEach((l, i) => labels.writeUInt32LE(l, 4 * i));
      writeAll(this.fd, labels, this.offset);
      this.hash.update(labels);
      writeAll(this.fd, encodeHeader({ ...this.meta, count: this.labels.length }), 0);
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
    renameSync(this.tmp, this.path);
    return { count: this.labels.length, sha256: this.hash.digest('hex') };
  }

  /** Give up on this shard (an interrupted prepare): the temp file stays until the next run overwrites it. */
  abandon(): void {
    closeSync(this.fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function encodeHeader(h: ShardHeader): Buffer {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  const out = Buffer.alloc(SHARD_HEADER_BYTES);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(SHARD_VERSION, 8);
  out.writeUInt32LE(json.length, 12);
  json.copy(out, 16);
  return out;
}

/** Read and check a shard's header and size against what the index expects. Throws DataError naming the file. */
export function checkShard(path: string, expect: ShardHeader): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(path, code === 'ENOENT' ? 'shard file is missing; run `netc prepare` again to rebuild the dataset' : `cannot be opened (${code})`);
  }
  try {
    const head = Buffer.alloc(SHARD_HEADER_BYTES);
    const n = readSync(fd, head, 0, SHARD_HEADER_BYTES, 0);
    const size = fstatSync(fd).size;
    const bad = (why: string): never => {
      throw new DataError(path, `${why}; run \`netc prepare\` again (with --force) to rebuild the shards`);
    };
    if (n < 16 || head.toString('latin1', 0, 8) !== MAGIC) bad('is not a netc shard (it does not start with NETCSHRD)');
    const version = head.readUInt32LE(8);
    if (version !== SHARD_VERSION) bad(`is shard format version ${version}, this netc reads version ${SHARD_VERSION}`);
    const len = head.readUInt32LE(12);
    let h: ShardHeader;
    try {
      h = JSON.parse(head.toString('utf8', 16, Math.min(16 + len, SHARD_HEADER_BYTES))) as ShardHeader;
    } catch {
      return bad('has a damaged header');
    }
    if (h.dataset !== expect.dataset) bad(`belongs to another prepared dataset (id ${String(h.dataset).slice(0, 12)}, the index says ${expect.dataset.slice(0, 12)})`);
    if (h.split !== expect.split || h.shard !== expect.shard) bad(`is shard ${h.shard} of split ${h.split}, the index expects shard ${expect.shard} of ${expect.split} here`);
    if (h.count !== expect.count || h.height !== expect.height || h.width !== expect.width || h.channels !== expect.channels) {
      bad(`holds ${h.count} images of ${h.height}x${h.width}x${h.channels}, the index says ${expect.count} of ${expect.height}x${expect.width}x${expect.channels}`);
    }
    if (size !== shardBytes(h)) bad(`is ${size} bytes, a shard of ${h.count} images is ${shardBytes(h)} (${size < shardBytes(h) ? 'truncated' : 'trailing bytes'})`);
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 of a shard's images and labels (what the index records), read in 4 MiB pieces. */
export function shardChecksum(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.alloc(4 << 20);
    for (let pos = SHARD_HEADER_BYTES; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** Where the shards of one split are and how many images each holds (plain data: it is posted to workers). */
export interface ShardSet {
  dir: string;
  files: string[];
  counts: number[];
  height: number;
  width: number;
  channels: number;
}

/** Random access to the images of a shard set, keeping at most `maxOpen` files open. */
export class ShardReader {
  private readonly starts: number[] = [];
  private readonly open = new Map<number, number>(); // shard -> fd, in least-recently-used order
  private readonly bytes: number;

  constructor(
    private readonly set: ShardSet,
    private readonly maxOpen = 64,
  ) {
    let at = 0;
    for (const c of set.counts) {
      this.starts.push(at);
      at += c;
    }
    this.starts.push(at);
    this.bytes = imageBytes(set);
  }

  get count(): number {
    return this.starts[this.starts.length - 1]!;
  }

  /** The shard holding image `i` (binary search over shard starts). */
  private locate(i: number): number {
    let lo = 0;
    let hi = this.set.counts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private fd(shard: number): number {
    let fd = this.open.get(shard);
    if (fd !== undefined) {
      this.open.delete(shard);
      this.open.set(shard, fd);
      return fd;
    }
    if (this.open.size >= this.maxOpen) {
      const [oldest, ofd] = this.open.entries().next().value as [number, number];
      closeSync(ofd);
      this.open.delete(oldest);
    }
    const path = `${this.set.dir}/${this.set.files[shard]}`;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new DataError(path, `cannot be opened (${(err as NodeJS.ErrnoException).code})`);
    }
    this.open.set(shard, fd);
    return fd;
  }

  /** Copy image `i` into `out` at byte `at`. */
  read(i: number, out: Uint8Array, at: number): void {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`image ${i} outside 0..${this.count - 1}`);
    const s = this.locate(i);
    const pos = SHARD_HEADER_BYTES + (i - this.starts[s]!) * this.bytes;
    const n = readSync(this.fd(s), out, at, this.bytes, pos);
    if (n !== this.bytes) throw new DataError(`${this.set.dir}/${this.set.files[s]}`, `ends early: image ${i - this.starts[s]!} is cut short (the file was truncated after it was checked)`);
  }

  /** Labels of every image, in order (read from each shard's label block). */
  labels(): Uint32Array {
    const out = new Uint32Array(this.count);
    this.set.files.forEach((_, s) => {
      const n = this.set.counts[s]!;
      const buf = Buffer.alloc(4 * n);
      readSync(this.fd(s), buf, 0, buf.length, SHARD_HEADER_BYTES + n * this.bytes);
      for (let k = 0; k < n; k++) out[this.starts[s]! + k] = buf.readUInt32LE(4 * k);
    });
    return out;
  }

  close(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}
