import type { EventToAppend, ExpectedRevision } from '../event-store.port';
import { InvalidAppendError } from '../event-store.errors';
import { validateAppend } from '../append-validation';
import { isSystemEventType } from './eventstoredb.filter';

/**
 * Whether two events carry the same type, data and metadata. Key order counts,
 * as it does for the store, which gives data back byte for byte.
 */
export function sameContent(
  a: { readonly type: string; readonly data: unknown; readonly metadata: unknown },
  b: { readonly type: string; readonly data: unknown; readonly metadata: unknown },
): boolean {
  return JSON.stringify([a.type, a.data, a.metadata]) === JSON.stringify([b.type, b.data, b.metadata]);
}

/**
 * Refuses, before anything is sent, what the store cannot hold faithfully or
 * what would vanish from the global log: system stream names and event types
 * (`$…`) are EventStoreDB's own and are filtered out of every read.
 */
export function prepareAppend(
  streamName: string,
  events: readonly EventToAppend[],
  expected: ExpectedRevision,
): EventToAppend[] {
  if (typeof streamName === 'string' && streamName.startsWith('$')) {
    throw new InvalidAppendError(
      `stream ${streamName} is a system stream name (names starting with $ are reserved)`,
    );
  }
  const prepared = validateAppend(streamName, events, expected);
  prepared.forEach((event, index) => {
    if (isSystemEventType(event.type)) {
      throw new InvalidAppendError(
        `event ${index}: type ${event.type} is reserved for system events (it starts with $)`,
      );
    }
  });
  return prepared;
}
