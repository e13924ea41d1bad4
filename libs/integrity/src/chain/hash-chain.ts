import { createHash } from 'node:crypto';
import { canonicalJson, type JsonObject } from '@timeline/kernel';
import { GENESIS_HASH, type EventEnvelope } from '@timeline/events';

/** An event before its hash is known: everything the hash covers. */
export interface UnsealedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly envelope: Omit<EventEnvelope, 'hash' | 'prevHash' | 'streamRevision'>;
}

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
  return createHash('sha256').update(canonicalJson(covered)).digest('hex');
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
