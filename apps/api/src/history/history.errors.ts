import { TimelineError, type ErrorCategory } from '@timeline/kernel';

export class OperationHistoryNotFoundError extends TimelineError {
  readonly code = 'history.operation-not-found';
  readonly category: ErrorCategory = 'not-found';

  constructor(readonly operationId: string) {
    super(`Operation ${operationId} has no recorded events`, { operationId });
  }
}
