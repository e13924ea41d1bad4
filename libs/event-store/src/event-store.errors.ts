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
