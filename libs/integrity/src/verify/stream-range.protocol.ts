import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import type { RevisionRange } from './stream-ranges';

/** What a range-verification thread is started with (its `workerData`). */
export interface StreamRangeTask {
  /** How the thread opens the store for itself. */
  readonly store: EventStoreOptions;
  readonly operationId: string;
  readonly range: RevisionRange;
  readonly pageSize?: number;
}
