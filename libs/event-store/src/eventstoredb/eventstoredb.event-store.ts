import { Observable } from 'rxjs';
import {
  AccessDeniedError,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  NotLeaderError,
  START,
  eventTypeFilter,
  jsonEvent,
  streamNameFilter,
  type EventType,
  type Position,
  type RecordedEvent as ClientRecordedEvent,
  type ResolvedEvent,
  type StreamSubscription,
} from '@eventstore/db-client';
import type { JsonObject } from '@timeline/kernel';
import type {
  AllSubscriptionMessage,
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreDescription,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../event-store.port';
import {
  DuplicateEventIdError,
  EventStoreError,
  EventStoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import { comparePositions, isAfter, type GlobalPosition } from '../global-position';
import { prepareAppend, sameContent } from './eventstoredb.append-validation';
import { CallDeadlineError, CallPolicy, type Attempt } from './eventstoredb.call-policy';
import {
  ClientInternals,
  isDiscoveryFailure,
  type FilteredReadRequest,
} from './eventstoredb.client-internals';
import {
  isTransient,
  isTransientForSubscription,
  refusesFilters,
  toStoreError,
} from './eventstoredb.error-mapping';
import { EventIdCache } from './eventstoredb.event-id-cache';
import { exactStreamFilter, planFilter, type FilterPlan } from './eventstoredb.filter';
import {
  resolveEventStoreDbOptions,
  type EventStoreDbOptions,
  type ResolvedEventStoreDbOptions,
} from './eventstoredb.options';

/** Stream reads come from the index, which stores no commit position: the server sends 2^64-1 (u64 -1) then. */
const UNKNOWN_POSITION = (1n << 64n) - 1n;

/** A read asked for something no store can answer: a negative or fractional revision or count. */
export class InvalidReadError extends EventStoreError {
  readonly code = 'event-store.invalid-read';
  readonly category = 'invalid-input' as const;

  constructor(reason: string) {
    super(`Invalid read: ${reason}`, { reason });
  }
}

/** An event read from the server that this system cannot have written: not a JSON object. */
export class UnreadableEventError extends EventStoreError {
  readonly code = 'event-store.unreadable-event';
  readonly category = 'illegal-state' as const;

  constructor(streamName: string, eventId: string, reason: string) {
    super(`Event ${eventId} of stream ${streamName} cannot be read as a JSON event: ${reason}`, {
      streamName,
      eventId,
      reason,
    });
  }
}

/**
 * The event store port over EventStoreDB/KurrentDB (gRPC, @eventstore/db-client 6).
 *
 * - Data and the port's metadata are stored as JSON (`application/json`): the
 *   data as the event's data, the metadata as its custom metadata.
 * - Every append sends its expected revision (`any` included), so a resend is an
 *   idempotent retry on the server: it returns the original revision and position.
 * - EventStoreDB recognises a retry by event id alone. A reused id in another
 *   stream or at another revision is refused from an {@link EventIdCache} before
 *   sending. A batch that looks like a retry — ids already seen in its stream, or
 *   a server answer whose position is not beyond the head already seen (a fresh
 *   write always lands beyond it) — is read back and compared, so other content
 *   under a reused id is a DuplicateEventIdError; see `duplicateEventIdCheck`.
 * - `$all` never yields system events: every read and subscription carries a
 *   server-side filter (see {@link planFilter}) and the port's whole filter on top;
 *   a server that refuses filters gets unfiltered requests and the adapter filters alone.
 * - `$all` reads start at a position inclusively on the server; the adapter drops
 *   what is not after the port's exclusive `after`. Subscriptions never deliver an
 *   event at or before the last one delivered, whatever a (re)subscription replays.
 * - The `caught-up` marker does not wait for the server's CaughtUp message (sent
 *   since 23.10 only): before subscribing, the adapter reads the position of the last
 *   event the subscription's filter accepts, and marks caught-up once it has
 *   delivered (or passed, by a checkpoint) that position — or on the server's
 *   CaughtUp, whichever comes first, after the events the client has buffered.
 * - A dropped subscription resubscribes after the last event delivered or checkpoint
 *   passed, with exponential backoff bounded by `resubscribe`; a permanent failure
 *   (access denied) or too many attempts error the observable.
 * - Positions are EventStoreDB's (commit, prepare) pair, unchanged. Stream reads of
 *   servers before 24.x carry no commit position; an event that committed itself (every
 *   gRPC append) has it equal to its prepare position, any other is looked up in `$all`.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly idCache: EventIdCache;
  private readonly calls: CallPolicy;
  /** Restart each live subscription on the new leader: a demoted node would go on serving it, behind. */
  private readonly leaderWatchers = new Set<() => void>();
  /** The leader the last NotLeader answer named. */
  private knownLeader: string | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly subscriptions = new Set<() => void>();
  /** The last `any` / `stream_exists` append of each stream still running (`afterEarlierAtHead`). */
  private readonly atHeadQueues = new Map<string, Promise<void>>();
  /** The highest `$all` position this adapter knows to be committed; a fresh write always lands beyond it. */
  private observedHead: GlobalPosition | null = null;
  /** Cleared, for good, the first time the server refuses a filter: the adapter then filters alone. */
  private serverFilters = true;
  private closing: Promise<void> | null = null;

  private constructor(
    private client: EventStoreDBClient,
    private readonly options: ResolvedEventStoreDbOptions,
  ) {
    this.idCache = new EventIdCache(options.eventIdCacheSize);
    this.calls = new CallPolicy({ deadlineMs: options.deadlineMs, ...options.retry });
  }

  /**
   * Validates the options, connects, and learns the head of `$all`, so that a
   * retry of a write committed before this process started is recognised.
   * @throws EventStoreDbConfigurationError for unusable options.
   * @throws EventStoreUnavailableError when no node answers.
   */
  static async open(options: EventStoreDbOptions): Promise<EventStoreDbEventStore> {
    const resolved = resolveEventStoreDbOptions(options);
    const store = new EventStoreDbEventStore(
      EventStoreDBClient.connectionString(resolved.connectionString),
      resolved,
    );
    try {
      // Any record will do, system ones included: only its position matters. Read to the
      // end rather than leave the loop early: a stream left unread is never finished, and
      // the client's dispose() waits for every stream to finish.
      let last: Position | undefined;
      await store.request(
        'read the head of $all',
        async ({ signal }) => {
          const read = store.client.readAll({
            direction: BACKWARDS,
            fromPosition: END,
            maxCount: 1,
            ...store.callOptions(),
          });
          cancelOnAbort(signal, read);
          for await (const resolved of read) last = resolved.event?.position;
        },
        {},
        (error) => error as Error,
      );
      if (last) store.observe(last);
    } catch (error) {
      // Without the head, retries of earlier writes are still caught by the id cache
      // and by 'every-append'; only an unreachable or refusing node stops the start.
      if (isTransient(error) || error instanceof AccessDeniedError || !(error instanceof Error)) {
        await store.client.dispose();
        throw toStoreError(error, { operation: 'read the head of $all' });
      }
    }
    return store;
  }

  append(
    streamName: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    let prepared: EventToAppend[];
    let knownRetry: boolean;
    try {
      this.assertOpen(`append to ${String(streamName)}`);
      prepared = prepareAppend(streamName, events, expected);
      knownRetry = this.idCache.assertNoConflict(
        streamName,
        prepared.map((event) => event.eventId),
        expected,
      );
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.track(
      expected === 'any' || expected === 'stream_exists'
        ? this.afterEarlierAtHead(streamName, () => this.appendAtHead(streamName, prepared, expected))
        : this.appendExact(streamName, prepared, expected, expected, knownRetry),
    );
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen(`read ${streamName}`);
    const direction = options.direction ?? 'forwards';
    const raw = await this.readRawStream(streamName, {
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      fromRevision:
        options.fromRevision === undefined
          ? direction === 'forwards'
            ? START
            : END
          : BigInt(nonNegative('fromRevision', options.fromRevision)),
      maxCount:
        options.maxCount === undefined ? Number.MAX_SAFE_INTEGER : nonNegative('maxCount', options.maxCount),
    });
    const positions = await this.positionsOf(streamName, raw);
    return raw.map((event, index) => this.toRecordedEvent(event, positions[index]));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen('read $all');
    const plan = planFilter(options.filter);
    const maxCount = options.maxCount === undefined ? Infinity : nonNegative('maxCount', options.maxCount);
    const result: RecordedEvent[] = [];
    if (maxCount === 0) return result;
    let after = options.after;
    // One request unless the port's filter has a second dimension the server could not apply.
    const pageSize = Number.isFinite(maxCount) ? Math.min(maxCount + 1, 4096) : Number.MAX_SAFE_INTEGER;
    for (;;) {
      const page = await this.readAllPlanned('read $all', {
        from: after ?? 'start',
        direction: 'forwards',
        maxCount: pageSize,
        filter: plan.server,
      });
      for (const resolved of page) {
        const event = resolved.event;
        if (!event?.position) continue;
        // The server's fromPosition is inclusive; the port's `after` is not.
        if (!isAfter(event.position, after)) continue;
        after = event.position;
        if (!plan.accepts({ type: event.type, streamName: event.streamId })) continue;
        result.push(this.toRecordedEvent(event, event.position));
        if (result.length >= maxCount) return result;
      }
      if (page.length < pageSize) return result;
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<AllSubscriptionMessage> {
    return new Observable<AllSubscriptionMessage>((subscriber) => {
      const plan = planFilter(options.filter);
      const { initialDelayMs, maxDelayMs, maxAttempts } = this.options.resubscribe;
      /** Everything up to here has been delivered or deliberately skipped: the exclusive point to resume after. */
      let resumeAfter: GlobalPosition | undefined = options.after;
      let lastDelivered: GlobalPosition | undefined;
      /** The last matching event when the subscription started: the end of its backlog. */
      let backlogEnd: GlobalPosition | null | undefined;
      let caughtUp = false;
      let serverCaughtUpPending = false;
      let pendingCheckpoint: GlobalPosition | undefined;
      let failures = 0;
      let generation = 0;
      let current: StreamSubscription | undefined;
      let timer: NodeJS.Timeout | undefined;
      /** Set-up deadline: the server confirms a subscription before anything else. */
      let confirmation: NodeJS.Timeout | undefined;
      let stopped = false;

      const markCaughtUp = () => {
        if (caughtUp) return;
        caughtUp = true;
        subscriber.next({ kind: 'caught-up', position: lastDelivered ?? options.after ?? null });
      };
      const checkBacklog = () => {
        if (caughtUp || backlogEnd === undefined) return;
        if (
          backlogEnd === null ||
          (resumeAfter !== undefined && comparePositions(resumeAfter, backlogEnd) >= 0)
        ) {
          markCaughtUp();
        }
      };
      const advance = (position: GlobalPosition) => {
        if (isAfter(position, resumeAfter)) resumeAfter = position;
      };
      /** The client hands over messages in order but may still hold earlier events in its buffer. */
      const drained = (subscription: StreamSubscription) => subscription.readableLength === 0;
      const settle = (subscription: StreamSubscription) => {
        if (!drained(subscription)) return;
        if (pendingCheckpoint) {
          advance(pendingCheckpoint);
          pendingCheckpoint = undefined;
        }
        if (serverCaughtUpPending) {
          serverCaughtUpPending = false;
          markCaughtUp();
        }
        checkBacklog();
      };

      /** Hands on one event read or pushed by the server; false once the subscription has failed. */
      const deliver = (event: ClientRecordedEvent | undefined): boolean => {
        if (!event?.position) return true;
        // Never a duplicate, whatever the server, a page boundary or a resubscription replays.
        if (!isAfter(event.position, resumeAfter)) return true;
        advance(event.position);
        if (!plan.accepts({ type: event.type, streamName: event.streamId })) return true;
        let recorded: RecordedEvent;
        try {
          recorded = this.toRecordedEvent(event, event.position);
        } catch (error) {
          fail(error);
          return false;
        }
        lastDelivered = event.position;
        subscriber.next({ kind: 'event', event: recorded });
        return true;
      };
      const fail = (error: unknown) => {
        stopped = true;
        clearTimeout(confirmation);
        this.subscriptions.delete(complete);
        this.leaderWatchers.delete(followLeader);
        subscriber.error(error);
      };
      /** Resubscribes on the new leader after the last event delivered: no gap, no duplicate. */
      const followLeader = () => {
        const subscription = current;
        if (stopped || !subscription) return;
        generation++;
        current = undefined;
        clearTimeout(confirmation);
        void subscription.unsubscribe().catch(() => undefined);
        void start();
      };
      const retryLater = (error: unknown) => {
        if (stopped) return;
        if (!isTransientForSubscription(error))
          return fail(toStoreError(error, { operation: 'subscribe to $all' }));
        failures++;
        if (failures > maxAttempts) {
          return fail(
            new EventStoreUnavailableError(
              `the $all subscription could not be resumed after ${maxAttempts} attempts`,
              error,
            ),
          );
        }
        const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** (failures - 1));
        timer = setTimeout(() => void start(), delay);
      };

      const start = async () => {
        if (stopped) return;
        const mine = ++generation;
        try {
          if (backlogEnd === undefined) {
            backlogEnd = await this.lastAccepted(plan, 'read the end of the $all backlog');
            if (backlogEnd !== null && options.after && comparePositions(backlogEnd, options.after) <= 0) {
              backlogEnd = null;
            }
          }
          if (stopped || mine !== generation) return;
          checkBacklog();
          // The backlog in pages, each handed on in one go as the embedded store hands its pages;
          // the live subscription starts after the last event of the short page that ends it.
          for (;;) {
            // A read from a position starts at that position, already delivered: one more to read.
            const maxCount = this.options.catchUpPageSize + (resumeAfter === undefined ? 0 : 1);
            const page = await this.readAllPlanned('read the $all backlog', {
              from: resumeAfter ?? 'start',
              direction: 'forwards',
              maxCount,
              filter: plan.server,
            });
            if (stopped || mine !== generation) return;
            for (const resolved of page) {
              if (stopped || mine !== generation) return;
              if (!deliver(resolved.event)) return;
            }
            checkBacklog();
            if (page.length < maxCount) break;
          }
          const serverFilter = plan.server;
          const checkpointReached = (_subscription: unknown, position: Position) => {
            if (mine !== generation) return;
            pendingCheckpoint = position;
            if (current) settle(current);
          };
          const filter = !this.serverFilters
            ? undefined
            : serverFilter.on === 'event-type'
              ? 'regex' in serverFilter
                ? eventTypeFilter({ regex: serverFilter.regex, checkpointReached })
                : eventTypeFilter({ prefixes: [...serverFilter.prefixes], checkpointReached })
              : 'regex' in serverFilter
                ? streamNameFilter({ regex: serverFilter.regex, checkpointReached })
                : streamNameFilter({ prefixes: [...serverFilter.prefixes], checkpointReached });
          const subscription = this.client.subscribeToAll({
            fromPosition: resumeAfter ?? START,
            filter,
            requiresLeader: this.options.requireLeader,
          });
          current = subscription;
          clearTimeout(confirmation);
          confirmation = setTimeout(
            () => dropped(new CallDeadlineError('subscribe to $all', this.options.deadlineMs)),
            this.options.deadlineMs,
          );
          subscription.on('confirmation', () => {
            if (mine !== generation) return;
            clearTimeout(confirmation);
            failures = 0;
          });
          subscription.on('data', (resolved) => {
            if (mine !== generation || stopped) return;
            if (deliver(resolved.event)) settle(subscription);
          });
          subscription.on('caughtUp', () => {
            if (mine !== generation) return;
            serverCaughtUpPending = true;
            settle(subscription);
          });
          const dropped = (error: unknown) => {
            if (mine !== generation || stopped) return;
            generation++;
            current = undefined;
            clearTimeout(confirmation);
            void subscription.unsubscribe().catch(() => undefined);
            if (filter && refusesFilters(error)) {
              this.serverFilters = false;
              return void start();
            }
            retryLater(error);
          };
          subscription.on('error', dropped);
          subscription.on('end', () =>
            dropped(new EventStoreUnavailableError('the server ended the $all subscription')),
          );
        } catch (error) {
          if (mine === generation) retryLater(error);
        }
      };

      const complete = () => {
        if (stopped) return;
        teardown();
        subscriber.complete();
      };
      const teardown = () => {
        stopped = true;
        generation++;
        clearTimeout(timer);
        clearTimeout(confirmation);
        this.subscriptions.delete(complete);
        this.leaderWatchers.delete(followLeader);
        const subscription = current;
        current = undefined;
        if (subscription) void subscription.unsubscribe().catch(() => undefined);
      };

      if (this.closing) {
        subscriber.error(new EventStoreUnavailableError('the event store is closed'));
        return undefined;
      }
      this.subscriptions.add(complete);
      this.leaderWatchers.add(followLeader);
      void start();
      return teardown;
    });
  }

  async describe(): Promise<EventStoreDescription> {
    this.assertOpen('describe the store');
    const [endpoint, head] = await Promise.all([
      this.request('reach the node', () => ClientInternals.endpoint(this.client)),
      this.lastAccepted(planFilter(undefined), 'read the head of $all'),
    ]);
    if (head) this.observe(head);
    return { kind: 'eventstoredb', location: endpoint, headPosition: head && toGlobal(head) };
  }

  /**
   * Ends subscriptions, gives appends in flight the grace period to finish (retries
   * included), then abandons whatever is still running — those calls reject with
   * EventStoreUnavailableError — and releases the connection. Settles within the grace
   * period whatever the nodes do: a stuck node holds neither an append nor close().
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const graceEnds = Date.now() + this.options.closeGraceMs;
      for (const complete of [...this.subscriptions]) complete();
      await within(Promise.allSettled([...this.inFlight]), this.options.closeGraceMs);
      this.calls.abandonAll();
      // dispose() waits for every cancelled call to end; a node that never ends one must not hold close().
      await within(
        this.client.dispose().catch(() => undefined),
        Math.max(0, graceEnds - Date.now()),
      );
    })();
    return this.closing;
  }

  // ---- appends ----

  /**
   * Runs this instance's `any` and `stream_exists` appends to one stream one after
   * another, in the order they were made: at the same time they would only conflict
   * with each other, each conflict costing a re-read of the whole stream (twenty
   * concurrent appends took some two hundred round trips instead of forty). Other
   * writers are still met by `appendAtHead`'s re-read.
   */
  private afterEarlierAtHead<T>(streamName: string, append: () => Promise<T>): Promise<T> {
    const earlier = this.atHeadQueues.get(streamName) ?? Promise.resolve();
    const result = earlier.then(append);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.atHeadQueues.set(streamName, settled);
    void settled.then(() => {
      if (this.atHeadQueues.get(streamName) === settled) this.atHeadQueues.delete(streamName);
    });
    return result;
  }

  /**
   * `any` and `stream_exists`, duplicate-safe by design: EventStoreDB recognises a retry
   * under these only while the ids are in its bounded cache, and writes the events again
   * after. So the adapter reads the stream: a batch already in it is the original append
   * (its result is returned, nothing is written); otherwise the batch is appended at the
   * exact revision just read, re-read on a conflict with another writer. One stream read
   * per append: the api itself always appends with an exact revision (README.md,
   * "Adapter behaviour worth knowing").
   */
  private async appendAtHead(
    streamName: string,
    prepared: EventToAppend[],
    expected: 'any' | 'stream_exists',
  ): Promise<AppendResult> {
    const started = Date.now();
    for (;;) {
      const stored = await this.readWholeStream(streamName);
      const original = await this.findBatchResult(streamName, stored, prepared);
      if (original) return original;
      if (stored.length === 0 && expected === 'stream_exists') {
        throw new WrongExpectedRevisionError(streamName, expected, 'no_stream');
      }
      const head = stored.length === 0 ? 'no_stream' : Number(stored[stored.length - 1].revision);
      const knownRetry = this.idCache
        .revisionsIn(
          streamName,
          prepared.map((event) => event.eventId),
        )
        .some((revision) => revision !== undefined);
      try {
        return await this.appendExact(streamName, prepared, head, expected, knownRetry);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (Date.now() - started > this.options.retry.budgetMs) {
          throw new EventStoreUnavailableError(
            `append to ${streamName}: other writers kept appending for ${this.options.retry.budgetMs} ms`,
            error,
          );
        }
      }
    }
  }

  /** The original result of a batch already stored in `stored`, or null when none of its ids is there. */
  private async findBatchResult(
    streamName: string,
    stored: readonly ClientRecordedEvent[],
    prepared: readonly EventToAppend[],
  ): Promise<AppendResult | null> {
    const ids = new Set(prepared.map((event) => event.eventId));
    const first = stored.findIndex((event) => ids.has(event.id));
    if (first < 0) return null;
    prepared.forEach((event, index) => {
      const found = stored[first + index];
      if (found?.id !== event.eventId) {
        throw new DuplicateEventIdError(
          stored[first].id,
          streamName,
          `it is stored at revision ${String(stored[first].revision)} in another batch`,
        );
      }
      if (!sameContent({ type: found.type, data: found.data, metadata: found.metadata ?? {} }, event)) {
        throw new DuplicateEventIdError(
          event.eventId,
          streamName,
          `it is stored at revision ${String(found.revision)} with other type, data or metadata`,
        );
      }
    });
    const last = stored[first + prepared.length - 1];
    const [position] = await this.positionsOf(streamName, [last]);
    prepared.forEach((event, index) =>
      this.idCache.remember(event.eventId, streamName, Number(stored[first + index].revision)),
    );
    this.observe(position);
    return { nextExpectedRevision: Number(last.revision), position };
  }

  private async readWholeStream(streamName: string): Promise<ClientRecordedEvent[]> {
    try {
      return await this.readRawStream(streamName, {
        direction: FORWARDS,
        fromRevision: START,
        maxCount: Number.MAX_SAFE_INTEGER,
      });
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  /**
   * Sends the batch with an exact expected revision (or `no_stream`), so that every
   * resend — after a lost leader, an election, a deadline — is idempotent on the server.
   */
  private async appendExact(
    streamName: string,
    prepared: EventToAppend[],
    sent: number | 'no_stream',
    expected: ExpectedRevision,
    /** Whether the event-id cache knows ids of this batch in this stream (checked just before). */
    knownRetry: boolean,
  ): Promise<AppendResult> {
    const headBefore = this.observedHead;
    const events = prepared.map((event) =>
      jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata: event.metadata }),
    );
    const result = await this.request(
      `append to ${streamName}`,
      () =>
        this.client.appendToStream(streamName, events, {
          expectedRevision: sent === 'no_stream' ? NO_STREAM : BigInt(sent),
          ...this.callOptions(),
        }),
      { streamName, expected },
    );
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    const answered: GlobalPosition | null = result.position ? toGlobal(result.position) : null;
    // A fresh write always lands beyond every position already seen; an answer that does
    // not, or ids already seen in this stream, mean the server took the batch for a retry.
    const suspectedRetry =
      knownRetry ||
      this.options.duplicateEventIdCheck === 'every-append' ||
      answered === null ||
      (headBefore !== null && comparePositions(answered, headBefore) <= 0);
    const position =
      suspectedRetry || answered === null
        ? await this.verifyStored(streamName, prepared, nextExpectedRevision)
        : answered;
    const firstRevision = nextExpectedRevision - prepared.length + 1;
    prepared.forEach((event, index) =>
      this.idCache.remember(event.eventId, streamName, firstRevision + index),
    );
    this.observe(position);
    return { nextExpectedRevision, position };
  }

  /**
   * Reads back the events the server says hold this batch and compares ids and
   * content: the server accepted them as a retry by id alone.
   * @returns the position of the batch's last event.
   */
  private async verifyStored(
    streamName: string,
    prepared: EventToAppend[],
    lastRevision: number,
  ): Promise<GlobalPosition> {
    const firstRevision = lastRevision - prepared.length + 1;
    const stored = await this.readRawStream(streamName, {
      direction: FORWARDS,
      fromRevision: BigInt(Math.max(0, firstRevision)),
      maxCount: prepared.length,
    });
    prepared.forEach((event, index) => {
      const found = stored[index];
      if (found?.id !== event.eventId) {
        throw new DuplicateEventIdError(
          event.eventId,
          streamName,
          `the server took the batch for a retry, but revisions ${firstRevision}–${lastRevision} hold other events`,
        );
      }
      if (!sameContent({ type: found.type, data: found.data, metadata: found.metadata ?? {} }, event)) {
        throw new DuplicateEventIdError(
          event.eventId,
          streamName,
          `it is stored at revision ${firstRevision + index} with other type, data or metadata`,
        );
      }
    });
    const [position] = await this.positionsOf(streamName, stored.slice(-1));
    return position;
  }

  // ---- reads ----

  private async readRawStream(
    streamName: string,
    options: {
      direction: typeof FORWARDS | typeof BACKWARDS;
      fromRevision: bigint | typeof START | typeof END;
      maxCount: number;
    },
  ): Promise<ClientRecordedEvent[]> {
    return this.request(
      `read ${streamName}`,
      async ({ signal }) => {
        const read: ClientRecordedEvent[] = [];
        const stream = this.client.readStream(streamName, { ...options, ...this.callOptions() });
        cancelOnAbort(signal, stream);
        for await (const resolved of stream) {
          if (resolved.event) read.push(resolved.event);
        }
        return read;
      },
      { streamName },
    );
  }

  /**
   * The `$all` positions of events read from a stream. Stream reads of
   * EventStoreDB before 24.x (and of events written in an explicit transaction)
   * carry no commit position; an event that committed itself, which is every
   * event appended over gRPC, has its commit at its prepare position. The rest
   * are looked up in `$all`.
   */
  private async positionsOf(
    streamName: string,
    events: readonly ClientRecordedEvent[],
  ): Promise<GlobalPosition[]> {
    const positions = events.map((event): GlobalPosition | null => {
      const position = event.position;
      if (!position || position.prepare === UNKNOWN_POSITION) return null;
      if (position.commit === UNKNOWN_POSITION)
        return { commit: position.prepare, prepare: position.prepare };
      return toGlobal(position);
    });
    if (positions.every((position) => position !== null)) return positions as GlobalPosition[];
    const missing = new Set(events.filter((_, index) => positions[index] === null).map((event) => event.id));
    const found = new Map<string, GlobalPosition>();
    for (const resolved of await this.readAllPlanned(`locate events of ${streamName} in $all`, {
      from: 'start',
      direction: 'forwards',
      maxCount: Number.MAX_SAFE_INTEGER,
      filter: exactStreamFilter(streamName),
    })) {
      const event = resolved.event;
      if (event?.position && missing.has(event.id)) found.set(event.id, toGlobal(event.position));
    }
    return events.map((event, index) => {
      const position = positions[index] ?? found.get(event.id);
      if (!position) {
        throw new EventStoreUnavailableError(
          `event ${event.id} of ${streamName} is not in $all (scavenged or not yet indexed)`,
        );
      }
      return position;
    });
  }

  private toRecordedEvent(event: ClientRecordedEvent, position: GlobalPosition): RecordedEvent {
    const observed = toGlobal(position);
    this.observe(observed);
    const recorded: RecordedEvent = {
      streamName: event.streamId,
      eventId: event.id,
      type: event.type,
      revision: Number(event.revision),
      position: observed,
      data: asJsonObject(event, event.data, 'data'),
      metadata: event.metadata === undefined ? {} : asJsonObject(event, event.metadata, 'metadata'),
      createdAt: event.created.toISOString(),
    };
    // What this instance reads (its projections' subscriptions included) guards its appends too.
    this.idCache.remember(recorded.eventId, recorded.streamName, recorded.revision);
    return recorded;
  }

  /** Reads `$all`, filtered by the server while it accepts filters on reads, by the adapter after. */
  private readAllPlanned(
    operation: string,
    request: FilteredReadRequest,
  ): Promise<ResolvedEvent<EventType>[]> {
    return this.request(operation, async ({ signal: cancelled }) => {
      const call = {
        deadlineMs: this.options.deadlineMs,
        requiresLeader: this.options.requireLeader,
        cancelled,
      };
      if (this.serverFilters && request.filter !== null) {
        try {
          return await ClientInternals.readAllFiltered(this.client, request, call);
        } catch (error) {
          if (!refusesFilters(error)) throw error;
          this.serverFilters = false;
        }
      }
      return ClientInternals.readAllFiltered(this.client, { ...request, filter: null }, call);
    });
  }

  /** The position of the last event of `$all` the plan accepts, or null when there is none. */
  private async lastAccepted(plan: FilterPlan, operation: string): Promise<GlobalPosition | null> {
    const pageSize = 64;
    let from: FilteredReadRequest['from'] = 'end';
    for (;;) {
      const page = await this.readAllPlanned(operation, {
        from,
        direction: 'backwards',
        maxCount: pageSize,
        filter: plan.server,
      });
      for (const { event } of page) {
        if (!event?.position) continue;
        if (plan.accepts({ type: event.type, streamName: event.streamId })) return toGlobal(event.position);
        from = event.position;
      }
      if (page.length < pageSize) return null;
    }
  }

  // ---- plumbing ----

  private observe(position: GlobalPosition): void {
    if (isAfter(position, this.observedHead)) this.observedHead = toGlobal(position);
  }

  private assertOpen(operation: string): void {
    if (this.closing) throw new EventStoreUnavailableError(`the event store is closed (${operation})`);
  }

  private track<T>(task: Promise<T>): Promise<T> {
    this.inFlight.add(task);
    const forget = () => this.inFlight.delete(task);
    task.then(forget, forget);
    return task;
  }

  /** The per-call settings of every request: its deadline, and the leader requirement. */
  private callOptions(): { deadline: number; requiresLeader: boolean } {
    return { deadline: this.options.deadlineMs, requiresLeader: this.options.requireLeader };
  }

  /**
   * Runs a request under the call policy: a deadline per attempt, transient failures
   * resent within the retry budget, the final error translated to the port's.
   */
  private request<T>(
    operation: string,
    attempt: Attempt<T>,
    context: { streamName?: string; expected?: ExpectedRevision } = {},
    translate: (error: unknown) => Error = (error) => toStoreError(error, { operation, ...context }),
  ): Promise<T> {
    let used = this.client;
    const tracked: Attempt<T> = (call) => {
      used = this.client;
      return attempt(call);
    };
    return this.calls.run(operation, tracked, {
      retryable: isTransient,
      translate,
      onFailure: (error) => {
        // The client keeps a failed discovery's answer for good: a fresh client discovers again.
        if (isDiscoveryFailure(error) && used === this.client) this.renewClient();
        if (error instanceof NotLeaderError)
          this.leaderChanged(`${error.leader.address}:${error.leader.port}`);
        // A node that takes calls and never answers keeps the client: drop it, rediscover the leader.
        if (error instanceof CallDeadlineError)
          void ClientInternals.reconnect(this.client).catch(() => undefined);
      },
    });
  }

  /** Replaces the client; the old one is disposed (bounded), which drops its subscriptions to resume on the new one. */
  private renewClient(): void {
    const retired = this.client;
    this.client = EventStoreDBClient.connectionString(this.options.connectionString);
    void within(
      retired.dispose().catch(() => undefined),
      this.options.closeGraceMs,
    );
  }

  /** The client has switched to the leader a NotLeader answer named; subscriptions follow it. */
  private leaderChanged(leader: string): void {
    if (leader === this.knownLeader) return;
    this.knownLeader = leader;
    for (const follow of [...this.leaderWatchers]) follow();
  }
}

/** Settles when `task` does or after `ms`, whichever comes first. */
async function within(task: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([task, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function toGlobal(position: { readonly commit: bigint; readonly prepare: bigint }): GlobalPosition {
  return { commit: position.commit, prepare: position.prepare };
}

function nonNegative(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidReadError(`${name} must be an integer ≥ 0, got ${String(value)}`);
  }
  return value;
}

function asJsonObject(
  event: ClientRecordedEvent<EventType>,
  value: unknown,
  part: 'data' | 'metadata',
): JsonObject {
  if (!event.isJson && part === 'data') {
    throw new UnreadableEventError(event.streamId, event.id, `its content type is not application/json`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new UnreadableEventError(event.streamId, event.id, `its ${part} is not a JSON object`);
  }
  return value as JsonObject;
}

/**
 * Cancels a read stream when its attempt is abandoned (deadline, close). The client cancels a
 * stream only once its channel exists, so when the leader's discovery then fails, so does the
 * cancellation: that failure is the attempt's own, already reported through the call policy, and
 * must not escape as an unhandled rejection, which ends the process
 * (`eventstoredb.abandoned-discovery.int-spec.ts`).
 */
function cancelOnAbort(signal: AbortSignal, stream: { cancel(): Promise<void> }): void {
  signal.addEventListener('abort', () => void stream.cancel().catch(() => undefined), { once: true });
}
