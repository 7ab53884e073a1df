/** canonicalJson: sorted keys at every depth, the bytes written out here by hand. */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../plan/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order and leaves out undefined members', () => {
    const value = { b: [3, { z: 1, a: 'x' }], a: { d: null, c: undefined, b: true }, 'é': 1.5 };
    expect(canonicalJson(value)).toBe('{"a":{"b":true,"d":null},"b":[3,{"a":"x","z":1}],"é":1.5}');
  });

  it('sorts integer-like keys as strings, as every other key ("10" before "2")', () => {
    expect(canonicalJson({ 2: 'b', 10: 'a', x: { 1: 0, 0: 0 } })).toBe('{"10":"a","2":"b","x":{"0":0,"1":0}}');
  });

  it('writes plain values as JSON does, and undefined as null', () => {
    expect([canonicalJson(1), canonicalJson('s'), canonicalJson(null), canonicalJson(undefined), canonicalJson([undefined])]).toEqual(['1', '"s"', 'null', 'null', '[null]']);
  });
});
