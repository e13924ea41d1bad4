import fc from 'fast-check';
import { jsonCopy } from './json-copy';

const roundTrip = (value: unknown): unknown => {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
};

/** A class instance as class-transformer leaves it: declared fields, some never assigned. */
class Line {
  quantity?: number = undefined;
  unit!: string;
  nested?: Line;
}

describe('jsonCopy', () => {
  it('copies exactly what a JSON round trip gives, for any value', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withObjectString: true, withSparseArray: true }),
        (value) => expect(jsonCopy(value)).toStrictEqual(roundTrip(value)),
      ),
      { numRuns: 5_000 },
    );
  });

  it('drops the undefined members class fields leave behind and makes instances plain', () => {
    const line = Object.assign(new Line(), { unit: 'kg', nested: Object.assign(new Line(), { unit: 'g' }) });
    const copy = jsonCopy(line) as Record<string, unknown>;
    expect(copy).toStrictEqual({ unit: 'kg', nested: { unit: 'g' } });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy).toStrictEqual(roundTrip(line));
  });

  it('writes -0, non-finite numbers, holes and left-out items as JSON does', () => {
    const value = {
      zero: -0,
      list: [undefined, () => 1, Number.NaN, -0, Infinity],
      when: new Date(0),
      gone: Symbol('x'),
    };
    expect(jsonCopy(value)).toStrictEqual(roundTrip(value));
    expect(Object.is((jsonCopy({ zero: -0 }) as { zero: number }).zero, 0)).toBe(true);
    expect(jsonCopy(undefined)).toBeUndefined();
  });

  it('keeps a member called __proto__ as an own member, as JSON.parse does', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    const copy = jsonCopy(value) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy).toStrictEqual(roundTrip(value));
  });
});
