import { Observable, Subject } from 'rxjs';
import {
  InvalidAppendError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  isAfter,
  positionOf,
  type AllSubscriptionMessage,
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type EventStoreDescription,
  type EventToAppend,
  type GlobalLogFilter,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
} from '@timeline/event-store';

/**
 * A test double of the store port for unit tests of this library: one array,
 * revisions and positions as the port defines them. It records every read so
 * tests can assert how callers page through it. (The real adapters are tested
 * by the store's contract suite; integration tests here use the SQLite one.)
 */
export class InMemoryEventStore implements EventStore {
  readonly log: RecordedEvent[] = [];
  readonly reads: { readonly kind: 'stream' | 'all'; readonly maxCount: number | undefined }[] = [];
  private readonly live = new Subject<RecordedEvent>();
  private clock = Date.parse('2020-06-13T00:00:00.000Z');

  async append(
    streamName: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new InvalidAppendError('empty batch');
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
      const recorded: RecordedEvent = {
        streamName,
        eventId: event.eventId,
        type: event.type,
        revision,
        position: positionOf(this.log.length + 1),
        data: event.data,
        metadata: event.metadata,
        createdAt: new Date((this.clock += 1000)).toISOString(),
      };
      this.log.push(recorded);
      this.live.next(recorded);
    }
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
    const selected = this.log.filter(
      (event) => isAfter(event.position, options.after) && matches(event, options.filter),
    );
    return selected.slice(0, options.maxCount ?? selected.length);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<AllSubscriptionMessage> {
    return new Observable<AllSubscriptionMessage>((subscriber) => {
      let last = options.after ?? null;
      for (const event of this.log) {
        if (isAfter(event.position, last) && matches(event, options.filter)) {
          subscriber.next({ kind: 'event', event });
          last = event.position;
        }
      }
      subscriber.next({ kind: 'caught-up', position: last });
      const subscription = this.live.subscribe((event) => {
        if (matches(event, options.filter)) subscriber.next({ kind: 'event', event });
      });
      return () => subscription.unsubscribe();
    });
  }

  async describe(): Promise<EventStoreDescription> {
    const head = this.log.length === 0 ? null : this.log[this.log.length - 1].position;
    return { kind: 'sqlite', location: ':memory:', headPosition: head };
  }

  async close(): Promise<void> {
    this.live.complete();
  }
}

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
