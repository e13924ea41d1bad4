import type { JsonObject } from '@timeline/kernel';
import { operationStreamName, type EventEnvelope } from '@timeline/events';
import type { EventStore } from '@timeline/event-store';
import { sealEvents, toEventToAppend, type SealedEvent, type UnsealedEvent } from '../chain/hash-chain';

/** Builders of small, fixed histories for tests: the same inputs always give the same events and hashes. */

const BASE_TIME = Date.parse('2020-06-13T08:00:00.000Z');
const AGENCIES = ['NCA', 'NWP', 'GMP'] as const;

/** A deterministic UUID-shaped id: `00000000-0000-4000-8000-<12 hex of n>` salted by a small tag. */
export function fixedEventId(tag: number, n: number): string {
  return `00000000-0000-4000-8${tag.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;
}

export function anUnsealedEvent(
  operationId: string,
  index: number,
  overrides: {
    type?: string;
    data?: JsonObject;
    agency?: string;
    recordedBy?: string;
    eventId?: string;
    causationId?: string | null;
  } = {},
): UnsealedEvent {
  const agency = overrides.agency ?? AGENCIES[index % AGENCIES.length];
  const envelope: Omit<EventEnvelope, 'hash' | 'prevHash' | 'streamRevision'> = {
    schemaVersion: 1,
    operationId,
    occurredAt: new Date(BASE_TIME + index * 60_000 - 3_600_000).toISOString(),
    recordedAt: new Date(BASE_TIME + index * 60_000).toISOString(),
    recordedBy: overrides.recordedBy ?? `officer-${agency.toLowerCase()}-1`,
    agency,
    correlationId: `corr-${index}`,
    causationId: overrides.causationId ?? null,
    classification: 'OFFICIAL',
  };
  return {
    eventId: overrides.eventId ?? fixedEventId(1, index),
    type: overrides.type ?? 'ArrestMade',
    data: overrides.data ?? {
      arrestId: `ARR-${index}`,
      subjectId: `SUBJ-${index}`,
      force: agency,
      offences: ['MDA 1971 s4'],
    },
    envelope,
  };
}

/** `count` ArrestMade-like events of one operation, fixed values, revision i at index i. */
export function aHistory(operationId: string, count: number, firstIndex = 0): UnsealedEvent[] {
  return Array.from({ length: count }, (_, i) =>
    anUnsealedEvent(operationId, firstIndex + i, {
      eventId: fixedEventId(idTag(operationId), firstIndex + i),
    }),
  );
}

function idTag(operationId: string): number {
  let tag = 0;
  for (const char of operationId) tag = (tag * 31 + char.charCodeAt(0)) % 4096;
  return tag;
}

/**
 * Seals events after the stream's current head and appends them with the exact
 * expected revision, as the write path does.
 */
export async function appendSealed(
  store: EventStore,
  operationId: string,
  events: readonly UnsealedEvent[],
  batchSize = 200,
): Promise<SealedEvent[]> {
  const streamName = operationStreamName(operationId);
  let head: { revision: number; hash: string } | null = null;
  try {
    const [last] = await store.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    head = { revision: last.revision, hash: last.metadata.hash as string };
  } catch (error) {
    if ((error as { code?: string }).code !== 'event-store.stream-not-found') throw error;
  }
  const sealed: SealedEvent[] = [];
  for (let start = 0; start < events.length; start += batchSize) {
    const batch = sealEvents(
      head?.hash ?? null,
      head ? head.revision + 1 : 0,
      events.slice(start, start + batchSize),
    );
    await store.append(streamName, batch.map(toEventToAppend), {
      expectedRevision: head ? head.revision : 'no_stream',
    });
    const last = batch[batch.length - 1];
    head = { revision: last.envelope.streamRevision, hash: last.envelope.hash };
    sealed.push(...batch);
  }
  return sealed;
}
