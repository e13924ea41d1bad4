/**
 * Messages between the store (main thread) and its writer thread. Only plain,
 * structured-cloneable data crosses: data and metadata travel as JSON text,
 * serialised once on the main thread.
 */
import type { ConnectionDurability } from './sqlite.schema';

export type WireExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** An EventToAppend, checked, with its data and metadata as JSON text for the writer thread. */
export interface WireEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export interface AppendRequest {
  readonly id: number;
  readonly stream: string;
  readonly expected: WireExpectedRevision;
  readonly events: readonly WireEvent[];
}

/** Why an append failed, as data; the main thread turns it into the port's typed error. */
export type AppendFailure =
  | {
      readonly kind: 'wrong-expected-revision';
      readonly stream: string;
      readonly expected: WireExpectedRevision;
      readonly actual: 'no_stream' | number;
    }
  | {
      readonly kind: 'duplicate-event-id';
      readonly eventId: string;
      readonly stream: string;
      readonly reason: string;
    }
  | { readonly kind: 'unavailable'; readonly reason: string };

export type AppendOutcome =
  | { readonly id: number; readonly ok: true; readonly nextExpectedRevision: number; readonly seq: number }
  | { readonly id: number; readonly ok: false; readonly failure: AppendFailure };

/** Counters of the writer since it started. */
export interface WriterMetrics {
  /** Transactions committed (or rolled back whole); one per flushed group. */
  readonly transactions: number;
  /** Append requests processed, successful or not. */
  readonly appends: number;
  /** Events written. */
  readonly eventsWritten: number;
  /** Append requests in the largest group so far. */
  readonly largestGroup: number;
}

export interface WriterInit {
  readonly file: string;
  /** Most events one transaction takes before the rest wait for the next flush. */
  readonly maxEventsPerTransaction: number;
}

/**
 * Faults the writer thread simulates when told to: for fault-injection tests and drills, never
 * set in normal running. They act where the real faults do, at the commit.
 */
export interface WriterFaults {
  /** Each group waits this long before its commit, as behind a slow or stalled disk's fsync. */
  readonly commitDelayMs?: number;
  /** Each group fails at its commit as on a full disk (SQLITE_FULL) and is rolled back whole. */
  readonly diskFull?: boolean;
}

export type ToWriter =
  | { readonly t: 'append'; readonly requests: readonly AppendRequest[] }
  | { readonly t: 'faults'; readonly faults: WriterFaults }
  | { readonly t: 'close' };

export type FromWriter =
  | { readonly t: 'ready'; readonly durability: ConnectionDurability; readonly headSeq: number | null }
  /** Start-up failed; `unusableFile` when the file is not this release's event store (UnusableStoreFile). */
  | { readonly t: 'failed'; readonly message: string; readonly unusableFile: boolean }
  | {
      readonly t: 'outcomes';
      readonly outcomes: readonly AppendOutcome[];
      readonly metrics: WriterMetrics;
      readonly headSeq: number | null;
    }
  | { readonly t: 'closed' };
