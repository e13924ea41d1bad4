import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/** One field-level problem, addressed by a path such as `events[0].data.lines[1].quantity.unit`. */
export interface FieldError {
  readonly path: string;
  /** The rule that failed, e.g. `isIn`, `whitelist`, `notInFuture`. */
  readonly constraint: string;
  readonly message: string;
}

/** The request is malformed; `details.errors` lists every field that is wrong, not just the first. */
export class InvalidRequestError extends TimelineError {
  readonly code = 'request.invalid';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(
    readonly errors: readonly FieldError[],
    summary = 'The request has invalid fields',
  ) {
    super(summary, { errors });
  }
}

/** The client's expected revision is not the operation's current revision. */
export class OperationRevisionConflictError extends TimelineError {
  readonly code = 'operation.revision-conflict';
  readonly category: ErrorCategory = 'revision-conflict';

  constructor(
    readonly operationId: string,
    readonly expectedRevision: number,
    readonly actualRevision: number,
  ) {
    super(
      `Operation ${operationId} was expected at revision ${expectedRevision} but is at revision ${actualRevision}` +
        (actualRevision === -1 ? ' (it has no events yet)' : ''),
      { operationId, expectedRevision, actualRevision },
    );
  }
}

/** Appends kept conflicting with concurrent writers beyond the retry budget. */
export class ConcurrencyRetriesExhaustedError extends TimelineError {
  readonly code = 'operation.concurrent-writers';
  readonly category: ErrorCategory = 'revision-conflict';

  constructor(
    readonly operationId: string,
    readonly attempts: number,
  ) {
    super(
      `Operation ${operationId} kept changing under concurrent writers; gave up after ${attempts} attempts`,
      {
        operationId,
        attempts,
      },
    );
  }
}

/** An event id (or idempotency key) that is already stored was sent again with other content. */
export class IdempotencyConflictError extends TimelineError {
  readonly code = 'request.idempotency-conflict';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(message: string, details: Readonly<Record<string, unknown>>) {
    super(message, details);
  }
}
