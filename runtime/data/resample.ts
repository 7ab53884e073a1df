/**
 * Bilinear resizing exactly as Pillow does it (Image.resize with BILINEAR,
 * which is what torchvision's Resize does to PIL images): an antialiased
 * triangle filter whose support widens with the reduction factor, separable,
 * horizontal pass first, coefficients in 22-bit fixed point, rounding to
 * nearest, clamped to 0-255 (Pillow's libImaging/Resample.c). With the same
 * JPEG decoder (libjpeg-turbo in both), netc's stored images equal the
 * pixels a torchvision pipeline sees, bit for bit.
 *
 * Only the window that a following crop keeps is computed: each output pixel
 * depends on its own coefficients alone, so the result is the same as
 * resizing everything and cropping after.
 */

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** Per output position: the first input index, how many inputs, and their fixed-point weights (ksize per position). */
interface Coefficients {
  start: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  ksize: number;
}

/** Pillow's precompute_coeffs for the bilinear filter (support 1), then normalize_coeffs_8bpc, for outputs [first, first + n). */
function coefficients(inSize: number, outSize: number, first: number, n: number): Coefficients {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale; // bilinear support 1.0 times the scale
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * ksize);
  const pre = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let i = 0; i < n; i++) {
    const center = (first + i + 0.5) * scale;
    // (int) in C truncates towards zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      pre[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? pre[x]! / ww : pre[x]!;
      weights[i * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    start[i] = xmin;
    count[i] = xmax;
  }
  return { start, count, weights, ksize };
}

/** Pillow's clip8: the fixed-point sum back to a byte (arithmetic shift, clamped). */
function clip8(v: number): number {
  const b = v >> PRECISION_BITS;
  return b < 0 ? 0 : b > 255 ? 255 : b;
}

export interface Window {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Horizontal pass: rows [r0, r1) of src, the window's columns, into a (r1 - r0) x width x C image. */
function horizontal(src: Uint8Array, inW: number, C: number, r0: number, r1: number, width: number, cols: Coefficients): Uint8Array {
  const mid = new Uint8Array((r1 - r0) * width * C);
  const { start, count, weights, ksize } = cols;
  let d = 0;
  for (let y = r0; y < r1; y++) {
    const srow = y * inW * C;
    for (let x = 0; x < width; x++) {
      const k = x * ksize;
      const n = count[x]!;
      const s0 = srow + start[x]! * C;
      if (C === 3) {
        // RGB, the common case: three sums in registers, the source read in order.
        let a = HALF, b = HALF, c = HALF;
        for (let j = 0, s = s0; j < n; j++, s += 3) {
          const w = weights[k + j]!;
          a = (a + Math.imul(src[s]!, w)) | 0;
          b = (b + Math.imul(src[s + 1]!, w)) | 0;
          c = (c + Math.imul(src[s + 2]!, w)) | 0;
        }
        mid[d] = clip8(a);
        mid[d + 1] = clip8(b);
        mid[d + 2] = clip8(c);
        d += 3;
        continue;
      }
      for (let ch = 0; ch < C; ch++) {
        let a = HALF;
        for (let j = 0, s = s0 + ch; j < n; j++, s += C) a = (a + Math.imul(src[s]!, weights[k + j]!)) | 0;
        mid[d++] = clip8(a);
      }
    }
  }
  return mid;
}

/** Vertical pass: each output row a weighted sum of `mid`'s rows, accumulated a whole row at a time. */
function vertical(mid: Uint8Array, stride: number, r0: number, height: number, rows: Coefficients): Uint8Array {
  const out = new Uint8Array(height * stride);
  const acc = new Int32Array(stride);
  const { start, count, weights, ksize } = rows;
  for (let y = 0; y < height; y++) {
    acc.fill(HALF);
    const k = y * ksize;
    for (let j = 0, s = (start[y]! - r0) * stride; j < count[y]!; j++, s += stride) {
      const w = weights[k + j]!;
      for (let i = 0; i < stride; i++) acc[i] = (acc[i]! + Math.imul(mid[s + i]!, w)) | 0;
    }
    const d = y * stride;
    for (let i = 0; i < stride; i++) out[d + i] = clip8(acc[i]!);
  }
  return out;
}

/**
 * Resize an HWC image of `channels` bytes per pixel from inH x inW to
 * outH x outW and return the `win` window of the result (the whole image by
 * default).
 */
export function resizeBilinear(src: Uint8Array, inH: number, inW: number, channels: number, outH: number, outW: number, win: Window = { top: 0, left: 0, height: outH, width: outW }): Uint8Array {
  const C = channels;
  const rows = outH !== inH ? coefficients(inH, outH, win.top, win.height) : null;
  // Source rows the vertical pass reads (or the window's own rows when there is none).
  const r0 = rows ? rows.start[0]! : win.top;
  const r1 = rows ? rows.start[win.height - 1]! + rows.count[win.height - 1]! : win.top + win.height;
  let mid: Uint8Array;
  if (outW !== inW) mid = horizontal(src, inW, C, r0, r1, win.width, coefficients(inW, outW, win.left, win.width));
  else {
    mid = new Uint8Array((r1 - r0) * win.width * C);
    for (let y = r0; y < r1; y++) mid.set(src.subarray((y * inW + win.left) * C, (y * inW + win.left + win.width) * C), (y - r0) * win.width * C);
  }
  return rows ? vertical(mid, win.width * C, r0, win.height, rows) : mid;
}
