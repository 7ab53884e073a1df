/**
 * Diagnostics from the .netc frontend: every syntax error in one run, each at
 * its own line:col, and later errors (schema, shapes) pointing into the .netc
 * text. Asserts codes and positions, not wording (except where the wording is
 * the feature, as in "opened at").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { compileSource } from '../../compiler/compile.js';
import { renderPlain } from '../../compiler/diagnostics/render.js';
import { parseNetcText, where } from './helpers.js';

const alexnet = readFileSync(new URL('../../specs/alexnet.netc', import.meta.url), 'utf8');

describe('syntax errors', () => {
  test('three independent errors are all reported, each at its position', () => {
    const text = [
      'netc 1', //                           1
      'model tiny', //                       2
      'seed @1', //                          3: unexpected character
      'input 28x28x1', //                    4
      'layers {', //                         5
      '  c1 conv 8 5x5 act=relu =', //       6: stray `=`
      '  f  flatten', //                     7
      '  d  dense 10 init=[1, 2', //         8: unclosed `[`
      '  p  softmax', //                     9
      '}',
    ].join('\n');
    const { document, diagnostics } = parseNetcText(text, 'three.netc');
    expect(document).toBeUndefined();
    const line8 = text.split('\n')[7]!;
    expect(where(diagnostics)).toEqual(['3:6 NETC1101', '6:26 NETC1102', `8:${line8.length + 1} NETC1103`]);
    const unclosed = diagnostics.find((d) => d.code === 'NETC1103')!;
    expect(renderPlain(unclosed)).toBe(`three.netc:8:${line8.length + 1}: error NETC1103: expected \`]\` to close \`[\` opened at 8:${line8.indexOf('[') + 1}`);
  });

  test('an unclosed block is closed at the next line indented like its opening, and parsing goes on', () => {
    const text = ['netc 1', 'layers {', '  c conv 8 3x3', 'train {', '  batch 1 2 =', '}'].join('\n');
    const { diagnostics } = parseNetcText(text, 'open.netc');
    expect(where(diagnostics)).toEqual(['4:1 NETC1103', '5:13 NETC1102']);
    expect(diagnostics[0]!.message).toBe('expected `}` to close `layers {` opened at 2:8');
  });

  test('an unclosed block at the end of the file', () => {
    const { diagnostics } = parseNetcText('netc 1\nlayers {\n  c conv 8 3x3\n', 'eof.netc');
    expect(where(diagnostics)).toEqual(['3:15 NETC1103']);
  });

  test('a stray closer, a wrong closer, an unclosed string, a glued number', () => {
    const text = ['netc 1', '}', 'defaults init=normal(0, 1]', 'model m "open', 'seed 96x'].join('\n');
    expect(where(parseNetcText(text).diagnostics)).toEqual(['2:1 NETC1102', '3:26 NETC1103', '4:14 NETC1103', '5:6 NETC1102']);
  });

  test('a value may not be missing, a line may not start with a number', () => {
    const { diagnostics } = parseNetcText('netc=1\nseed=\n5 5\n');
    expect(where(diagnostics)).toEqual(['2:6 NETC1102', '3:1 NETC1102']);
  });

  test('a line of `key=value` pairs gives entries of its block', () => {
    const { document } = parseNetcText('netc=1 seed=2\ndefaults {\n  init=zeros bias=0\n}\n');
    expect(document?.value).toEqual({ netc: 1, seed: 2, defaults: { init: 'zeros', bias: 0 } });
  });

  test('a key given twice points at the second, with the first as related', () => {
    const { diagnostics } = parseNetcText('netc 1\nseed 1\nseed 2\nlayers {\n  c conv 8 3x3 kernel=5\n}\n');
    expect(where(diagnostics)).toEqual(['3:1 NETC1104', '5:16 NETC1104']);
    expect(diagnostics[0]!.related?.[0]?.span.start).toBe(7);
  });

  test('layer lines: positional values must fit the type', () => {
    const text = ['netc 1', 'layers {', '  d dropout 0.5', '  c conv 8 3 3x3', '  f flatten 3x3', '  a b c d', '}'].join('\n');
    expect(where(parseNetcText(text).diagnostics)).toEqual(['3:13 NETC1102', '4:12 NETC1102', '5:13 NETC1102', '6:7 NETC1102']);
  });

  test('a stride outside a layer size, and an empty file', () => {
    expect(where(parseNetcText('netc 1\ndata {\n  preprocess resize=3x3/2\n}\n').diagnostics)).toEqual(['3:24 NETC1102']);
    expect(where(parseNetcText('# nothing here\n').diagnostics)).toEqual(['1:1 NETC1009']);
  });
});

describe('later passes point into the .netc text', () => {
  test('`conv 96 11x11/4` on a 224 input: NETC3101 at the stride', () => {
    const text = alexnet.replace('input 227x227x3', 'input 224x224x3');
    const r = compileSource('specs/alexnet-224.netc', text);
    const d = r.diagnostics.find((x) => x.code === 'NETC3101');
    expect(d).toBeDefined();
    const line = text.split('\n').findIndex((l) => l.includes('conv1')) + 1;
    const col = text.split('\n')[line - 1]!.indexOf('11x11/4') + '11x11/'.length + 1;
    expect(where([d!])).toEqual([`${line}:${col} NETC3101`]);
  });

  test('schema errors point at the key or the value', () => {
    const text = alexnet.replace('seed 1', 'seed 1\ncolour blue').replace('pool5   maxpool 3x3/2', 'pool5   maxpool 3x3/2 pad=[1, 2, 3]');
    const r = compileSource('bad.netc', text);
    const lines = text.split('\n');
    const colour = lines.findIndex((l) => l.startsWith('colour')) + 1;
    const pool5 = lines.findIndex((l) => l.includes('pad=[1, 2, 3]'));
    expect(where(r.diagnostics)).toEqual([`${colour}:1 NETC2001`, `${pool5 + 1}:${lines[pool5]!.indexOf('[') + 1} NETC2002`]);
  });

  test('an unknown activation points at its value', () => {
    const text = alexnet.replace('conv3   conv    384 3x3 pad=1 connect=all act=relu', 'conv3   conv    384 3x3 pad=1 connect=all act=relux');
    const r = compileSource('bad.netc', text);
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes('relux'));
    expect(where(r.diagnostics.filter((d) => d.severity === 'error'))).toContain(`${i + 1}:${lines[i]!.indexOf('relux') + 1} NETC2010`);
  });
});
