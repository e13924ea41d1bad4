import type { EventToAppend, RecordedEvent } from '@timeline/event-store/port';
import { canonicalJson, type JsonObject } from '@timeline/kernel';
import { GENESIS_HASH, type EventEnvelope } from '@timeline/events/envelope/event-envelope';
import { eventHashOf } from './stored-event.canonical';

/** An event before its place in the chain is known: the envelope without `streamRevision`, `prevHash` and `hash`. */
export interface UnsealedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly envelope: Omit<EventEnvelope, 'hash' | 'prevHash' | 'streamRevision'>;
}

/** An event with its whole envelope, chained: what an operation's stream holds (docs/architecture.md §2). */
export interface SealedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly envelope: EventEnvelope;
}

/**
 * SHA-256 (hex) over the canonical JSON of the event: id, type, data and every
 * envelope field except `hash` itself (so `prevHash` and `streamRevision` are
 * covered, chaining each event to its predecessor in the stream).
 */
export function computeEventHash(event: {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly envelope: Omit<EventEnvelope, 'hash'> & { readonly hash?: string };
}): string {
  const { eventId, type, data, envelope } = event;
  const covered = { eventId, type, data, envelope: { ...envelope, hash: undefined } };
  return eventHashOf(canonicalJson(covered));
}

/**
 * Seals a batch about to be appended after the stream's current head: assigns
 * stream revisions from `firstRevision` and chains each event to the one before.
 */
export function sealEvents(
  previousHash: string | null,
  firstRevision: number,
  events: readonly UnsealedEvent[],
): SealedEvent[] {
  let prevHash = previousHash ?? GENESIS_HASH;
  return events.map((event, index) => {
    const unsealed = { ...event.envelope, streamRevision: firstRevision + index, prevHash };
    const hash = computeEventHash({
      eventId: event.eventId,
      type: event.type,
      data: event.data,
      envelope: unsealed,
    });
    prevHash = hash;
    return { eventId: event.eventId, type: event.type, data: event.data, envelope: { ...unsealed, hash } };
  });
}

/** A sealed event in the store's neutral form: the envelope is the event's metadata. */
export function toEventToAppend(event: SealedEvent): EventToAppend {
  return { eventId: event.eventId, type: event.type, data: event.data, metadata: { ...event.envelope } };
}

/**
 * A stored event of an operation stream read as sealed: its metadata is the
 * envelope it was appended with. Not checked here; the chain verification
 * (`StreamChainVerifier`) is what tells a damaged envelope.
 */
export function sealedEventOf(recorded: RecordedEvent): SealedEvent {
  return {
    eventId: recorded.eventId,
    type: recorded.type,
    data: recorded.data,
    envelope: recorded.metadata as unknown as EventEnvelope,
  };
}
