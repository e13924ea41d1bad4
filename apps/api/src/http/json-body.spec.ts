import fc from 'fast-check';
import { JsonBodyError, parseJsonBody, refusedKeys } from './json-body';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** JSON values whose keys are never prototype keys (those are tested on their own). */
const json = (fc.jsonValue() as fc.Arbitrary<Json>).filter(
  (value) => !PROTOTYPE_KEYS.some((key) => JSON.stringify(value).includes(`"${key}"`)),
);

/** Every object of a value with its path, as field errors write paths. */
function objectsOf(value: Json, path = ''): [string, Record<string, Json>][] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => objectsOf(item, `${path}[${index}]`));
  const here: [string, Record<string, Json>][] = [[path, value]];
  return here.concat(
    Object.entries(value).flatMap(([key, child]) => objectsOf(child, path === '' ? key : `${path}.${key}`)),
  );
}

/** `text` of `value` with `key: extra` written again at the end of the object at `path`. */
function withDuplicate(value: Json, path: string, key: string, extra: Json): string {
  const marker = '\u0000DUPLICATE\u0000';
  const copy = JSON.parse(JSON.stringify(value)) as Json;
  const target = objectsOf(copy, '').find(([candidate]) => candidate === path)![1];
  target[marker] = null;
  // A function, not a string: `$&` and the like in a key must stay literal.
  return JSON.stringify(copy).replace(
    `${JSON.stringify(marker)}:null`,
    () => `${JSON.stringify(key)}:${JSON.stringify(extra)}`,
  );
}

describe('parseJsonBody', () => {
  it('parses any JSON without repeated or prototype keys exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(json, (value) => {
        const text = JSON.stringify(value);
        expect(parseJsonBody(`{"body":${text}}`)).toEqual({ body: JSON.parse(text) });
        expect(refusedKeys(text)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a key given twice in any object, naming its path', () => {
    const withObject = json
      .map((value) => ({ root: value }) as Json)
      .chain((value) =>
        fc.record({
          value: fc.constant(value),
          object: fc.constantFrom(...objectsOf(value).filter(([, object]) => Object.keys(object).length > 0)),
          extra: json,
        }),
      );
    fc.assert(
      fc.property(withObject, ({ value, object: [path, object], extra }) => {
        const key = Object.keys(object)[0];
        const text = withDuplicate(value, path, key, extra);
        const keyPath = path === '' ? key : `${path}.${key}`;
        expect(refusedKeys(text)).toEqual([
          { path: keyPath, constraint: 'uniqueKey', message: `${key} is given more than once` },
        ]);
        expect(() => parseJsonBody(text)).toThrow(JsonBodyError);
      }),
      { numRuns: 500 },
    );
  });

  it('compares keys by what their escapes mean', () => {
    expect(refusedKeys('{"a":1,"\\u0061":2}')).toEqual([
      { path: 'a', constraint: 'uniqueKey', message: 'a is given more than once' },
    ]);
    expect(refusedKeys('{"a\\"b":1,"c":{"a\\"b":2},"d":["a\\"b",{"x":1},{"x":2}]}')).toEqual([]);
  });

  it.each(PROTOTYPE_KEYS)('refuses %s as a key at any depth, naming its path', (key) => {
    expect(refusedKeys(`{"events":[{},{"data":{"${key}":{}}}]}`)).toEqual([
      {
        path: `events[1].data.${key}`,
        constraint: 'notPrototypeKey',
        message: `${key} is not accepted as a key`,
      },
    ]);
    // As a value it is just text.
    expect(refusedKeys(`{"note":"${key}","list":["${key}"]}`)).toEqual([]);
  });

  it('ends on text that is not JSON (it is only called on text JSON.parse accepted, but never loops)', () => {
    expect(refusedKeys('{"a":"unterminated')).toEqual([]);
    expect(refusedKeys('{"a\\')).toEqual([]);
  });

  it('tells an empty body and malformed JSON apart', () => {
    expect(() => parseJsonBody(' \n')).toThrow(
      expect.objectContaining({ code: 'request.empty-body' }) as Error,
    );
    expect(() => parseJsonBody('{"events": [')).toThrow(
      expect.objectContaining({ code: 'request.malformed-json' }) as Error,
    );
  });
});
