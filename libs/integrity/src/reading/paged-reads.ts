import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import {
  formatPosition,
  type EventStore,
  type GlobalLogFilter,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store/port';

/**
 * A stored event the store cannot hand over (its stored JSON no longer parses,
 * its row is damaged): found by re-reading one event at a time after a page
 * failed with an error that is not one of the store's typed errors.
 */
export class UnreadableStoredEventError extends TimelineError {
  readonly code = 'integrity.unreadable-event';
  readonly category: ErrorCategory = 'illegal-state';

  constructor(
    /** Where: `stream <name> at or after revision <n>`, or `log after position <p>`. */
    readonly location:
      { readonly streamName: string; readonly revision: number } | { readonly after: GlobalPosition | null },
    cause: unknown,
  ) {
    const where =
      'streamName' in location
        ? `the first event of ${location.streamName} at or after revision ${location.revision}`
        : `the first event of the log after position ${location.after ? formatPosition(location.after) : '0'}`;
    super(
      `The store cannot read ${where}: ${(cause as Error)?.message ?? String(cause)}`,
      { location: where },
      cause,
    );
  }
}

/** Events per read when walking a stream or the log; what bounds the memory of a walk. */
export const DEFAULT_PAGE_SIZE = 500;

export interface StreamWalkOptions {
  /** Events per `readStream` call. Defaults to DEFAULT_PAGE_SIZE. */
  readonly pageSize?: number;
  /** Inclusive revision to start from. Defaults to 0. */
  readonly fromRevision?: number;
}

/**
 * Walks a stream forwards, one page in memory at a time: the next page is read
 * only when the consumer has taken every event of the previous one.
 * @throws StreamNotFoundError (from the store) when the stream holds no event.
 */
export async function* walkStream(
  store: EventStore,
  streamName: string,
  options: StreamWalkOptions = {},
): AsyncGenerator<RecordedEvent> {
  for await (const page of walkStreamPages(store, streamName, options)) yield* page;
}

/**
 * `walkStream` a page at a time (each page non-empty, in order): for consumers
 * that handle every event of a page in one go, without an asynchronous step per event.
 * A page that cannot be read whole is handed over one event at a time up to the damaged event.
 * @throws StreamNotFoundError (from the store) when the stream holds no event.
 */
export async function* walkStreamPages(
  store: EventStore,
  streamName: string,
  options: StreamWalkOptions = {},
): AsyncGenerator<readonly RecordedEvent[]> {
  const pageSize = checkedPageSize(options.pageSize);
  let fromRevision = options.fromRevision ?? 0;
  for (;;) {
    let page: RecordedEvent[];
    try {
      page = await store.readStream(streamName, { direction: 'forwards', fromRevision, maxCount: pageSize });
    } catch (error) {
      if (error instanceof TimelineError) throw error;
      // Not the store's own failure: some event of the page is damaged. Hand over those before it, then name it.
      for (;;) {
        let one: RecordedEvent | undefined;
        try {
          [one] = await store.readStream(streamName, { direction: 'forwards', fromRevision, maxCount: 1 });
        } catch (narrowed) {
          if (narrowed instanceof TimelineError) throw narrowed;
          throw new UnreadableStoredEventError({ streamName, revision: fromRevision }, narrowed);
        }
        if (!one) throw error;
        yield [one];
        fromRevision = one.revision + 1;
      }
    }
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    // From the last revision seen, not by counting, so a missing revision cannot make a page re-read or skip events.
    fromRevision = page[page.length - 1].revision + 1;
  }
}

export interface LogWalkOptions {
  /** Events per `readAll` call. Defaults to DEFAULT_PAGE_SIZE. */
  readonly pageSize?: number;
  /** Exclusive start position. Defaults to the start of the log. */
  readonly after?: GlobalPosition;
  readonly filter?: GlobalLogFilter;
}

/** Walks the global log forwards in commit order, one page in memory at a time. */
export async function* walkLog(
  store: EventStore,
  options: LogWalkOptions = {},
): AsyncGenerator<RecordedEvent> {
  for await (const page of walkLogPages(store, options)) yield* page;
}

/** `walkLog` a page at a time (each page non-empty, in order), as `walkStreamPages` does for a stream. */
export async function* walkLogPages(
  store: EventStore,
  options: LogWalkOptions = {},
): AsyncGenerator<readonly RecordedEvent[]> {
  const pageSize = checkedPageSize(options.pageSize);
  let after = options.after;
  for (;;) {
    let page: RecordedEvent[];
    try {
      page = await store.readAll({ after, maxCount: pageSize, filter: options.filter });
    } catch (error) {
      if (error instanceof TimelineError) throw error;
      for (;;) {
        let one: RecordedEvent | undefined;
        try {
          [one] = await store.readAll({ after, maxCount: 1, filter: options.filter });
        } catch (narrowed) {
          if (narrowed instanceof TimelineError) throw narrowed;
          throw new UnreadableStoredEventError({ after: after ?? null }, narrowed);
        }
        if (!one) throw error;
        yield [one];
        after = one.position;
      }
    }
    if (page.length > 0) yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1].position;
  }
}

function checkedPageSize(pageSize: number | undefined): number {
  const size = pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`page size must be a positive integer, got ${size}`);
  return size;
}
