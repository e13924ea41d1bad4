import type { Classification, EventDataByType, EventType, StoredEventDataByType } from '@timeline/events';

/** Who records: the authenticated principal and its agency, from the credential, never from a request body. */
export interface Recorder {
  /** The principal's subject: stamped on its events as `recordedBy`. */
  readonly subject: string;
  /** Its agency code (`NCA`, `NWP`…): stamped as `agency`. */
  readonly agency: string;
}

/** An event of type `K` a command proposes to record: contract-validated data at the current schema version. */
export interface ProposedEventOf<K extends EventType> {
  /** UUID, client-supplied or made by the server. */
  readonly eventId: string;
  readonly type: K;
  /** Must be the type's current version: `validateEventData` upcasts older ones. */
  readonly schemaVersion: number;
  /** Business time, UTC (`2020-06-13T05:30:00Z`). */
  readonly occurredAt: string;
  /**
   * The data as `validateEventData` returns it. It may already be in stored shape
   * (`toStoredEventData`): the server-side derivation is idempotent.
   */
  readonly data: EventDataByType[K] | StoredEventDataByType[K];
  /** Defaults to the lowest marking the rules allow. */
  readonly classification?: Classification;
  readonly causationId?: string | null;
}

/** One event a command proposes to record, of any type: `type` tells which data it holds. */
export type ProposedEvent = { [K in EventType]: ProposedEventOf<K> }[EventType];

/**
 * Record a batch of events on one operation, all or none: the operation decider's
 * command. Time and identity arrive here; the decider reads no clock and makes no id.
 */
export interface RecordEventsCommand {
  readonly operationId: string;
  /** The moment of recording (UTC timestamp): no time in the events may lie after it. */
  readonly now: string;
  /** Clock skew tolerated on client times, in milliseconds. Defaults to 0. */
  readonly futureToleranceMs?: number;
  readonly recorder: Recorder;
  readonly events: readonly ProposedEvent[];
}
