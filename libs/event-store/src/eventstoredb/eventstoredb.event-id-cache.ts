import type { ExpectedRevision } from '../event-store.port';
import { DuplicateEventIdError } from '../event-store.errors';
import type { PreparedEvent } from './eventstoredb.append-validation';

interface KnownEvent {
  readonly streamName: string;
  readonly revision: number;
  readonly fingerprint: string;
}

/**
 * The event ids this adapter has recently appended or read, with where they
 * live and what they stand for. EventStoreDB checks a reused id only against
 * the stream and revision the append targets (and a bounded cache of its own
 * for `any`); it would store the same id again in another stream, or again at
 * a later revision of the same stream. The port forbids both, and this cache
 * refuses them before the append is sent, for every id the adapter has seen.
 * Oldest entries are forgotten first.
 */
export class EventIdCache {
  private readonly known = new Map<string, KnownEvent>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.known.size;
  }

  /** True when every id of the batch is known in this stream with the same content: a retry. */
  isKnownRetry(streamName: string, events: readonly PreparedEvent[]): boolean {
    return events.every((event) => {
      const known = this.known.get(event.eventId);
      return known?.streamName === streamName && known.fingerprint === event.fingerprint;
    });
  }

  /**
   * @throws DuplicateEventIdError when an id is known elsewhere, with other
   * content, or at a revision the expected revision shows this append is not retrying.
   */
  assertNoConflict(streamName: string, events: readonly PreparedEvent[], expected: ExpectedRevision): void {
    for (const event of events) {
      const known = this.known.get(event.eventId);
      if (!known) continue;
      if (known.streamName !== streamName) {
        throw new DuplicateEventIdError(
          event.eventId,
          streamName,
          `it is already stored in stream ${known.streamName}`,
        );
      }
      if (known.fingerprint !== event.fingerprint) {
        throw new DuplicateEventIdError(
          event.eventId,
          streamName,
          `it is stored at revision ${known.revision} with other type, data or metadata`,
        );
      }
      // A retry expects the revision the stream had before the original write, which lies below the event.
      if (typeof expected === 'number' && expected >= known.revision) {
        throw new DuplicateEventIdError(
          event.eventId,
          streamName,
          `it is already stored at revision ${known.revision}, before expected revision ${expected}`,
        );
      }
    }
  }

  remember(streamName: string, revision: number, fingerprint: string, eventId: string): void {
    if (this.capacity === 0) return;
    this.known.delete(eventId);
    this.known.set(eventId, { streamName, revision, fingerprint });
    if (this.known.size > this.capacity) {
      const oldest = this.known.keys().next().value as string;
      this.known.delete(oldest);
    }
  }
}
