import type { Observable } from 'rxjs';
import type { JsonObject } from '@timeline/kernel';
import type { GlobalPosition } from './global-position';

/** DI token under which the configured adapter is bound. */
export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * Revision of an event within its stream: 0 for the first event, then 1, 2, …
 * A stream's revision is the revision of its last event.
 */
export type StreamRevision = number;

/**
 * The optimistic-concurrency condition of an append.
 * - `'any'`: no check.
 * - `'no_stream'`: the stream must not exist yet.
 * - `'stream_exists'`: the stream must hold at least one event.
 * - a number: the stream's current revision must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | StreamRevision;

/** The revision a stream actually had when a check failed: `'no_stream'` when it did not exist. */
export type ActualRevision = 'no_stream' | StreamRevision;

/** An event as handed to the store. The store does not interpret `data` or `metadata`. */
export interface EventToAppend {
  /** UUID; the idempotency key of the event. */
  readonly eventId: string;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

/** An event as the store holds it, exactly as appended plus what the store assigned. */
export interface RecordedEvent {
  readonly streamName: string;
  readonly eventId: string;
  readonly type: string;
  readonly revision: StreamRevision;
  readonly position: GlobalPosition;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  /** When the store committed the event (ISO 8601, store clock). */
  readonly createdAt: string;
}

export interface AppendResult {
  /** The stream's revision after the append: the revision of its last event. */
  readonly nextExpectedRevision: StreamRevision;
  /** The global position of the last event written. */
  readonly position: GlobalPosition;
}

export interface AppendOptions {
  /** Defaults to `'any'`. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface ReadStreamOptions {
  /** Defaults to `'forwards'`. */
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  readonly fromRevision?: StreamRevision;
  /** Defaults to no limit. */
  readonly maxCount?: number;
}

/** Narrows reads and subscriptions of the global log; both members are optional and combine with AND. */
export interface GlobalLogFilter {
  /** Only events of streams whose name starts with one of these. */
  readonly streamNamePrefixes?: readonly string[];
  /** Only events of these types. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: only events after this position. Defaults to the start of the log. */
  readonly after?: GlobalPosition;
  /** Defaults to no limit. */
  readonly maxCount?: number;
  readonly filter?: GlobalLogFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive: deliver only events after this position. Defaults to the start of the log. */
  readonly after?: GlobalPosition;
  readonly filter?: GlobalLogFilter;
}

/**
 * What a subscription to the global log emits: every event after the starting
 * position in commit order, with one `caught-up` marker once the backlog that
 * existed at subscription time has been delivered; live events follow it.
 */
export type AllSubscriptionMessage =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'caught-up'; readonly position: GlobalPosition | null };

export interface EventStoreDescription {
  readonly kind: 'sqlite' | 'eventstoredb';
  /** The file (embedded) or node (EventStoreDB) the store is connected to. */
  readonly location: string;
  /** Position of the last event in the global log, or null when the log is empty. */
  readonly headPosition: GlobalPosition | null;
  /**
   * Present while the store refuses writes: why (the disk is full, the file is read-only, the
   * write queue is full, opened read-only) and since when (ISO 8601; null when from the start).
   * Cleared by the next append that succeeds.
   */
  readonly writesRefused?: { readonly reason: string; readonly since: string | null };
}

/**
 * The event store port: the only way the rest of the system reaches stored events.
 * Every adapter passes the shared contract suite (`testing/event-store.contract.ts`)
 * unchanged. Adapters raise only the errors of `event-store.errors.ts`.
 *
 * The global log holds user events only (no system events of the underlying store).
 */
export interface EventStore {
  /**
   * Appends events atomically (all or none) to a stream.
   * Re-appending the same event ids with the same expected revision is a no-op
   * that returns the original result; reusing an id with other content is a
   * `DuplicateEventIdError`.
   * @throws WrongExpectedRevisionError when the expected revision does not hold.
   */
  append(
    streamName: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult>;

  /** @throws StreamNotFoundError when the stream holds no event. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** Reads the global log forwards in commit order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /**
   * Catch-up subscription to the global log: the backlog, a `caught-up` marker,
   * then live events, in commit order with no gap and no duplicate. Unsubscribing
   * releases every resource. Transient failures are retried by the adapter from
   * the last delivered position; a permanent one errors the observable.
   */
  subscribeToAll(options?: SubscribeToAllOptions): Observable<AllSubscriptionMessage>;

  describe(): Promise<EventStoreDescription>;

  /** Finishes appends in flight, then releases the store. Idempotent. */
  close(): Promise<void>;
}
