import { isDeepStrictEqual } from 'node:util';
import type Database from 'better-sqlite3';

export type WireExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** An EventToAppend, checked, with its data and metadata as the JSON text the writer stores. */
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

/** Why an append failed, as data; the store turns it into the port's typed error. */
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
  /** Transactions committed (or rolled back whole); one per group. */
  readonly transactions: number;
  /** Append requests processed, successful or not. */
  readonly appends: number;
  /** Events written. */
  readonly eventsWritten: number;
  /** Append requests in the largest group so far. */
  readonly largestGroup: number;
}

/**
 * Faults the store simulates when told to: for fault-injection tests and drills, never set in
 * normal running. They act where the real faults do: at the commit, and at the WAL's sync.
 */
export interface WriterFaults {
  /** Each sync of the WAL takes this long more, as on a slow or stalled disk. */
  readonly syncDelayMs?: number;
  /** Each group fails at its commit as on a full disk (SQLITE_FULL) and is rolled back whole. */
  readonly diskFull?: boolean;
}

interface StoredRow {
  seq: number;
  stream: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

class AppendRefused extends Error {
  constructor(readonly failure: AppendFailure) {
    super(failure.kind);
  }
}

/**
 * Writes groups of appends, one transaction per group (group commit): each group
 * costs one sync of the WAL before it is acknowledged, so grouping the appends that
 * arrived together is what lifts durable throughput above one sync per event.
 * Each multi-event append runs inside its own SAVEPOINT, so one that is refused
 * (wrong revision, reused id) is rolled back alone and the rest of its group commits.
 *
 * Runs on the main thread inside the store's group commit (sqlite.group-commit.ts), which
 * syncs and acknowledges; it is a plain class so it can be tested directly.
 */
export class SqliteWriter {
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackToSavepoint: Database.Statement;
  private readonly currentRevision: Database.Statement<[string], { revision: number }>;
  private readonly byEventId: Database.Statement<[string], StoredRow>;
  private readonly streamRange: Database.Statement<[string, number, number], StoredRow>;
  private readonly insert: Database.Statement<[string, number, string, string, string, string, string]>;
  private counters = { transactions: 0, appends: 0, eventsWritten: 0, largestGroup: 0 };
  /**
   * The log's last seq, kept from this writer's own inserts: it is the file's only writer (the
   * store lock), so the head needs no query after each group.
   */
  private committedHead: number | null;
  /** The last seq inserted by the group being written; it becomes the head only if the group commits. */
  private groupHead: number | null = null;
  /** Simulated faults (fault-injection tests); none by default. */
  faults: WriterFaults = {};

  constructor(private readonly db: Database.Database) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT append');
    this.release = db.prepare('RELEASE append');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO append');
    this.currentRevision = db.prepare(
      'SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1',
    );
    this.byEventId = db.prepare(
      'SELECT seq, stream, revision, event_id, type, data, metadata FROM events WHERE event_id = ?',
    );
    this.streamRange = db.prepare(
      'SELECT seq, stream, revision, event_id, type, data, metadata FROM events WHERE stream = ? AND revision BETWEEN ? AND ? ORDER BY revision',
    );
    this.insert = db.prepare(
      'INSERT INTO events (stream, revision, event_id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const head = db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events').get();
    this.committedHead = head?.seq ?? null;
  }

  get metrics(): WriterMetrics {
    return { ...this.counters };
  }

  /** The log's last seq after the last committed group (null while the log is empty). */
  headSeq(): number | null {
    return this.committedHead;
  }

  /** Writes a group in one transaction; every request gets its own outcome, in order. */
  writeGroup(requests: readonly AppendRequest[]): AppendOutcome[] {
    const createdAt = new Date().toISOString();
    this.groupHead = null;
    try {
      this.begin.run();
    } catch (error) {
      return requests.map((request) =>
        unavailable(request.id, `cannot begin a transaction: ${describe(error)}`),
      );
    }
    const outcomes: AppendOutcome[] = [];
    let written = 0;
    try {
      for (const request of requests) {
        // A single-event append needs no savepoint: it is refused before it writes, or its one
        // INSERT fails and SQLite undoes that statement alone.
        const guarded = request.events.length > 1;
        if (guarded) this.savepoint.run();
        try {
          const outcome = this.appendOne(request, createdAt);
          if (guarded) this.release.run();
          outcomes.push(outcome);
          if (outcome.ok) written += outcome.written;
        } catch (error) {
          // Some errors (I/O, full disk) make SQLite roll the whole transaction back: the group fails.
          if (!this.db.inTransaction) throw error;
          if (guarded) {
            this.rollbackToSavepoint.run();
            this.release.run();
          }
          outcomes.push(
            error instanceof AppendRefused
              ? { id: request.id, ok: false, failure: error.failure }
              : unavailable(request.id, describe(error)),
          );
        }
      }
      this.simulateFaults();
      this.commit.run();
    } catch (error) {
      // The commit, a savepoint statement or the transaction itself failed: nothing of the group is durable.
      if (this.db.inTransaction) this.rollback.run();
      this.counters.transactions++;
      return requests.map((request) => unavailable(request.id, `the transaction failed: ${describe(error)}`));
    }
    if (this.groupHead !== null) this.committedHead = this.groupHead;
    this.counters.transactions++;
    this.counters.appends += requests.length;
    this.counters.eventsWritten += written;
    this.counters.largestGroup = Math.max(this.counters.largestGroup, requests.length);
    return outcomes.map((outcome) =>
      outcome.ok
        ? { id: outcome.id, ok: true, nextExpectedRevision: outcome.nextExpectedRevision, seq: outcome.seq }
        : outcome,
    );
  }

