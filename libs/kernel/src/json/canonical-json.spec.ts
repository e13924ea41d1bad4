import fc from 'fast-check';
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

  it('writes exactly the bytes the previous implementation wrote, for any value', () => {
    // Strings of every kind: lone surrogates, controls, quotes; keys likewise, including numeric ones.
    const text = fc.string({
      unit: fc.oneof(
        fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
        fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\ud800', '\udfff', '\u2028', 'é', '😀'),
        fc.constantFrom('a', 'b', 'z', '0', '9'),
      ),
    });
    const key = fc.oneof(text, fc.constantFrom('a', 'b', '10', '2', 'é', 'Z', '__proto__', 'hash'));
    const leaf = fc.oneof(
      text,
      fc.double(),
      fc.integer(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    }));
    const outcome = (write: (input: unknown) => string, input: unknown) => {
      try {
        return { text: write(input) };
      } catch (error) {
        return { error: (error as Error).constructor.name };
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(value, fc.jsonValue(), fc.anything({ withBigInt: true, withNullPrototype: true })),
        (input) => {
          expect(outcome(canonicalJson, input)).toEqual(outcome(previousCanonicalJson, input));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

/** The implementation before member names were cached and sorted keys were left unsorted: the reference. */
function previousCanonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      break;
    default:
      return JSON.stringify(value);
  }
  if (value === null) return 'null';
  // Plain loops and one string: this runs for every event hashed, verified or checkpointed.
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) out += ',';
      const item: unknown = value[index];
      out += item === undefined ? 'null' : previousCanonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${previousCanonicalJson(member)}`;
  }
  return `${out}}`;
}
