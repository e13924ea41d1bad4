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

  it('writes escapes, unicode, array holes and number forms exactly as JSON.stringify does', () => {
    const value = {
      note: 'Line\n"quoted" \u2028 é 😀',
      list: [1, undefined, null, { b: 2, a: [] }],
      nested: { z: {}, Ä: -0, big: 1e21, small: 1e-7 },
    };
    expect(canonicalJson(value)).toBe(
      '{"list":[1,null,null,{"a":[],"b":2}],"nested":{"big":1e+21,"small":1e-7,"z":{},"Ä":0},"note":"Line\\n\\"quoted\\" \u2028 é 😀"}',
    );
  });
});
