/**
 * `netc fmt`: canonical layout, idempotent, and no comment lost: own-line
 * comments stay above their statement, end-of-line comments on its line, the
 * last comments of a block before its `}`.
 */
import { describe, expect, test } from 'vitest';
import { formatNetc } from '../../compiler/convert/index.js';
import { parseNetcText, sameJson } from './helpers.js';

const messy = `# header comment

netc   1
model    tiny   "a small net"   # trailing on model
  seed 7
input [28, 28, 1]
defaults { init=he_normal }
layers {   # on the block line
  # about c1
  c1 conv 8 5x5 act=relu      # c1 trailing
      p1 maxpool 2x2


  # a group of dense layers
  f flatten
  d dense 10 init=normal(0,0.01) alpha=1e-4
  # last words in layers
}   # after layers
train {
  batch 64
  optimizer sgd lr=.01
  # end of train
}
# end of file
`;

const commentsOf = (text: string) => text.split('\n').filter((l) => l.includes('#')).map((l) => l.slice(l.indexOf('#')));

describe('formatNetc', () => {
  const once = formatNetc(messy);

  test('gives the canonical layout', () => {
    expect(once.diagnostics).toEqual([]);
    expect(once.text).toBe(`# header comment

netc 1
model tiny "a small net"  # trailing on model
seed 7
input 28x28x1
defaults init=he_normal

layers {  # on the block line
  # about c1
  c1 conv    8 5x5 act=relu  # c1 trailing
  p1 maxpool 2x2

  # a group of dense layers
  f  flatten
  d  dense   10 init=normal(0, 0.01) alpha=1e-4
  # last words in layers
}  # after layers

train {
  batch 64
  optimizer sgd lr=.01
  # end of train
}
# end of file
`);
  });

  test('is idempotent', () => {
    expect(formatNetc(once.text).text).toBe(once.text);
    expect(formatNetc(once.text).changed).toBe(false);
  });

  test('keeps every comment, in order', () => {
    expect(commentsOf(once.text)).toEqual(commentsOf(messy));
  });

  test('keeps the value', () => {
    expect(sameJson(parseNetcText(once.text).document!.value, parseNetcText(messy).document!.value)).toBe(true);
  });

  test('comments on statements written another way move to the statement that holds them', () => {
    const text = 'netc 1\nname m  # the name\n# about the description\ndescription "d"  # d\ndefaults {\n  # the init\n  init zeros\n  # last\n}\n';
    const out = formatNetc(text).text;
    expect(out).toBe('netc 1\n# about the description\nmodel m "d"  # the name # d\n# the init\n# last\ndefaults init=zeros\n');
    expect(formatNetc(out).text).toBe(out);
  });

  test('a file with syntax errors comes back unchanged, with the errors', () => {
    const bad = 'netc 1\nlayers {\n  c conv 8 3x3 =\n}\n';
    const r = formatNetc(bad);
    expect(r.text).toBe(bad);
    expect(r.changed).toBe(false);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['NETC1102']);
  });
});
