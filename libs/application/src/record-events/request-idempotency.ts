import { createHash } from 'node:crypto';
import { canonicalJson } from '@timeline/kernel';
import type { ValidatedEvent } from './record-events.body';

/** A request's `Idempotency-Key` and what it binds to. */
export interface RequestIdempotency {
  readonly key: string;
  /** SHA-256 (hex) of the request's canonical content (`requestHashOf`). */
  readonly requestHash: string;
}

/**
 * SHA-256 of what a request asks for, after validation: the operation, the
 * expected revision (body or `If-Match`, one value) and each event's client id
 * (or none), type, schema version, normalised `occurredAt`, data (upcast, in
 * canonical JSON: key order and number spelling do not matter), marking and
 * causation. Not covered: correlation ids, which a retry may renew, and who
 * sends it, which is the key's scope (README "Recording events").
 */
export function requestHashOf(
  operationId: string,
  expectedRevision: number | undefined,
  events: readonly ValidatedEvent[],
): string {
  const content = {
    operationId,
    expectedRevision: expectedRevision ?? null,
    events: events.map((event) => ({
      eventId: event.eventId ?? null,
      type: event.type,
      schemaVersion: event.schemaVersion,
      occurredAt: event.occurredAt,
      data: event.data,
      classification: event.classification ?? null,
      causationId: event.causationId,
    })),
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** A key belongs to the principal that sent it: the same key from another principal is another request. */
export function idempotencyScopeOf(agency: string, subject: string, key: string): string {
  return JSON.stringify([agency, subject, key]);
}
