/**
 * `JSON.parse(JSON.stringify(value))` without the text in between: a copy made
 * of plain objects and arrays, as a JSON round trip gives it. Members that JSON
 * leaves out (undefined, functions, symbols) are left out, such array items
 * become null, non-finite numbers become null and -0 becomes 0; anything with
 * its own `toJSON` (a Date) or a bigint goes through the round trip itself.
 * Validated event data is copied out of its class instances on every write, so
 * the copy is made directly, without writing and parsing the text.
 */
export function jsonCopy(value: unknown): unknown {
  const copy = copyOf(value);
  return copy === OMITTED ? undefined : copy;
}

const OMITTED = Symbol('omitted');

function copyOf(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return OMITTED;
    case 'bigint':
      return roundTrip(value);
  }
  if (value === null) return null;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return roundTrip(value);
  if (Array.isArray(value)) {
    const items = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index += 1) {
      const item = copyOf(value[index]);
      items[index] = item === OMITTED ? null : item;
    }
    return items;
  }
  if (value instanceof String || value instanceof Number || value instanceof Boolean) return roundTrip(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    const member = copyOf((value as Record<string, unknown>)[key]);
    if (member === OMITTED) continue;
    // As JSON.parse makes it: an own member, even when it is called __proto__.
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: member,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = member;
  }
  return copy;
}

function roundTrip(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? OMITTED : (JSON.parse(text) as unknown);
}
