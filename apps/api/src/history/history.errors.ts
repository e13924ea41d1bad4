import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/** A field-level problem of a history query parameter. */
export interface QueryFieldError {
  readonly path: string;
  readonly constraint: string;
  readonly message: string;
}

/** One or more query parameters of a history route are malformed; nothing was read. */
export class InvalidHistoryQueryError extends TimelineError {
  readonly code = 'history.invalid-query';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(readonly errors: readonly QueryFieldError[]) {
    super(`Invalid query: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
  }
}

export class OperationHistoryNotFoundError extends TimelineError {
  readonly code = 'history.operation-not-found';
  readonly category: ErrorCategory = 'not-found';

  constructor(readonly operationId: string) {
    super(`Operation ${operationId} has no recorded events`, { operationId });
  }
}
