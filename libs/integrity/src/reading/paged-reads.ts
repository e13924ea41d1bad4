import type { EventStore, GlobalLogFilter, GlobalPosition, RecordedEvent } from '@timeline/event-store';

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
  const pageSize = checkedPageSize(options.pageSize);
  let fromRevision = options.fromRevision ?? 0;
  for (;;) {
    const page = await store.readStream(streamName, {
      direction: 'forwards',
      fromRevision,
      maxCount: pageSize,
    });
    for (const event of page) yield event;
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
  const pageSize = checkedPageSize(options.pageSize);
  let after = options.after;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize, filter: options.filter });
    for (const event of page) yield event;
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
