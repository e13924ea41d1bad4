import type { EventToAppend, ExpectedRevision } from './event-store.port';
import { InvalidAppendError } from './event-store.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The longest stream name any adapter accepts (EventStoreDB's own limit is far higher). */
export const MAX_STREAM_NAME_LENGTH = 1024;

/**
 * The checks every adapter makes before anything is written: the port's input
 * rules (a named stream, a valid expected revision, at least one event, UUID ids
 * unique in the batch, a type, plain JSON objects for data and metadata).
 * Returns the events with their ids in lower case, so ids compare the same
 * whatever case a client used.
 * @throws InvalidAppendError naming the offending event and member.
 */
export function validateAppend(
  streamName: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): EventToAppend[] {
  if (
    typeof streamName !== 'string' ||
    streamName.length === 0 ||
    streamName.length > MAX_STREAM_NAME_LENGTH
  ) {
    throw new InvalidAppendError(
      `the stream name must be a non-empty string of at most ${MAX_STREAM_NAME_LENGTH} characters`,
    );
  }
  if (!(
    expected === 'any' ||
    expected === 'no_stream' ||
    expected === 'stream_exists' ||
    (Number.isSafeInteger(expected) && expected >= 0)
  )) {
    throw new InvalidAppendError(
      `expected revision ${JSON.stringify(expected)} is not 'any', 'no_stream', 'stream_exists' or a revision ≥ 0`,
    );
  }
  if (!Array.isArray(events) || events.length === 0)
    throw new InvalidAppendError('an append needs at least one event');
  const seen = new Set<string>();
  return events.map((event, index) => {
    const where = `event ${index}`;
    if (typeof event?.eventId !== 'string' || !UUID.test(event.eventId)) {
      throw new InvalidAppendError(`${where}: event id ${JSON.stringify(event?.eventId)} is not a UUID`);
    }
    const eventId = event.eventId.toLowerCase();
    if (seen.has(eventId))
      throw new InvalidAppendError(`${where}: event id ${eventId} appears twice in the batch`);
    seen.add(eventId);
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw new InvalidAppendError(`${where}: the type must be a non-empty string`);
    }
    assertJsonObject(event.data, `${where} data`);
    assertJsonObject(event.metadata, `${where} metadata`);
    return { eventId, type: event.type, data: event.data, metadata: event.metadata };
  });
}

/** JSON.stringify would silently drop or rewrite these; the store refuses them instead. */
function assertJsonObject(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidAppendError(`${path} must be a JSON object`);
  }
  // The check runs on every append: it walks without building paths, and only
  // walks again to name the offending member when there is one.
  if (!isJson(value)) assertJson(value, path);
}

function isJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isJson(value[i])) return false;
        return true;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) {
        if (!isJson((value as Record<string, unknown>)[key])) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function assertJson(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new InvalidAppendError(`${path} is ${value}, which JSON cannot hold`);
      return;
    case 'object': {
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => assertJson(item, `${path}[${i}]`));
        return;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) {
        throw new InvalidAppendError(
          `${path} is not a plain object (${(value as object).constructor?.name ?? 'unknown'})`,
        );
      }
      for (const key of Object.keys(value))
        assertJson((value as Record<string, unknown>)[key], `${path}.${key}`);
      return;
    }
    default:
      throw new InvalidAppendError(`${path} is ${typeof value}, which JSON cannot hold`);
  }
}
