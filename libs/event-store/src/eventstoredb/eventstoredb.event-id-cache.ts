import type { ExpectedRevision } from '../event-store.port';
import { DuplicateEventIdError } from '../event-store.errors';

interface KnownEvent {
  readonly streamName: string;
  readonly revision: number;
}

/**
 * The event ids this adapter has recently appended or read, with where they
 * live. EventStoreDB checks a reused id only against the stream and revision
 * the append targets (and a bounded cache of its own for `any`); it would store
 * the same id again in another stream, or again at a later revision of the
 * same stream. The port forbids both, and this cache refuses them before the
 * append is sent, for every id the adapter has seen. Oldest entries are
 * forgotten first. It keeps no content: a batch that reuses known ids in their
 * own stream is a retry, which the adapter reads back and compares.
 */
export class EventIdCache {
  private readonly known = new Map<string, KnownEvent>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.known.size;
  }

  /** The revision of each id in this stream, or undefined for an id not known there. */
  revisionsIn(streamName: string, eventIds: readonly string[]): (number | undefined)[] {
    return eventIds.map((eventId) => {
      const known = this.known.get(eventId);
      return known?.streamName === streamName ? known.revision : undefined;
    });
  }

  /**
   * @throws DuplicateEventIdError when an id is known in another stream, or at a
   * revision the expected revision shows this append is not retrying.
   */
  assertNoConflict(streamName: string, eventIds: readonly string[], expected: ExpectedRevision): void {
    for (const eventId of eventIds) {
      const known = this.known.get(eventId);
      if (!known) continue;
      if (known.streamName !== streamName) {
        throw new DuplicateEventIdError(
          eventId,
          streamName,
          `it is already stored in stream ${known.streamName}`,
        );
      }
      // A retry expects the revision the stream had before the original write, which lies below the event.
      if (typeof expected === 'number' && expected >= known.revision) {
        throw new DuplicateEventIdError(
          eventId,
          streamName,
          `it is already stored at revision ${known.revision}, before expected revision ${expected}`,
        );
      }
    }
  }

  remember(eventId: string, streamName: string, revision: number): void {
    if (this.capacity === 0) return;
    this.known.delete(eventId);
    this.known.set(eventId, { streamName, revision });
    if (this.known.size > this.capacity) this.evictOldest();
  }

  /**
   * Forgets the oldest tenth in one pass: dropping one entry per insertion would
   * make every insertion walk the deleted slots at the head of the map.
   */
  private evictOldest(): void {
    let excess = this.known.size - this.capacity + Math.ceil(this.capacity / 10);
    for (const eventId of this.known.keys()) {
      if (excess-- <= 0) break;
      this.known.delete(eventId);
    }
  }
}
