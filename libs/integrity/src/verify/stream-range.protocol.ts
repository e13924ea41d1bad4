import type { EventStoreOptions } from '@timeline/event-store/event-store.factory';
import type { RangeVerification, RevisionRange } from './stream-ranges';

/** What a range-verification thread is started with (its `workerData`). */
export interface StreamRangeTask {
  /** How the thread opens the store for itself. */
  readonly store: EventStoreOptions;
  readonly operationId: string;
  readonly range: RevisionRange;
  readonly pageSize?: number;
}

/** What a range-verification thread sends back: progress, then its range's result or why it failed. */
export type FromStreamRangeThread =
  | { readonly t: 'progress'; readonly events: number }
  | { readonly t: 'done'; readonly result: RangeVerification }
  | { readonly t: 'failed'; readonly message: string; readonly code?: string };
