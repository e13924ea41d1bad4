import { EventStoreDBClient } from '@eventstore/db-client';
import type { ErrorCategory } from '@timeline/kernel';
import { EventStoreError } from '../event-store.errors';

/** Options of the EventStoreDB adapter, validated once when the store opens. */
export interface EventStoreDbOptions {
  /**
   * An EventStoreDB/KurrentDB connection string, carrying nodes, TLS and credentials:
   * `esdb://admin:changeit@node1:2113,node2:2113,node3:2113?tls=true&tlsCAFile=/certs/ca.crt`,
   * `esdb+discover://cluster.internal:2113`, or `esdb://localhost:2113?tls=false` for a local
   * insecure node. `kurrentdb://` and `kurrentdb+discover://` are accepted as synonyms.
   */
  readonly connectionString: string;
  /**
   * When the adapter reads an append back to compare it with what was sent, since
   * EventStoreDB recognises a retried event by its id alone and would accept other
   * content under a reused id as an idempotent retry.
   * - `'suspected-retries'` (default): only when the append looks like a retry: its ids
   *   are ones this adapter has seen in that stream, or the server answers with a
   *   position not beyond the log head this adapter has already seen — one extra read then.
   * - `'every-append'`: after every append; closes the remaining window (a retry of a
   *   write made by another api instance that this one has not yet seen) at the cost
   *   of one stream read per append.
   */
  readonly duplicateEventIdCheck?: 'suspected-retries' | 'every-append';
  /**
   * How many recently appended or read event ids the adapter remembers (with their
   * stream and revision) to refuse a reused id in another stream or at another
   * revision before it reaches the server. Default 100 000 (about 15 MB).
   */
  readonly eventIdCacheSize?: number;
  /**
   * Events per read while a subscription works through its backlog; each page is handed
   * on in one go, and the live subscription starts after the page that comes back short.
   * Default 1000.
   */
  readonly catchUpPageSize?: number;
  /**
   * The deadline of each request to the server (one append, one read, one subscription's
   * confirmation), client-side and sent to the server. Default 10 000 ms.
   */
  readonly deadlineMs?: number;
  /**
   * Requests that failed transiently (no leader, node unavailable or not answering within
   * the deadline, commit timeout) are sent again with jittered exponential backoff until
   * `budgetMs` has passed since the first attempt, so that a leader election costs latency,
   * not errors. Appends are resent with the same event ids and exact expected revision, so
   * a resend never writes twice.
   */
  readonly retry?: {
    /** Default 15 000 ms (an election of a 3-node cluster takes a few seconds); 0 sends once. */
    readonly budgetMs?: number;
    /** Default 50 ms. */
    readonly initialDelayMs?: number;
    /** Default 1000 ms. */
    readonly maxDelayMs?: number;
  };
  /**
   * Send every request with `requires-leader`, so that a follower or a demoted leader answers
   * NotLeader (naming the leader) instead of serving it, and the client follows the leader.
   * Default true.
   */
  readonly requireLeader?: boolean;
  /** How long `close()` waits for appends in flight before abandoning them and the connection. Default 5000 ms. */
  readonly closeGraceMs?: number;
  /** Backoff of subscriptions resuming after a drop: the first delay, doubled up to `maxDelayMs`. */
  readonly resubscribe?: {
    /** Default 100 ms. */
    readonly initialDelayMs?: number;
    /** Default 5000 ms. */
    readonly maxDelayMs?: number;
    /** Consecutive failed attempts before the subscription errors. Default 20. */
    readonly maxAttempts?: number;
  };
}

export interface ResolvedEventStoreDbOptions {
  readonly connectionString: string;
  readonly duplicateEventIdCheck: 'suspected-retries' | 'every-append';
  readonly eventIdCacheSize: number;
  readonly catchUpPageSize: number;
  readonly deadlineMs: number;
  readonly retry: { readonly budgetMs: number; readonly initialDelayMs: number; readonly maxDelayMs: number };
  readonly requireLeader: boolean;
  readonly closeGraceMs: number;
  readonly resubscribe: {
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
    readonly maxAttempts: number;
  };
}

/** The adapter's configuration is unusable; raised when the store opens, never later. */
export class EventStoreDbConfigurationError extends EventStoreError {
  readonly code = 'event-store.configuration';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(reason: string) {
    super(`Invalid EventStoreDB configuration: ${reason}`, { reason });
  }
}

const SCHEME = /^(esdb|kurrentdb|kdb)(\+discover)?:\/\//i;

export function resolveEventStoreDbOptions(options: EventStoreDbOptions): ResolvedEventStoreDbOptions {
  const connectionString =
    typeof options?.connectionString === 'string' ? options.connectionString.trim() : '';
  const scheme = SCHEME.exec(connectionString);
  if (!scheme) {
    throw new EventStoreDbConfigurationError(
      'the connection string must start with esdb://, esdb+discover://, kurrentdb:// or kurrentdb+discover://',
    );
  }
  // The client of this major version parses esdb:// only; KurrentDB reads the same string.
  const normalised = `esdb${scheme[2] ?? ''}://${connectionString.slice(scheme[0].length)}`;
  try {
    EventStoreDBClient.connectionString(normalised);
  } catch (error) {
    throw new EventStoreDbConfigurationError(
      `the connection string is not valid: ${(error as Error).message}`,
    );
  }
  const check = options.duplicateEventIdCheck ?? 'suspected-retries';
  if (check !== 'suspected-retries' && check !== 'every-append') {
    throw new EventStoreDbConfigurationError(
      `duplicateEventIdCheck must be 'suspected-retries' or 'every-append'`,
    );
  }
  return {
    connectionString: normalised,
    duplicateEventIdCheck: check,
    eventIdCacheSize: integerOption('eventIdCacheSize', options.eventIdCacheSize, 100_000, 0),
    catchUpPageSize: integerOption('catchUpPageSize', options.catchUpPageSize, 1000, 1),
    deadlineMs: integerOption('deadlineMs', options.deadlineMs, 10_000, 1),
    retry: {
      budgetMs: integerOption('retry.budgetMs', options.retry?.budgetMs, 15_000, 0),
      initialDelayMs: integerOption('retry.initialDelayMs', options.retry?.initialDelayMs, 50, 1),
      maxDelayMs: integerOption('retry.maxDelayMs', options.retry?.maxDelayMs, 1000, 1),
    },
    requireLeader: booleanOption('requireLeader', options.requireLeader, true),
    closeGraceMs: integerOption('closeGraceMs', options.closeGraceMs, 5000, 0),
    resubscribe: {
      initialDelayMs: integerOption(
        'resubscribe.initialDelayMs',
        options.resubscribe?.initialDelayMs,
        100,
        1,
      ),
      maxDelayMs: integerOption('resubscribe.maxDelayMs', options.resubscribe?.maxDelayMs, 5000, 1),
      maxAttempts: integerOption('resubscribe.maxAttempts', options.resubscribe?.maxAttempts, 20, 1),
    },
  };
}

function integerOption(name: string, value: number | undefined, fallback: number, minimum: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new EventStoreDbConfigurationError(`${name} must be an integer ≥ ${minimum}, got ${String(value)}`);
  }
  return value;
}

function booleanOption(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new EventStoreDbConfigurationError(`${name} must be true or false, got ${String(value)}`);
  }
  return value;
}

/** The connection string without its credentials, for logs and `describe()`. */
export function redactConnectionString(connectionString: string): string {
  return connectionString.replace(/:\/\/[^@/]*@/, '://');
}
