import type { EventStore } from './event-store.port';
import type { EventStoreDbOptions } from './eventstoredb/eventstoredb.options';

/** The embedded store: one SQLite file, the default that works on a bare machine. */
export interface SqliteEventStoreConfig {
  readonly kind: 'sqlite';
  /** Path of the database file (created with its directory when missing), e.g. `<DATA_DIR>/events.db`. */
  readonly file: string;
  /** How often subscriptions look for commits of other processes on the same file. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** The least time between two reads of a subscription that has caught up. Default 50 ms. */
  readonly liveReadIntervalMs?: number;
  /** Open an existing store for reading only, beside the process that writes to it (no lock). Default false. */
  readonly readOnly?: boolean;
  /** Most events that may wait for the disk at once; beyond it appends are refused as unavailable. Default 20,000. */
  readonly maxQueuedEvents?: number;
}

/** An EventStoreDB/KurrentDB node or cluster; see {@link EventStoreDbOptions} for each option and its default. */
export interface EventStoreDbConfig extends EventStoreDbOptions {
  readonly kind: 'eventstoredb';
  /** An `esdb://` or `kurrentdb://` connection string, e.g. `esdb://localhost:2113?tls=false`. */
  readonly connectionString: string;
}

/** Which store to open and where; read from configuration once, at the edge. */
export type EventStoreOptions = SqliteEventStoreConfig | EventStoreDbConfig;

/**
 * Opens the configured adapter; the promise settles once the store is ready to append.
 * Each adapter's code is loaded when it is asked for: a thread that opens the
 * embedded store (verification and export threads start one per core) does not
 * load the EventStoreDB client, a third of such a thread's start.
 */
export async function createEventStore(options: EventStoreOptions): Promise<EventStore> {
  switch (options.kind) {
    case 'sqlite': {
      const { SqliteEventStore } = await import('./sqlite/sqlite.event-store');
      return SqliteEventStore.open({
        file: options.file,
        pollIntervalMs: options.pollIntervalMs,
        liveReadIntervalMs: options.liveReadIntervalMs,
        readOnly: options.readOnly,
        maxQueuedEvents: options.maxQueuedEvents,
      });
    }
    case 'eventstoredb': {
      const { EventStoreDbEventStore } = await import('./eventstoredb/eventstoredb.event-store');
      const { kind: _kind, ...eventStoreDb } = options;
      return EventStoreDbEventStore.open(eventStoreDb);
    }
    default: {
      const unknown: never = options;
      throw new Error(`Unknown event store kind ${JSON.stringify((unknown as { kind?: unknown }).kind)}`);
    }
  }
}
