/**
 * A few helpers for writing SVG by hand: escaping, compact number formatting
 * and element builders. Output is deterministic (fixed rounding, attribute
 * order as given) so pictures can be checked in and diffed.
 */

/** Escapes text for an XML text node or a double-quoted attribute value. */
export function esc(s: string): string {
  // Characters XML 1.0 forbids outright (C0 controls other than tab/newline/CR) are dropped.
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A coordinate or length rounded to 0.1, without trailing zeros or `-0`. */
export function num(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) || r === 0 ? '0' : String(r);
}

/** An axis-aligned rectangle: top-left corner, width and height. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}
/** A straight line from (x1, y1) to (x2, y2). */
export interface Segment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export type Attrs = Record<string, string | number | undefined | null>;

function attrs(a: Attrs): string {
  let s = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null) continue;
    s += ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`;
  }
  return s;
}

/** An element; `children` are already-rendered markup (use `text()` for text). */
export function el(tag: string, a: Attrs = {}, children: string | string[] = ''): string {
  const inner = Array.isArray(children) ? children.join('') : children;
  return inner === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${inner}</${tag}>`;
}

/**
 * A <text> element with escaped content. Its textLength is the width the layout reserved
 * (textWidth), so a browser that lacks the pictures' font (DejaVu Sans, for one, is 10-13%
 * wider) fits the text to it instead of running it into its neighbours. librsvg ignores
 * textLength: there only the font stack helps.
 */
export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  const size = Number(a['font-size'] ?? 11);
  const width = textWidth(content, size, a['font-weight'] === 'bold');
  return el('text', { x, y, ...a, ...(width > 0 ? { textLength: width, lengthAdjust: 'spacingAndGlyphs' } : {}) }, esc(content));
}

export function points(ps: readonly (readonly [number, number])[]): string {
  return ps.map(([x, y]) => `${num(x)},${num(y)}`).join(' ');
}

/** The document wrapper: XML declaration, size, a white background and a default font. */
export function svgDocument(width: number, height: number, body: string[], options: { title?: string } = {}): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${esc(FONT_FAMILY)}" font-size="11">`,
    options.title !== undefined ? el('title', {}, esc(options.title)) : '',
    el('rect', { x: 0, y: 0, width: w, height: h, fill: '#ffffff' }),
    ...body,
    '</svg>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/**
 * The pictures' font: Helvetica, or the fonts drawn to its widths (Arial, Liberation Sans,
 * Arimo), so the widths below are the renderer's own; `sans-serif` last for anything else.
 */
export const FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', Arimo, sans-serif";

/** Advance widths in 1/1000 em of printable ASCII (32 to 126), from Helvetica's AFM metrics. */
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
  611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
  222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
  611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
  278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
/** The few non-ASCII characters the pictures use (same in both weights). */
const OTHER_WIDTHS: Record<string, number> = { '×': 584, '·': 333, '–': 556, '—': 1000, '→': 1000, '…': 1000, '≈': 549, 'µ': 556, '⊕': 838 };

/**
 * Width of a text in the pictures' font, for layout: the sum of its characters' advance
 * widths (kerning ignored: under 1% on layer names). test/pictures/text-metrics.test.ts
 * checks it against text rendered by librsvg. Characters outside the table count as wide
 * letters (1 em for CJK and other wide scripts).
 */
export function textWidth(s: string, fontSize: number, bold = false): number {
  const table = bold ? HELVETICA_BOLD : HELVETICA;
  let units = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 32 && c <= 126) units += table[c - 32]!;
    else units += OTHER_WIDTHS[ch] ?? (c >= 0x1100 ? 1000 : 667);
  }
  return (units / 1000) * fontSize;
}

/** Arrow-head marker definitions, one per colour, referenced as url(#arrow-<id>). */
export function arrowMarker(id: string, color: string, size = 6): string {
  return el('marker', { id: `arrow-${id}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: size, markerHeight: size, orient: 'auto' }, el('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
}
