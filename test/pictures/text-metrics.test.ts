/**
 * The pictures lay text out with textWidth (Helvetica's advance widths). These tests render
 * text with librsvg (through sharp) in a font drawn to Helvetica's widths and measure it: the
 * layout's width is the drawn width. They need the Liberation fonts (Debian's
 * fonts-liberation2, which .ci/run installs); without them they are skipped, saying so.
 */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../compiler/report/report-data.js';
import { FONT_FAMILY, esc, textWidth } from '../../compiler/report/svg/svg.js';
import { compiledPlan } from './helpers.js';

function installedFamilies(): string {
  try {
    return execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}
const families = installedFamilies();
const missing = families.includes('Liberation Sans') ? null : 'the Liberation Sans font (apt-get install fonts-liberation2)';
if (missing) console.log(`skipping the rendered text-width tests: no ${missing}`);

const SIZE = 100; // large, so one pixel is 1% of a character

/** Width in pixels of the ink of an SVG body drawn on a wide white page. */
async function inkWidth(body: string, family: string): Promise<number> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="${SIZE * 2}" font-family="${esc(family)}"><rect width="9000" height="${SIZE * 2}" fill="#ffffff"/>${body}</svg>`;
  const { info } = await sharp(Buffer.from(svg)).trim({ threshold: 10 }).toBuffer({ resolveWithObject: true });
  return info.width;
}

/**
 * The advance width of `s` as drawn: ink of "H" + s + "H" less ink of "HH", so side bearings
 * cancel out (a plain <text>, without textLength).
 */
async function drawnWidth(s: string, family: string, bold: boolean): Promise<number> {
  const t = (content: string) => `<text x="50" y="${SIZE * 1.4}" font-size="${SIZE}" font-weight="${bold ? 'bold' : 'normal'}" xml:space="preserve">${esc(content)}</text>`;
  return (await inkWidth(t(`H${s}H`), family)) - (await inkWidth(t('HH'), family));
}

const ascii = Array.from({ length: 95 }, (_, k) => String.fromCharCode(32 + k)).join('');

describe.skipIf(missing !== null)('text widths in the pictures', () => {
  it('are the drawn advance widths of every printable ASCII character, regular and bold', async () => {
    for (const bold of [false, true]) {
      for (const ch of ascii.slice(1)) {
        // ten in a row, so the rounding of the edges is a tenth of a pixel per character;
        // once for 'f' and '1', which Liberation Sans kerns against themselves ("ff", "11")
        const n = ch === 'f' || ch === '1' ? 1 : 10;
        const drawn = (await drawnWidth(ch.repeat(n), FONT_FAMILY, bold)) / n;
        expect(Math.abs(drawn - textWidth(ch, SIZE, bold)), `${JSON.stringify(ch)}${bold ? ' bold' : ''}`).toBeLessThanOrEqual(n === 1 ? 1 : 0.6);
      }
    }
  });

  it('are within 1% of the drawn width of the layer names and labels of the shipped models', async () => {
    const names = new Set<string>();
    for (const spec of ['specs/googlenet.yaml', 'specs/resnet50.yaml', 'specs/alexnet.yaml']) {
      for (const layer of buildReport(compiledPlan(spec)).layers) names.add(layer.name);
    }
    // the longest names are the ones that could touch their neighbours
    const longest = [...names].sort((a, b) => b.length - a.length || a.localeCompare(b)).slice(0, 12);
    for (const s of [...longest, '3x3 conv 192 /1 · 28×28', 'fashion-mnist · 60,000 images · top-1 error 8.40%']) {
      const drawn = await drawnWidth(s, FONT_FAMILY, false);
      expect(Math.abs(drawn - textWidth(s, SIZE)) / drawn, s).toBeLessThan(0.01);
    }
  });
});
