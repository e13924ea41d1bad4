import { Observable } from 'rxjs';
import {
  EventStoreUnavailableError,
  InvalidAppendError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import type {
  AllSubscriptionMessage,
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreDescription,
  EventToAppend,
  GlobalLogFilter,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port';
import { comparePositions, positionOf, type GlobalPosition } from '../global-position';

function matches(event: RecordedEvent, filter: GlobalLogFilter | undefined): boolean {
  if (!filter) return true;
  if (
    filter.streamNamePrefixes &&
    !filter.streamNamePrefixes.some((prefix) => event.streamName.startsWith(prefix))
  ) {
    return false;
  }
  return !filter.eventTypes || filter.eventTypes.includes(event.type);
}

/**
 * An in-process test double of the store port for fast unit tests: one array
 * for the log, positions from one sequence (as the embedded store), expected
 * revisions, catch-up then live subscriptions delivered asynchronously.
 * Tests may inspect and tamper with `log` directly (every read derives from it),
 * see how callers page (`reads`), and break subscriptions (`failSubscriptions`).
 * It does not check event ids for reuse: the real adapters' behaviour is what the
 * contract suite proves; integration tests use the SQLite store.
 */
export class InMemoryEventStore implements EventStore {
  readonly log: RecordedEvent[] = [];
  /** Every read, in order, so tests can assert paging. */
  readonly reads: { readonly kind: 'stream' | 'all'; readonly maxCount: number | undefined }[] = [];
  private readonly drains = new Set<() => void>();
  private readonly failers = new Set<(error: Error) => void>();
  /** The store clock: each event is created one second after the previous one. */
  private clock = Date.parse('2020-06-13T00:00:00.000Z');

  async append(
    streamName: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new InvalidAppendError('an append needs at least one event');
    const stream = this.log.filter((event) => event.streamName === streamName);
    const actual = stream.length === 0 ? 'no_stream' : stream[stream.length - 1].revision;
    const expected = options.expectedRevision ?? 'any';
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      expected === actual;
    if (!holds) throw new WrongExpectedRevisionError(streamName, expected, actual);
    let revision = actual === 'no_stream' ? -1 : actual;
    for (const event of events) {
      revision += 1;
      this.log.push({
        streamName,
        eventId: event.eventId,
        type: event.type,
        revision,
        position: positionOf(this.log.length + 1),
        data: event.data,
        metadata: event.metadata,
        createdAt: new Date((this.clock += 1000)).toISOString(),
      });
    }
    for (const drain of this.drains) queueMicrotask(drain);
    return { nextExpectedRevision: revision, position: this.log[this.log.length - 1].position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.reads.push({ kind: 'stream', maxCount: options.maxCount });
    const stream = this.log.filter((event) => event.streamName === streamName);
    if (stream.length === 0) throw new StreamNotFoundError(streamName);
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision;
    const selected = backwards
      ? stream.filter((event) => from === undefined || event.revision <= from).reverse()
      : stream.filter((event) => from === undefined || event.revision >= from);
    return selected.slice(0, options.maxCount ?? selected.length);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.reads.push({ kind: 'all', maxCount: options.maxCount });
    const result: RecordedEvent[] = [];
    for (let index = this.indexAfter(options.after); index < this.log.length; index += 1) {
      if (options.maxCount !== undefined && result.length >= options.maxCount) break;
      if (matches(this.log[index], options.filter)) result.push(this.log[index]);
    }
    return result;
  }

  /** How many times `readAll` was called. */
  get readAllCalls(): number {
    return this.reads.filter((read) => read.kind === 'all').length;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<AllSubscriptionMessage> {
    return new Observable<AllSubscriptionMessage>((subscriber) => {
      let next = this.indexAfter(options.after);
      let caughtUp = false;
      const drain = (): void => {
        while (next < this.log.length && !subscriber.closed) {
          const event = this.log[next];
          next += 1;
          if (matches(event, options.filter)) subscriber.next({ kind: 'event', event });
        }
        if (!caughtUp && !subscriber.closed) {
          caughtUp = true;
          const head = this.log.length === 0 ? null : this.log[this.log.length - 1].position;
          subscriber.next({ kind: 'caught-up', position: head ?? options.after ?? null });
        }
      };
      const fail = (error: Error): void => subscriber.error(error);
      this.drains.add(drain);
      this.failers.add(fail);
      queueMicrotask(drain);
      return () => {
        this.drains.delete(drain);
        this.failers.delete(fail);
      };
    });
  }

  /** Errors every open subscription, as a store that went away would. */
  failSubscriptions(reason = 'connection lost'): void {
    for (const fail of [...this.failers]) fail(new EventStoreUnavailableError(reason));
  }

  get subscriberCount(): number {
    return this.drains.size;
  }

  async describe(): Promise<EventStoreDescription> {
    const head = this.log.length === 0 ? null : this.log[this.log.length - 1].position;
    return { kind: 'sqlite', location: ':memory:', headPosition: head };
  }

  async close(): Promise<void> {
    this.drains.clear();
    this.failers.clear();
  }

  private indexAfter(after: GlobalPosition | undefined): number {
    if (!after) return 0;
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (comparePositions(this.log[middle].position, after) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
