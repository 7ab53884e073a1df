/**
 * Learned kernels as a picture (the AlexNet paper's Figure 3): a conv layer's
 * HWIO weights drawn as a grid of small images, one per filter, each
 * min-max normalized on its own and upscaled with nearest-neighbour; grey for
 * one input channel, RGB for three. With towers, filter slice t belongs to
 * tower t, and each tower's filters form their own block of rows (the
 * paper's first-GPU kernels above the second GPU's). Pure: weights in, pixels
 * (or PNG bytes) out.
 */
import { encodePng } from '../../data/png.js';
import { PictureError } from './metrics-file.js';

export interface KernelGridOptions {
  /** Blocks of filters: filter slice t (of cout / towers) belongs to tower t. */
  towers?: number;
  /** Pixels per weight; default: enough for cells of about 48 pixels. */
  scale?: number;
  /** Filters per row; default: up to 16. */
  columns?: number;
}

export interface KernelGridLayout {
  kh: number;
  kw: number;
  channels: 1 | 3;
  filters: number;
  towers: number;
  perTower: number;
  scale: number;
  columns: number;
  /** Rows of filters in each tower's block. */
  rows: number;
  width: number;
  height: number;
}

export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** HWC, 8 bits per sample. */
  data: Uint8Array;
}

/** Pixels around the picture, between filters, and between the towers' blocks. */
export const MARGIN = 4;
export const GAP = 2;
export const BLOCK_GAP = 12;
const BACKGROUND = 255;

export function kernelGridLayout(shape: readonly number[], options: KernelGridOptions = {}): KernelGridLayout {
  if (shape.length !== 4) throw new PictureError(`the weight has shape [${shape.join(', ')}]: expected a conv kernel [height, width, in, out]`);
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  if (cin !== 1 && cin !== 3) {
    throw new PictureError(`the kernels have ${cin} input channels: only 1 (grey) or 3 (RGB) can be drawn as images, as for a first conv layer`);
  }
  const towers = options.towers ?? 1;
  if (!Number.isInteger(towers) || towers < 1 || cout % towers !== 0) throw new PictureError(`${cout} filters do not split into ${towers} towers`);
  const perTower = cout / towers;
  const scale = options.scale ?? Math.max(1, Math.ceil(48 / Math.max(kh, kw)));
  const columns = Math.max(1, Math.min(perTower, options.columns ?? 16));
  const rows = Math.ceil(perTower / columns);
  const cellW = kw * scale;
  const cellH = kh * scale;
  const blockH = rows * cellH + (rows - 1) * GAP;
  return {
    kh, kw, channels: cin, filters: cout, towers, perTower, scale, columns, rows,
    width: 2 * MARGIN + columns * cellW + (columns - 1) * GAP,
    height: 2 * MARGIN + towers * blockH + (towers - 1) * BLOCK_GAP,
  };
}

export function renderKernelGrid(shape: readonly number[], values: Float32Array, options: KernelGridOptions = {}): RasterImage {
  const L = kernelGridLayout(shape, options);
  const { kh, kw, channels: cin, filters: cout, scale } = L;
  if (values.length !== kh * kw * cin * cout) throw new PictureError(`the weight holds ${values.length} values, not ${kh * kw * cin * cout} for shape [${shape.join(', ')}]`);
  const data = new Uint8Array(L.width * L.height * cin).fill(BACKGROUND);
  const cellW = kw * scale;
  const cellH = kh * scale;
  const blockH = L.rows * cellH + (L.rows - 1) * GAP;
  // HWIO: weight [y, x, c, f] sits at ((y * kw + x) * cin + c) * cout + f.
  const at = (y: number, x: number, c: number, f: number) => values[((y * kw + x) * cin + c) * cout + f]!;
  for (let f = 0; f < cout; f++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) {
      const v = at(y, x, c, f);
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const range = hi - lo;
    const tower = Math.floor(f / L.perTower);
    const k = f % L.perTower;
    const x0 = MARGIN + (k % L.columns) * (cellW + GAP);
    const y0 = MARGIN + tower * (blockH + BLOCK_GAP) + Math.floor(k / L.columns) * (cellH + GAP);
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < cin; c++) {
      const v = at(y, x, c, f);
      // A constant (or non-finite) filter is drawn mid-grey.
      const byte = range > 0 && Number.isFinite(v) ? Math.round(((v - lo) / range) * 255) : 128;
      for (let dy = 0; dy < scale; dy++) {
        const row = (y0 + y * scale + dy) * L.width;
        for (let dx = 0; dx < scale; dx++) data[(row + x0 + x * scale + dx) * cin + c] = byte;
      }
    }
  }
  return { width: L.width, height: L.height, channels: cin, data };
}

export function renderKernelsPng(shape: readonly number[], values: Float32Array, options: KernelGridOptions = {}): Buffer {
  const img = renderKernelGrid(shape, values, options);
  return encodePng(img.width, img.height, img.channels, img.data);
}
