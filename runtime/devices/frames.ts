/**
 * The process protocol: length-prefixed binary frames on a byte stream.
 *
 *   u32 LE  n: bytes that follow
 *   u32 LE  h: header bytes
 *   h bytes header JSON, with `$bufs: [[dtype, length], ...]` describing the payload
 *   0-3 bytes of padding, so the payload starts 4-byte aligned
 *   payload: the arrays' raw little-endian bytes, one after the other
 *
 * Arrays go out as views of their own memory (no copy in JS) and come in
 * with one copy, into an aligned buffer that the typed arrays then view.
 */
import { readSync, writeSync } from 'node:fs';
import type { Buf, Envelope } from './messages.js';

type DType = 'f32' | 'i32';

/** Larger than any tensor netc sends; a bigger length means the stream is not frames. */
const MAX_FRAME = 2 ** 30;

/** The chunks to write for one message (write them in order, uninterrupted). */
export function encodeFrame(h: object, bufs: readonly Buf[]): Buffer[] {
  const described = bufs.map((b): [DType, number] => [b instanceof Int32Array ? 'i32' : 'f32', b.length]);
  const header = Buffer.from(JSON.stringify({ ...h, $bufs: described }), 'utf8');
  const pad = (4 - ((8 + header.length) % 4)) % 4;
  const payloadBytes = bufs.reduce((s, b) => s + b.byteLength, 0);
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(4 + header.length + pad + payloadBytes, 0);
  prefix.writeUInt32LE(header.length, 4);
  const chunks = [prefix, header];
  if (pad > 0) chunks.push(Buffer.alloc(pad, 0x20));
  for (const b of bufs) if (b.byteLength > 0) chunks.push(Buffer.from(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength));
  return chunks;
}

/** Reassembles frames from stream chunks of any size. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes; returns the messages they complete. */
  push(chunk: Buffer): Envelope[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Envelope[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const n = this.peekLength();
      if (n < 4 || n > MAX_FRAME) throw new Error(`bad frame length ${n}: the stream is not netc's device protocol`);
      if (this.buffered < 4 + n) break;
      this.take(4);
      out.push(decodeBody(this.take(n)));
    }
    return out;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32LE(0);
    const head = Buffer.alloc(4);
    let got = 0;
    for (const c of this.chunks) {
      const k = Math.min(4 - got, c.length);
      c.copy(head, got, 0, k);
      got += k;
      if (got === 4) break;
    }
    return head.readUInt32LE(0);
  }

  /** Removes n bytes from the front, copied into a fresh (aligned) ArrayBuffer. */
  private take(n: number): Uint8Array {
    const out = new Uint8Array(new ArrayBuffer(n));
    let got = 0;
    while (got < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - got, c.length);
      out.set(c.subarray(0, k), got);
      got += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}

/** A frame's body (after its length) as a message. */
export function decodeBody(body: Uint8Array): Envelope {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(Buffer.from(body.buffer, body.byteOffset + 4, headerLength).toString('utf8')) as Record<string, unknown> & { $bufs?: [DType, number][] };
  let offset = 4 + headerLength;
  offset += (4 - ((4 + offset) % 4)) % 4;
  const bufs: Buf[] = [];
  for (const [dtype, length] of header.$bufs ?? []) {
    if (offset + length * 4 > body.byteLength) throw new Error('frame payload shorter than its header says');
    bufs.push(dtype === 'i32' ? new Int32Array(body.buffer, body.byteOffset + offset, length) : new Float32Array(body.buffer, body.byteOffset + offset, length));
    offset += length * 4;
  }
  delete header.$bufs;
  return { h: header, bufs };
}

/** Blocking write of one message to a file descriptor (a device's exchange channel). */
export function writeFrameSync(fd: number, h: object, bufs: readonly Buf[]): void {
  for (const chunk of encodeFrame(h, bufs)) {
    for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
  }
}

/** Blocking read of one message from a file descriptor; throws at end of stream. */
export function readFrameSync(fd: number): Envelope {
  const readFully = (n: number): Uint8Array => {
    const out = new Uint8Array(new ArrayBuffer(n));
    for (let at = 0; at < n; ) {
      const got = readSync(fd, out, at, n - at, null);
      if (got === 0) throw new Error('the coordinator closed the exchange channel');
      at += got;
    }
    return out;
  };
  const head = readFully(4);
  const n = new DataView(head.buffer).getUint32(0, true);
  if (n < 4 || n > MAX_FRAME) throw new Error(`bad frame length ${n} on the exchange channel`);
  return decodeBody(readFully(n));
}
