import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import type { ActualRevision, ExpectedRevision } from './event-store.port';

/** Base of every error an event store adapter raises. */
export abstract class EventStoreError extends TimelineError {}

export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'event-store.wrong-expected-revision';
  readonly category: ErrorCategory = 'revision-conflict';

  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
  ) {
    super(`Stream ${streamName} was expected at revision ${String(expected)} but is at ${String(actual)}`, {
      streamName,
      expectedRevision: expected,
      actualRevision: actual,
    });
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'event-store.stream-not-found';
  readonly category: ErrorCategory = 'not-found';

  constructor(readonly streamName: string) {
    super(`Stream ${streamName} does not exist`, { streamName });
  }
}

/** An event id already stored was appended again with other content or elsewhere. */
export class DuplicateEventIdError extends EventStoreError {
  readonly code = 'event-store.duplicate-event-id';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(
    readonly eventId: string,
    readonly streamName: string,
    reason: string,
  ) {
    super(`Event id ${eventId} is already stored with other content: ${reason}`, {
      eventId,
      streamName,
      reason,
    });
  }
}

/** The stream was deleted in the underlying store (EventStoreDB); this system never deletes. */
export class StreamDeletedError extends EventStoreError {
  readonly code = 'event-store.stream-deleted';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(readonly streamName: string) {
    super(`Stream ${streamName} has been deleted`, { streamName });
  }
}

export class EventStoreAccessDeniedError extends EventStoreError {
  readonly code = 'event-store.access-denied';
  readonly category: ErrorCategory = 'unavailable';

  constructor(operation: string) {
    super(`The event store refused ${operation}: access denied for the configured credentials`, {
      operation,
    });
  }
}

/** The store cannot be reached, is not the leader, timed out, or is closed. */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = 'event-store.unavailable';
  readonly category: ErrorCategory = 'unavailable';

  constructor(reason: string, cause?: unknown) {
    super(`The event store is unavailable: ${reason}`, { reason }, cause);
  }
}

/** Input the store cannot hold (e.g. a malformed event id, an empty batch). */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'event-store.invalid-append';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(reason: string) {
    super(`Invalid append: ${reason}`, { reason });
  }
}

/** The process holding an embedded store's lock, as its lock file names it. */
export interface StoreHolder {
  readonly pid: number;
  readonly host: string;
  /** When it took the lock (ISO 8601). */
  readonly startedAt: string;
  /** Its command line (shortened). */
  readonly command: string;
}

/** Another process writes to the embedded store: only one may (the api, or a CLI write command). */
export class EventStoreLockedError extends EventStoreError {
  readonly code = 'event-store.locked';
  readonly category: ErrorCategory = 'unavailable';

  constructor(
    readonly file: string,
    readonly holder: StoreHolder | null,
  ) {
    super(
      `The event store ${file} is in use by ${
        holder === null
          ? 'another process'
          : `process ${holder.pid} on ${holder.host} (since ${holder.startedAt}: ${holder.command})`
      }; stop it first, or use a read-only command (verify, export, backup) beside it`,
      { file, holder },
    );
  }
}

/**
 * The store file cannot be used as this version's event store: it is not an
 * SQLite database, holds something else, was written by a newer version, or
 * cannot be opened where it lives. Start-up stops with this.
 */
export class EventStoreFileError extends EventStoreError {
  readonly code = 'event-store.unusable-file';
  readonly category: ErrorCategory = 'unavailable';

  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`The event store file ${file} cannot be used: ${reason}`, { file, reason });
  }
}
