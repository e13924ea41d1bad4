import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/** A valid credential whose roles do not allow the route. */
export class AccessDeniedError extends TimelineError {
  readonly code = 'auth.forbidden';
  readonly category: ErrorCategory = 'forbidden';

  constructor(reason: string) {
    super(reason);
  }
}

/**
 * The operation does not exist or the caller's agency takes no part in it; the
 * two are indistinguishable on purpose so that nothing leaks across operations.
 */
export class OperationNotVisibleError extends TimelineError {
  readonly code = 'operation.not-found';
  readonly category: ErrorCategory = 'not-found';

  constructor(readonly operationId: string) {
    super(`Operation ${operationId} was not found`, { operationId });
  }
}

/**
 * A launch names an operation id already taken by an operation the caller's
 * agency takes no part in. The one answer that tells such a caller an id exists:
 * a launch of a free id would launch it (README "Security").
 */
export class OperationIdTakenError extends TimelineError {
  readonly code = 'operation.id-taken';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(readonly operationId: string) {
    super(`Operation id ${operationId} is taken: launch a new operation under another id`, { operationId });
  }
}

/** A route the server exposes without having declared who may call it. */
export class RouteWithoutPolicyError extends TimelineError {
  readonly code = 'auth.no-policy';
  readonly category: ErrorCategory = 'forbidden';

  constructor() {
    super('This route is not open to any caller');
  }
}

/** A page size outside the route's bounds. */
export class PageSizeError extends TimelineError {
  readonly code = 'request.page-size';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(parameter: string, value: string, max: number) {
    super(`${parameter} must be an integer between 1 and ${max}; got ${JSON.stringify(value)}`, {
      parameter,
      max,
      errors: [
        { path: parameter, constraint: 'pageSize', message: `must be an integer between 1 and ${max}` },
      ],
    });
  }
}
