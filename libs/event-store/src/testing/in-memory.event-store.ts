import { isDeepStrictEqual } from 'node:util';
import { Observable } from 'rxjs';
import { validateAppend } from '../append-validation';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
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
  ExpectedRevision,
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

/** What every connection of one in-memory store shares: the log, its id index, the subscriptions. */
class SharedLog {
  readonly log: RecordedEvent[] = [];
  readonly drains = new Set<() => void>();
  readonly failers = new Set<(error: Error) => void>();
  /** The store clock: each event is created one second after the previous one. */
  clock = Date.parse('2020-06-13T00:00:00.000Z');
  private readonly byId = new Map<string, RecordedEvent>();

  /** The stored event with this id. Rebuilt when a test has changed `log` behind the store's back. */
  find(eventId: string): RecordedEvent | undefined {
    if (
      this.byId.size !== this.log.length ||
      (this.log.length > 0 &&
        this.byId.get(this.log[this.log.length - 1].eventId) !== this.log[this.log.length - 1])
    ) {
      this.byId.clear();
      for (const event of this.log) this.byId.set(event.eventId, event);
    }
    return this.byId.get(eventId);
  }

  push(event: RecordedEvent): void {
    this.log.push(event);
    this.byId.set(event.eventId, event);
  }
}

/**
 * An in-process test double of the store port for fast unit tests: one array
 * for the log, positions from one sequence (as the embedded store), catch-up
 * then live subscriptions delivered asynchronously. It passes the contract
 * suite (in-memory.event-store.spec.ts): expected revisions, idempotent
 * re-appends, reused ids refused, atomic batches, close.
 * Tests may inspect and tamper with `log` directly (every read derives from it),
 * see how callers page (`reads`), and break subscriptions (`failSubscriptions`).
 * `connection()` opens another store over the same data, as a second process would.
 */
export class InMemoryEventStore implements EventStore {
  /** Every read, in order, so tests can assert paging. */
  readonly reads: { readonly kind: 'stream' | 'all'; readonly maxCount: number | undefined }[] = [];
  private closed = false;
  private readonly ownDrains = new Set<() => void>();

  constructor(private readonly shared: SharedLog = new SharedLog()) {}

  /** The log itself: every read derives from it. */
  get log(): RecordedEvent[] {
    return this.shared.log;
  }

  /** Another store over the same data (its own subscriptions and close). */
  connection(): InMemoryEventStore {
    return new InMemoryEventStore(this.shared);
  }

  async append(
    streamName: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    const prepared = validateAppend(streamName, events, expected);
    const stream = this.log.filter((event) => event.streamName === streamName);
    const first = this.shared.find(prepared[0].eventId);
    if (first) return this.alreadyAppended(streamName, prepared, expected, first, stream);
    const actual = stream.length === 0 ? 'no_stream' : stream[stream.length - 1].revision;
    const holds =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      expected === actual;
    if (!holds) throw new WrongExpectedRevisionError(streamName, expected, actual);
    for (const event of prepared) {
      const stored = this.shared.find(event.eventId);
      if (stored) throw duplicate(event.eventId, streamName, stored);
    }
    let revision = actual === 'no_stream' ? -1 : actual;
    for (const event of prepared) {
      revision += 1;
      this.shared.push({
        streamName,
        eventId: event.eventId,
        type: event.type,
        revision,
        position: positionOf(this.log.length + 1),
        data: event.data,
        metadata: event.metadata,
        createdAt: new Date((this.shared.clock += 1000)).toISOString(),
      });
    }
    for (const drain of this.shared.drains) queueMicrotask(drain);
    return { nextExpectedRevision: revision, position: this.log[this.log.length - 1].position };
  }

  /**
   * The first id is stored already: an idempotent retry only if the whole batch
   * sits, unchanged and consecutive, where the expected revision put it (as the adapters decide).
   */
  private alreadyAppended(
    streamName: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
    first: RecordedEvent,
    stream: readonly RecordedEvent[],
  ): AppendResult {
    if (first.streamName !== streamName) throw duplicate(first.eventId, streamName, first);
    const expectedFirst =
      typeof expected === 'number' ? expected + 1 : expected === 'no_stream' ? 0 : first.revision;
    if (first.revision !== expectedFirst) throw duplicate(first.eventId, streamName, first);
    const stored = stream.filter(
      (event) => event.revision >= first.revision && event.revision < first.revision + events.length,
    );
    events.forEach((event, index) => {
      const row = stored[index];
      if (
        row === undefined ||
        row.eventId !== event.eventId ||
        row.type !== event.type ||
        !isDeepStrictEqual(row.data, event.data) ||
        !isDeepStrictEqual(row.metadata, event.metadata)
      ) {
        throw duplicate(event.eventId, streamName, this.shared.find(event.eventId));
      }
    });
    const last = stored[events.length - 1];
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
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
    this.assertOpen();
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
      if (this.closed) {
        subscriber.error(new EventStoreUnavailableError('the store is closed'));
        return undefined;
      }
      const fail = (error: Error): void => subscriber.error(error);
      const end = (): void => subscriber.complete();
      this.shared.drains.add(drain);
      this.shared.failers.add(fail);
      this.ownDrains.add(end);
      queueMicrotask(drain);
      return () => {
        this.shared.drains.delete(drain);
        this.shared.failers.delete(fail);
        this.ownDrains.delete(end);
      };
    });
  }

  /** Errors every open subscription, as a store that went away would. */
  failSubscriptions(reason = 'connection lost'): void {
    for (const fail of [...this.shared.failers]) fail(new EventStoreUnavailableError(reason));
  }

  get subscriberCount(): number {
    return this.shared.drains.size;
  }

  async describe(): Promise<EventStoreDescription> {
    this.assertOpen();
    const head = this.log.length === 0 ? null : this.log[this.log.length - 1].position;
    return { kind: 'sqlite', location: ':memory:', headPosition: head };
  }

  /** Idempotent; subscriptions of this connection complete, as the embedded store's do. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const end of [...this.ownDrains]) end();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('the store is closed');
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

function duplicate(
  eventId: string,
  streamName: string,
  stored: RecordedEvent | undefined,
): DuplicateEventIdError {
  return new DuplicateEventIdError(
    eventId,
    streamName,
    stored
      ? `it is stored in stream ${stored.streamName} at revision ${stored.revision}`
      : 'it is stored already',
  );
}
