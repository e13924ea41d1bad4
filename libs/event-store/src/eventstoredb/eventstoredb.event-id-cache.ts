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
 * forgotten first (by halves). It keeps no content: a batch that reuses known ids in their
 * own stream is a retry, which the adapter reads back and compares.
 */
export class EventIdCache {
  // Two generations instead of one map with deletions: when the current one is full it
  // becomes the previous one and the oldest generation is dropped whole, in O(1).
  private current = new Map<string, KnownEvent>();
  private previous = new Map<string, KnownEvent>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.ceil(capacity / 2);
  }

  get size(): number {
    let size = this.current.size;
    for (const eventId of this.previous.keys()) if (!this.current.has(eventId)) size++;
    return size;
  }

  private get(eventId: string): KnownEvent | undefined {
    return this.current.get(eventId) ?? this.previous.get(eventId);
  }

  /** The revision of each id in this stream, or undefined for an id not known there. */
  revisionsIn(streamName: string, eventIds: readonly string[]): (number | undefined)[] {
    return eventIds.map((eventId) => {
      const known = this.get(eventId);
      return known?.streamName === streamName ? known.revision : undefined;
    });
  }

  /**
   * Checks a batch's ids before it is sent, in one pass over them.
   * @returns whether an id is already known in this stream: the batch may be a retry,
   * which the server would take for one by id alone.
   * @throws DuplicateEventIdError when an id is known in another stream, or at a
   * revision the expected revision shows this append is not retrying.
   */
  assertNoConflict(streamName: string, eventIds: readonly string[], expected: ExpectedRevision): boolean {
    let knownHere = false;
    for (const eventId of eventIds) {
      const known = this.get(eventId);
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
      knownHere = true;
    }
    return knownHere;
  }

  remember(eventId: string, streamName: string, revision: number): void {
    if (this.generationSize === 0) return;
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(eventId, { streamName, revision });
  }
}
