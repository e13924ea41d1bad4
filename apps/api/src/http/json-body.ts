import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import type { ProblemFieldError } from './problem-details';

/** A request body the api refuses before reading its fields: not JSON, or JSON it will not take. */
export class JsonBodyError extends TimelineError {
  readonly category: ErrorCategory = 'invalid-input';

  constructor(
    readonly code:
      'request.empty-body' | 'request.malformed-json' | 'request.duplicate-key' | 'request.forbidden-key',
    detail: string,
    readonly errors: readonly ProblemFieldError[] = [],
  ) {
    super(detail, errors.length > 0 ? { errors } : {});
  }
}

/**
 * A body in an encoding the api does not read: a charset other than UTF-8, or a
 * Content-Encoding (gzip…). Shaped as the HTTP platform's own errors (a 4xx
 * `statusCode` and a `code`), which problem-details maps to 415 once.
 */
export class UnsupportedBodyEncodingError extends Error {
  readonly statusCode = 415;

  constructor(
    readonly code: 'charset.unsupported' | 'encoding.unsupported',
    message: string,
  ) {
    super(message);
  }
}

/** Refuses what Fastify's JSON parser would read wrongly: a charset other than UTF-8, a compressed body. */
export function checkBodyEncoding(headers: Readonly<Record<string, string | string[] | undefined>>): void {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && String(encoding).trim().toLowerCase() !== 'identity') {
    throw new UnsupportedBodyEncodingError(
      'encoding.unsupported',
      'The request body must not be compressed: send it without Content-Encoding',
    );
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(String(headers['content-type'] ?? ''))?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    throw new UnsupportedBodyEncodingError(
      'charset.unsupported',
      'The request body must be JSON in UTF-8: send charset=utf-8 or no charset',
    );
  }
}

/**
 * Keys refused anywhere in a body. They are valid JSON, but they name an object's
 * prototype: a body that carries one is an attempt at prototype pollution, and no
 * field of the api is called that.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses a JSON request body strictly: JSON.parse, then one pass over the text
 * that refuses a key given twice in one object (JSON.parse keeps the last, so
 * `"officers":-1,"officers":24` would pass as 24) and prototype keys. Each refusal
 * names the path of the key, as field errors do (`events[0].data.officers`).
 *
 * The pass is hand-written because it runs on every write: on text JSON.parse has
 * already accepted it only tracks strings and nesting, and costs about as much as
 * the parse itself (a general JSON visitor cost three to four times as much).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '')
    throw new JsonBodyError('request.empty-body', 'The request body is empty; send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JsonBodyError('request.malformed-json', 'The request body is not valid JSON');
  }
  const refused = refusedKeys(text);
  if (refused.length > 0) {
    const duplicate = refused[0].constraint === 'uniqueKey';
    throw new JsonBodyError(
      duplicate ? 'request.duplicate-key' : 'request.forbidden-key',
      duplicate
        ? 'The request body gives a key twice in one object; JSON leaves the meaning open, so send each key once'
        : 'The request body holds a prototype key (__proto__, constructor or prototype); no field is called that',
      refused,
    );
  }
  return value;
}

interface Container {
  /** The container this one is a member of; undefined for the body. */
  readonly parent: Container | undefined;
  /** Where it sits in its parent: a key, or an index in an array. */
  readonly at: string | number;
  /** Keys seen so far (objects); null for arrays. */
  readonly keys: Set<string> | null;
  /** Objects: the last key read; arrays: the index of the current item. */
  key: string;
  index: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/** Path of a container ('' for the body). Written only for a refusal: most bodies never need one. */
function pathOf(container: Container): string {
  const parent = container.parent;
  if (parent === undefined) return '';
  return memberPath(pathOf(parent), container.at);
}

function memberPath(parentPath: string, at: string | number): string {
  if (typeof at === 'number') return `${parentPath}[${at}]`;
  return parentPath === '' ? at : `${parentPath}.${at}`;
}

/** Duplicate and prototype keys of text JSON.parse accepted, in document order. */
export function refusedKeys(text: string): ProblemFieldError[] {
  const refused: ProblemFieldError[] = [];
  const stack: Container[] = [];
  let expectingKey = false;
  for (let at = 0; at < text.length; at += 1) {
    const char = text.charCodeAt(at);
    if (char === QUOTE) {
      let end = at + 1;
      let escaped = false;
      for (; end < text.length; end += 1) {
        const next = text.charCodeAt(end);
        if (next === BACKSLASH) {
          escaped = true;
          end += 1;
        } else if (next === QUOTE) break;
      }
      if (end >= text.length) break;
      if (expectingKey) {
        const container = stack[stack.length - 1];
        // Escapes are compared by what they mean: "\u0061" and "a" are the same key.
        const key = escaped ? (JSON.parse(text.slice(at, end + 1)) as string) : text.slice(at + 1, end);
        container.key = key;
        if (PROTOTYPE_KEYS.has(key)) {
          refused.push({
            path: memberPath(pathOf(container), key),
            constraint: 'notPrototypeKey',
            message: `${key} is not accepted as a key`,
          });
        } else if (container.keys!.has(key)) {
          refused.push({
            path: memberPath(pathOf(container), key),
            constraint: 'uniqueKey',
            message: `${key} is given more than once`,
          });
        }
        container.keys!.add(key);
        expectingKey = false;
      }
      at = end;
    } else if (char === OPEN_OBJECT || char === OPEN_ARRAY) {
      const parent = stack[stack.length - 1] as Container | undefined;
      stack.push({
        parent,
        at: parent === undefined ? '' : parent.keys === null ? parent.index : parent.key,
        keys: char === OPEN_OBJECT ? new Set() : null,
        key: '',
        index: 0,
      });
      expectingKey = char === OPEN_OBJECT;
    } else if (char === CLOSE_OBJECT || char === CLOSE_ARRAY) {
      stack.pop();
      expectingKey = false;
    } else if (char === COMMA) {
      const container = stack[stack.length - 1];
      if (container.keys === null) container.index += 1;
      else expectingKey = true;
    }
  }
  return refused;
}