  /** Fails as a full disk does when the fault is injected. */
  private simulateFaults(): void {
    if (this.faults.diskFull)
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  }

  /**
   * The idempotency lookup by event id runs only when the append would otherwise fail (its
   * revision check, or the insert of its first event on the event-id index): a retry of a
   * stored append always lands in one of the two, and a new append pays for no extra query.
   */
  private appendOne(request: AppendRequest, createdAt: string): AppendOutcome & { written: number } {
    const { stream, events, expected } = request;
    const current = this.currentRevision.get(stream)?.revision ?? null;
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && current === null) ||
      (expected === 'stream_exists' && current !== null) ||
      expected === current;
    if (!holds) {
      const stored = this.byEventId.get(events[0].eventId);
      if (stored) return { ...this.alreadyAppended(request, stored), written: 0 };
      throw new AppendRefused({
        kind: 'wrong-expected-revision',
        stream,
        expected,
        actual: current ?? 'no_stream',
      });
    }

    let revision = current ?? -1;
    let seq = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      revision++;
      try {
        seq = Number(
          this.insert.run(stream, revision, event.eventId, event.type, event.data, event.metadata, createdAt)
            .lastInsertRowid,
        );
      } catch (error) {
        if (!isUniqueViolation(error, 'events.event_id')) throw error;
        // Nothing of this append is written yet when its first event is the one stored.
        const stored = i === 0 ? this.byEventId.get(event.eventId) : undefined;
        if (stored) return { ...this.alreadyAppended(request, stored), written: 0 };
        throw this.duplicate(event.eventId, stream);
      }
    }
    this.groupHead = seq;
    return { id: request.id, ok: true, nextExpectedRevision: revision, seq, written: events.length };
  }

  /**
   * The first event id is stored already. It is an idempotent retry only if the
   * whole batch sits, unchanged and consecutive, where the expected revision
   * says it was appended; then the original result is returned and nothing written.
   */
  private alreadyAppended(request: AppendRequest, first: StoredRow): AppendOutcome {
    const { stream, events, expected } = request;
    if (first.stream !== stream) {
      throw this.duplicate(
        first.event_id,
        stream,
        `it is stored in stream ${first.stream} at revision ${first.revision}`,
      );
    }
    const expectedFirstRevision =
      typeof expected === 'number' ? expected + 1 : expected === 'no_stream' ? 0 : first.revision;
    if (first.revision !== expectedFirstRevision) {
      throw this.duplicate(
        first.event_id,
        stream,
        `it is stored at revision ${first.revision}, not where expected revision ${String(expected)} would put it`,
      );
    }
    const stored = this.streamRange.all(stream, first.revision, first.revision + events.length - 1);
    events.forEach((event, i) => {
      const row = stored[i];
      if (row === undefined || row.event_id !== event.eventId) {
        throw this.duplicate(
          first.event_id,
          stream,
          `the batch differs from the one stored at revision ${first.revision} (event ${i} is ${row ? row.event_id : 'missing'})`,
        );
      }
      const difference = contentDifference(row, event);
      if (difference)
        throw this.duplicate(event.eventId, stream, `its ${difference} differs from the stored event`);
    });
    const last = stored[events.length - 1];
    return { id: request.id, ok: true, nextExpectedRevision: last.revision, seq: last.seq };
  }

  private duplicate(eventId: string, stream: string, reason?: string): AppendRefused {
    const where = this.byEventId.get(eventId);
    return new AppendRefused({
      kind: 'duplicate-event-id',
      eventId,
      stream,
      reason:
        reason ??
        (where
          ? `it is stored in stream ${where.stream} at revision ${where.revision}`
          : 'it is stored already'),
    });
  }
}

function contentDifference(row: StoredRow, event: WireEvent): string | null {
  if (row.type !== event.type) return 'type';
  if (row.data !== event.data && !isDeepStrictEqual(JSON.parse(row.data), JSON.parse(event.data)))
    return 'data';
  if (
    row.metadata !== event.metadata &&
    !isDeepStrictEqual(JSON.parse(row.metadata), JSON.parse(event.metadata))
  ) {
    return 'metadata';
  }
  return null;
}

function isUniqueViolation(error: unknown, column: string): boolean {
  const { code, message } = errorFields(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && message.includes(column);
}

function unavailable(id: number, reason: string): AppendOutcome {
  return { id, ok: false, failure: { kind: 'unavailable', reason } };
}

/** The driver's message, prefixed with what it means for an operator when the code says so. */
function describe(error: unknown): string {
  const { code, message } = errorFields(error);
  if (code === 'SQLITE_FULL') return `the disk is full (${message})`;
  if (code?.startsWith('SQLITE_READONLY')) return `the store file is read-only (${message})`;
  if (code?.startsWith('SQLITE_IOERR')) return `the disk failed a read or write (${code}: ${message})`;
  return message;
}

/**
 * Reads an error's code and message without `instanceof`: errors thrown by the
 * native driver may come from another realm (a test sandbox), where that fails.
 */
function errorFields(error: unknown): { code: string | undefined; message: string } {
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    const code = (error as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? code : undefined,
      message: (error as { message: string }).message,
    };
  }
  return { code: undefined, message: String(error) };
}
