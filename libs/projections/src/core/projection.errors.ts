import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { formatPosition, type RecordedEvent } from '@timeline/event-store/port';

/** A stored event whose metadata is not an event envelope: no projection can fold it. */
export class MalformedStoredEventError extends TimelineError {
  readonly code = 'projections.malformed-stored-event';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(recorded: RecordedEvent, reason: string) {
    super(`Stored event ${recorded.eventId} (${recorded.type}) cannot be read: ${reason}`, {
      eventId: recorded.eventId,
      type: recorded.type,
      position: formatPosition(recorded.position),
      reason,
    });
  }
}

/** An event a fold cannot apply, e.g. a correction of an event it has never seen. */
export class UnfoldableEventError extends TimelineError {
  readonly code = 'projections.unfoldable-event';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(eventId: string, type: string, reason: string) {
    super(`Event ${eventId} (${type}) cannot be applied: ${reason}`, { eventId, type, reason });
  }
}

/** The runner did not reach a position in time (read-your-writes). */
export class ProjectionPositionTimeoutError extends TimelineError {
  readonly code = 'projections.position-timeout';
  readonly category: ErrorCategory = 'unavailable';

  constructor(
    readonly position: string,
    readonly reached: string | null,
    readonly timeoutMs: number,
    projection?: string,
  ) {
    super(
      `${projection ? `Projection ${projection}` : 'The projections'} did not reach position ${position} within ${timeoutMs} ms (at ${reached ?? 'the start'})`,
      { position, reached, timeoutMs, ...(projection ? { projection } : {}) },
    );
  }
}

/** The projection is stopped at an event it could not apply; it answers nothing newer until fixed. */
export class ProjectionFailedError extends TimelineError {
  readonly code = 'projections.projection-failed';
  readonly category: ErrorCategory = 'unavailable';

  constructor(
    readonly projection: string,
    failure: {
      readonly position: string;
      readonly eventId: string;
      readonly type: string;
      readonly error: string;
    },
  ) {
    super(
      `Projection ${projection} is stopped at event ${failure.eventId} (${failure.type}, position ${failure.position}): ${failure.error}`,
      {
        projection,
        ...failure,
      },
    );
  }
}

export class UnknownProjectionError extends TimelineError {
  readonly code = 'projections.unknown-projection';
  readonly category: ErrorCategory = 'not-found';

  constructor(name: string) {
    super(`No projection named ${name} is registered`, { projection: name });
  }
}

/** The runner is not running (not started, stopped, or shutting down). */
export class ProjectionRunnerNotRunningError extends TimelineError {
  readonly code = 'projections.runner-not-running';
  readonly category: ErrorCategory = 'unavailable';

  constructor(state: string) {
    super(`The projection runner is ${state}`, { state });
  }
}

/** A rebuild of the projection is already in progress. */
export class RebuildInProgressError extends TimelineError {
  readonly code = 'projections.rebuild-in-progress';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(name: string) {
    super(`Projection ${name} is already being rebuilt`, { projection: name });
  }
}

/** The read model holds no event of the operation (it does not exist, or not yet at that position). */
export class UnknownOperationError extends TimelineError {
  readonly code = 'projections.unknown-operation';
  readonly category: ErrorCategory = 'not-found';

  constructor(readonly operationId: string) {
    super(`Operation ${operationId} has no recorded event`, { operationId });
  }
}

/** A position given by a client (e.g. `minPosition`) that is not one. */
export class InvalidPositionError extends TimelineError {
  readonly code = 'projections.invalid-position';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(
    readonly field: string,
    value: string,
  ) {
    super(`${field} is not a global position: ${JSON.stringify(value)}`, {
      errors: [
        {
          path: field,
          constraint: 'isGlobalPosition',
          message: `${field} must be a position such as "42" or "42/40"`,
        },
      ],
    });
  }
}
