/**
 * Canonical JSON (the subset of RFC 8785 our data needs): object keys sorted by
 * code unit, no whitespace, numbers and strings as JSON.stringify writes them,
 * `undefined` members dropped. Two equal values always give the same bytes, which
 * is what hashing and byte-identical read-model comparisons rely on.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quotedString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      // A finite number's string form is the one JSON.stringify writes (-0 included, as "0").
      return `${value}`;
    case 'bigint':
      return `"${value.toString()}"`;
    case 'object':
      break;
    default:
      return JSON.stringify(value);
  }
  if (value === null) return 'null';
  // Plain loops and one string: this runs for every event hashed, verified, exported or checkpointed.
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) out += ',';
      const item: unknown = value[index];
      out += item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Stored data often arrives with its keys already in order; sorting is then skipped.
  for (let index = 1; index < keys.length; index += 1) {
    if (keys[index - 1] > keys[index]) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  let first = true;
  for (let index = 0; index < keys.length; index += 1) {
    const key = keys[index];
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += memberName(key) + canonicalJson(member);
  }
  return `${out}}`;
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

function quotedString(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * `"key":` for each member name seen, bounded so that data with endless distinct
 * keys cannot grow it: past the bound, names are quoted each time.
 */
const MEMBER_NAMES = new Map<string, string>();
const MEMBER_NAMES_BOUND = 4096;

function memberName(key: string): string {
  let text = MEMBER_NAMES.get(key);
  if (text === undefined) {
    text = `${quotedString(key)}:`;
    if (MEMBER_NAMES.size < MEMBER_NAMES_BOUND) MEMBER_NAMES.set(key, text);
  }
  return text;
}
