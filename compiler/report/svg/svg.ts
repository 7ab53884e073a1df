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

/** A <text> element with escaped content. */
export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, esc(content));
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
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    options.title !== undefined ? el('title', {}, esc(options.title)) : '',
    el('rect', { x: 0, y: 0, width: w, height: h, fill: '#ffffff' }),
    ...body,
    '</svg>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** Rough width of sans-serif text, for layout (no font metrics available). */
export function textWidth(s: string, fontSize: number, bold = false): number {
  let w = 0;
  for (const ch of s) {
    if ('il.,:;|!\' ()[]/'.includes(ch)) w += 0.32;
    else if ('mwMW%@'.includes(ch)) w += 0.85;
    else if ((ch >= '0' && ch <= '9') || ch === '×') w += 0.62; // digits are as wide as each other, '1' included
    else if (ch >= 'A' && ch <= 'Z') w += 0.68;
    else w += 0.56;
  }
  return w * fontSize * (bold ? 1.07 : 1);
}

/** Arrow-head marker definitions, one per colour, referenced as url(#arrow-<id>). */
export function arrowMarker(id: string, color: string, size = 6): string {
  return el('marker', { id: `arrow-${id}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: size, markerHeight: size, orient: 'auto' }, el('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
}
