/** Options of the write path (RecordingModule.forRoot); every member has a default. */
export interface RecordingOptions {
  /** Most events one request may record. Default 100. */
  readonly maxBatchEvents: number;
  /** Operations whose decided state is kept in memory (least recently used are dropped). Default 1,000. */
  readonly maxCachedOperations: number;
  /** Re-reads and retries after a concurrent writer when the client gave no expected revision. Default 5. */
  readonly maxConflictRetries: number;
  /** Most events written in one store append when concurrent requests on one operation are combined. Default 1,000. */
  readonly maxEventsPerAppend: number;
  /** How far `occurredAt` may lie ahead of the server clock (client clock skew), in ms. Default 30,000. */
  readonly futureToleranceMs: number;
  /** Page size when reading an operation's events to rebuild its state. Default 5,000. */
  readonly readPageSize: number;
}

export const DEFAULT_RECORDING_OPTIONS: RecordingOptions = {
  maxBatchEvents: 100,
  maxCachedOperations: 1000,
  maxConflictRetries: 5,
  maxEventsPerAppend: 1000,
  futureToleranceMs: 30_000,
  readPageSize: 5000,
};

/** DI token of the resolved RecordingOptions. */
export const RECORDING_OPTIONS = Symbol('RECORDING_OPTIONS');
