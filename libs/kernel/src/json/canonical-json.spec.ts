import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same bytes for values that differ only in key order', () => {
    expect(canonicalJson({ x: 'é', n: 1.5, t: true })).toBe(canonicalJson({ t: true, n: 1.5, x: 'é' }));
  });

  it('writes bigints as decimal strings and refuses non-finite numbers', () => {
    expect(canonicalJson({ p: 12345678901234567890n })).toBe('{"p":"12345678901234567890"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });
});
