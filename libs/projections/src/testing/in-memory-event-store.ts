import { Observable } from 'rxjs';
import {
  InvalidAppendError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  EventStoreUnavailableError,
  comparePositions,
  positionOf,
  type AllSubscriptionMessage,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventStoreDescription,
  type EventToAppend,
  type GlobalLogFilter,
  type GlobalPosition,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '@timeline/event-store';

function matches(event: RecordedEvent, filter: GlobalLogFilter | undefined): boolean {
  if (!filter) return true;
  if (
    filter.streamNamePrefixes &&
    !filter.streamNamePrefixes.some((prefix) => event.streamName.startsWith(prefix))
  )
    return false;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  return true;
}

/**
 * An in-process fake of the store port for fast projection tests: one sequence
 * for positions (as the embedded store), expected revisions, catch-up then live
 * subscriptions delivered asynchronously, and a way to break subscriptions.
 * Integration tests use the real SQLite store instead.
 */
export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly drains = new Set<() => void>();
  private readonly failers = new Set<(error: Error) => void>();
  /** Counts `readAll` calls, so tests can see rebuild paging. */
  readAllCalls = 0;
  /** Fixed clock for `createdAt`. */
  createdAt = '2020-07-02T09:00:00.000Z';

  async append(
    streamName: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new InvalidAppendError('no events');
    const stream = this.streams.get(streamName) ?? [];
    const actual = stream.length === 0 ? 'no_stream' : stream.length - 1;
    const expected = options.expectedRevision ?? 'any';
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      expected === actual;
    if (!ok) throw new WrongExpectedRevisionError(streamName, expected, actual);
    for (const event of events) {
      const recorded: RecordedEvent = {
        streamName,
        eventId: event.eventId,
        type: event.type,
        revision: stream.length,
        position: positionOf(this.log.length + 1),
        data: event.data,
        metadata: event.metadata,
        createdAt: this.createdAt,
      };
      stream.push(recorded);
      this.log.push(recorded);
    }
    this.streams.set(streamName, stream);
    for (const drain of this.drains) queueMicrotask(drain);
    return { nextExpectedRevision: stream.length - 1, position: this.log[this.log.length - 1].position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamName);
    if (!stream) throw new StreamNotFoundError(streamName);
    const backwards = options.direction === 'backwards';
    let events = backwards ? [...stream].reverse() : [...stream];
    if (options.fromRevision !== undefined) {
      const from = options.fromRevision;
      events = events.filter((event) => (backwards ? event.revision <= from : event.revision >= from));
    }
    return options.maxCount === undefined ? events : events.slice(0, options.maxCount);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.readAllCalls += 1;
    const result: RecordedEvent[] = [];
    for (let index = this.indexAfter(options.after); index < this.log.length; index += 1) {
      if (options.maxCount !== undefined && result.length >= options.maxCount) break;
      if (matches(this.log[index], options.filter)) result.push(this.log[index]);
    }
    return result;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<AllSubscriptionMessage> {
    return new Observable<AllSubscriptionMessage>((subscriber) => {
      let next = this.indexAfter(options.after);
      let caughtUp = false;
      const drain = () => {
        if (subscriber.closed) return;
        while (next < this.log.length && !subscriber.closed) {
          const event = this.log[next];
          next += 1;
          if (matches(event, options.filter)) subscriber.next({ kind: 'event', event });
        }
        if (!caughtUp && !subscriber.closed) {
          caughtUp = true;
          subscriber.next({
            kind: 'caught-up',
            position: this.log.length === 0 ? null : this.log[this.log.length - 1].position,
          });
        }
      };
      const fail = (error: Error) => subscriber.error(error);
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
    return {
      kind: 'sqlite',
      location: ':memory:',
      headPosition: this.log.length === 0 ? null : this.log[this.log.length - 1].position,
    };
  }

  async close(): Promise<void> {
    this.drains.clear();
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
