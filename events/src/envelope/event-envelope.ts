import type { JsonObject } from '@timeline/kernel';

/** Protective marking of an event (Government Security Classifications). */
export const CLASSIFICATIONS = ['OFFICIAL', 'OFFICIAL-SENSITIVE'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** `prevHash` of the first event of a stream. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The envelope every stored event carries beside its type-specific `data`
 * (docs/architecture.md §2). It is stored as the event's metadata. Everything here except
 * `occurredAt`, `correlationId`, `causationId` and `classification` is assigned
 * by the server; `recordedBy` and `agency` come from the credential, never from
 * a request body.
 */
export interface EventEnvelope {
  readonly schemaVersion: number;
  /** The operation (stream `operation-<operationId>`) the event belongs to. */
  readonly operationId: string;
  /** Business time asserted by the client (ISO 8601, UTC). Never in the future. */
  readonly occurredAt: string;
  /** When the server accepted the event for storage (ISO 8601, UTC). */
  readonly recordedAt: string;
  /** The authenticated principal who recorded it. */
  readonly recordedBy: string;
  /** The principal's agency code, e.g. `NCA`, `NWP`. */
  readonly agency: string;
  readonly correlationId: string;
  /** The event (id) that caused this one, if any. */
  readonly causationId: string | null;
  readonly classification: Classification;
  /**
   * The `Idempotency-Key` of the request that wrote the event, on every event of
   * that request (absent without a key). With `recordedBy` and `agency` it is the
   * key's scope; the operation's stream is the durable index of its keys.
   */
  readonly idempotencyKey?: string;
  /** SHA-256 (hex) of the canonical content of that request; present with `idempotencyKey`. */
  readonly requestHash?: string;
  /** Revision of the event in its stream; sealed into the hash so gaps are detectable. */
  readonly streamRevision: number;
  /** Hash of the previous event of the same stream, or GENESIS_HASH. */
  readonly prevHash: string;
  /** SHA-256 (hex) of the canonical form of the event (see libs/integrity). */
  readonly hash: string;
}

/** A stored event as auditors and API clients see it: envelope, type, data and store position. */
export interface TimelineEvent<TData extends JsonObject = JsonObject> extends EventEnvelope {
  readonly eventId: string;
  readonly type: string;
  readonly data: TData;
  /** Global position in the log, as formatted by the event store (`formatPosition`). */
  readonly position: string;
}

export function operationStreamName(operationId: string): string {
  return `operation-${operationId}`;
}

export const OPERATION_STREAM_PREFIX = 'operation-';

/** Operation ids are safe identifiers: letters, digits, `-` and `_`, 1–64 long, starting alphanumeric. */
export const OPERATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
