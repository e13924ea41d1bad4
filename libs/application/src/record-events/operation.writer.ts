import {
  DuplicateEventIdError,
  formatPosition,
  StreamNotFoundError,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@timeline/event-store';
import type { OperationDecider, OperationEvent, ProposedEvent, Recorder } from '@timeline/domain';
import { operationStreamName } from '@timeline/events';
import {
  sealedEventOf,
  sealEvents,
  toEventToAppend,
  type SealedEvent,
  type UnsealedEvent,
} from '@timeline/integrity';
import { canonicalJson, TimelineError, type JsonObject } from '@timeline/kernel';
import type { Clock } from '../clock/clock';
import type { RecordedEventSummary, RecordEventsResult } from './record-events.request';
import {
  ConcurrencyRetriesExhaustedError,
  IdempotencyConflictError,
  OperationRevisionConflictError,
} from './record-events.errors';
import { idempotencyScopeOf, type RequestIdempotency } from './request-idempotency';
import { snapshotPartsOf, type DecidedStateSnapshots } from '../decided-state/decided-state.snapshots';

/** DI token of the operation decider the write path runs (`operationDecider` of libs/domain). */
export const OPERATION_DECIDER = Symbol('OPERATION_DECIDER');

/** A validated request, ready to decide: each event's id and correlation id settled. */
export interface PreparedRequest {
  readonly operationId: string;
  /** Proposals for the decider; the correlation id goes to the envelope, the rules never read it. */
  readonly events: readonly (ProposedEvent & { readonly correlationId: string })[];
  readonly expectedRevision?: number;
  readonly recorder: Recorder;
  /** The request's `Idempotency-Key` and the hash of its canonical content, if it has a key. */
  readonly idempotency?: RequestIdempotency;
  /** The request's own recording time (`RecordEventsRequest.recordedAt`); without it, the clock's when it is decided. */
  readonly recordedAt?: Date;
}

/** A request stored under an idempotency key: the revisions its events hold. */
interface KeyedRequest {
  readonly requestHash: string;
  readonly firstRevision: number;
  lastRevision: number;
}

export interface OperationWriterOptions {
  /** Re-reads and retries after a concurrent writer when the client gave no expected revision. */
  readonly maxConflictRetries: number;
  /** Most events one store append may carry when several requests are written together. */
  readonly maxEventsPerAppend: number;
  /** Stream page size when catching up with the store. */
  readonly readPageSize: number;
  /** How far `occurredAt` may lie ahead of the clock, in ms. */
  readonly futureToleranceMs: number;
  /** Where the decided state is snapshotted and read back from; without it, always folded from the log. */
  readonly snapshots?: DecidedStateSnapshots;
}

interface Pending {
  readonly request: PreparedRequest;
  readonly resolve: (result: RecordEventsResult) => void;
  readonly reject: (error: unknown) => void;
  /** Conflicts with other writers met so far. */
  conflicts: number;
  /** Must be appended on its own: a combined append it was part of failed for a reason of its own. */
  solo: boolean;
  /** Catch-up count when it was put aside because the client has seen a newer revision than the state. */
  staleAt?: number;
  /** The store refused an id of it once: decided again after reading; a second refusal stands. */
  duplicateSeen?: boolean;
}

interface Accepted {
  readonly pending: Pending;
  readonly firstRevision: number;
  readonly events: readonly EventToAppend[];
}

/**
 * The write side of one operation: its decided state tagged with the stream
 * revision it reflects, and a queue of requests decided one after the other
 * against it. Requests that arrive while an append is in flight are decided
 * together and written in one append (so a hot operation rides the store's
 * group commit instead of paying one commit each); each keeps its own result,
 * and a request refused by the rules never affects the others.
 *
 * The state is only ever built from events the store has confirmed, and every
 * append carries the exact revision that state reflects, so several writers
 * (other processes, other api instances) stay correct: a stale state shows up
 * as a revision conflict, after which only the newer events are read.
 */
export class OperationWriter<State> {
  private readonly streamName: string;
  private revision = -1;
  private state: State;
  private headHash: string | null = null;
  /**
   * Requests stored with an idempotency key, by scope (`idempotencyScopeOf`),
   * folded from the keys the events carry: the stream is the durable index.
   */
  private readonly requestsByKey = new Map<string, KeyedRequest>();
  private stale = true;
  private catchUps = 0;
  private readonly queue: Pending[] = [];
  private running = false;
  /** The revision of the last snapshot written or read (-1: none), and the one being written. */
  private snapshotRevision = -1;
  private snapshotting: Promise<void> | null = null;
  private snapshotLoadTried = false;

  constructor(
    readonly operationId: string,
    private readonly store: EventStore,
    private readonly decider: OperationDecider<State>,
    private readonly clock: Clock,
    private readonly options: OperationWriterOptions,
  ) {
    this.streamName = operationStreamName(operationId);
    this.state = decider.initialState();
  }

  /** True when no request is queued or being written: the writer may be evicted. */
  get idle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  /** The revision the cached state reflects (-1: no event known). */
  get knownRevision(): number {
    return this.revision;
  }

  /**
   * Writes a snapshot of the confirmed state if it changed since the last one
   * (at shutdown); waits for one already being written first.
   */
  async snapshotNow(): Promise<void> {
    await this.snapshotting;
    if (this.revision > this.snapshotRevision) await this.track(this.takeSnapshot());
  }

  /** Starts a snapshot off the request path when enough events were added since the last one. */
  private snapshotIfDue(): void {
    const { snapshots } = this.options;
    if (snapshots === undefined || this.decider.snapshot === undefined || this.snapshotting !== null) return;
    if (!snapshots.isDue(this.revision, this.snapshotRevision)) return;
    // After the current request's reply: the snapshot yields to the event loop part by part.
    this.track(new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.takeSnapshot()));
  }

  private track(snapshot: Promise<void>): Promise<void> {
    const tracked = snapshot.finally(() => {
      if (this.snapshotting === tracked) this.snapshotting = null;
    });
    this.snapshotting = tracked;
    return tracked;
  }

  /**
   * Writes the confirmed state as it is now. The decider's state is immutable and
   * the key index only grows, so they are read lazily while the file is written,
   * up to the captured revision: writes may go on meanwhile.
   */
  private takeSnapshot(): Promise<void> {
    const { snapshots } = this.options;
    const codec = this.decider.snapshot;
    if (snapshots === undefined || codec === undefined || this.revision < 0 || this.headHash === null) {
      return Promise.resolve();
    }
    const revision = this.revision;
    const headHash = this.headHash;
    const state = this.state;
    const requestsByKey = this.requestsByKey;
    return snapshots
      .save(
        { operationId: this.operationId, stateVersion: codec.version, revision, headHash },
        snapshotPartsOf(codec, state, { keyedRequests: keyedUpTo(requestsByKey, revision) }),
      )
      .then(() => {
        // Advanced on a failed save too (it was logged): the next try comes after as many events again.
        this.snapshotRevision = Math.max(this.snapshotRevision, revision);
      });
  }

  /** Starts from the operation's snapshot, if there is a usable one. */
  private async restoreSnapshot(): Promise<void> {
    this.snapshotLoadTried = true;
    const { snapshots } = this.options;
    const codec = this.decider.snapshot;
    if (snapshots === undefined || codec === undefined) return;
    const restored = await snapshots.load(
      this.operationId,
      { snapshot: codec, revisionOf: (state, eventId) => this.decider.revisionOf(state, eventId) },
      async (revision) => {
        let events: RecordedEvent[];
        try {
          events = await this.store.readStream(this.streamName, { fromRevision: revision, maxCount: 2 });
        } catch (error: unknown) {
          if (error instanceof StreamNotFoundError) return null;
          throw error;
        }
        return events.length > 0 && events[0].revision === revision
          ? {
              hash: sealedEventOf(events[0]).envelope.hash,
              eventId: events[0].eventId,
              ...(events.length > 1 ? { nextEventId: events[1].eventId } : {}),
            }
          : null;
      },
    );
    if (restored === null || this.revision !== -1) return;
    this.state = restored.state;
    this.revision = restored.revision;
    this.headHash = restored.headHash;
    for (const [scope, requestHash, firstRevision, lastRevision] of restored.keyedRequests) {
      this.requestsByKey.set(scope, { requestHash, firstRevision, lastRevision });
    }
    this.snapshotRevision = restored.revision;
  }

  /**
   * Loads the decided state (its snapshot, then the newer events) before any
   * request needs it. A request arriving meanwhile waits in the queue and is
   * decided against the loaded state. Does nothing when the state is loaded or a
   * request is being written; a failure leaves the writer stale, so the next
   * request reads again (and reports what fails).
   */
  async warm(): Promise<void> {
    if (this.running || !this.stale) return;
    this.running = true;
    try {
      await this.catchUp();
    } finally {
      this.running = false;
      if (this.queue.length > 0) void this.run();
    }
  }

  write(request: PreparedRequest): Promise<RecordEventsResult> {
    return new Promise<RecordEventsResult>((resolve, reject) => {
      this.queue.push({ request, resolve, reject, conflicts: 0, solo: false });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        if (this.stale) {
          try {
            await this.catchUp();
          } catch (error: unknown) {
            // Without a trustworthy state nothing queued can be decided.
            for (const pending of this.queue.splice(0)) pending.reject(error);
            continue;
          }
        }
        const round = this.takeRound();
        try {
          await this.writeRound(round);
        } catch (error: unknown) {
          // A fault of this code, not of a request: settle what is not queued again rather than leave it hanging.
          this.stale = true;
          for (const pending of round) if (!this.queue.includes(pending)) pending.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private takeRound(): Pending[] {
    const first = this.queue.shift()!;
    if (first.solo) return [first];
    const round = [first];
    let events = first.request.events.length;
    while (this.queue.length > 0 && !this.queue[0].solo) {
      const size = this.queue[0].request.events.length;
      if (events + size > this.options.maxEventsPerAppend) break;
      round.push(this.queue.shift()!);
      events += size;
    }
    return round;
  }

  /** Decides the round's requests in order against the confirmed state and appends the accepted ones together. */
  private async writeRound(round: Pending[]): Promise<void> {
    const baseRevision = this.revision;
    let revision = this.revision;
    let state = this.state;
    let hash = this.headHash;
    const accepted: Accepted[] = [];
    const deferred: Pending[] = [];
    const replays: Promise<void>[] = [];
    const idsInRound = new Set<string>();
    const keysInRound = new Set<string>();

    for (const pending of round) {
      const { request } = pending;
      const scope = scopeOfRequest(request);
      if (scope !== undefined) {
        const keyed = this.requestsByKey.get(scope);
        if (keyed !== undefined) {
          if (keyed.requestHash === request.idempotency!.requestHash) {
            replays.push(this.replayKeyed(pending, keyed));
          } else {
            pending.reject(keyReused(request, keyed));
          }
          continue;
        }
        if (keysInRound.has(scope)) {
          // The same key in flight in this round (a retry racing its original): judge it once that is settled.
          deferred.push(pending);
          continue;
        }
      }
      const ids = request.events.map((event) => event.eventId);
      const stored = ids.map((id) => this.decider.revisionOf(this.state, id));
      if (stored.every((storedRevision) => storedRevision !== undefined)) {
        replays.push(this.replay(pending, stored as number[]));
        continue;
      }
      if (stored.some((storedRevision) => storedRevision !== undefined)) {
        pending.reject(
          partiallyStored(
            request,
            ids.filter((_, index) => stored[index] !== undefined),
          ),
        );
        continue;
      }
      if (ids.some((id) => idsInRound.has(id))) {
        // The same ids in flight in this round (a retry racing its original): decide it after, as a replay.
        deferred.push(pending);
        continue;
      }
      if (request.expectedRevision !== undefined) {
        if (request.expectedRevision > baseRevision) {
          if (pending.staleAt === undefined || pending.staleAt === this.catchUps) {
            // The client may have seen a revision this state has not (another writer): read, then judge.
            pending.staleAt = this.catchUps;
            this.stale = true;
            deferred.push(pending);
          } else {
            pending.reject(
              new OperationRevisionConflictError(request.operationId, request.expectedRevision, baseRevision),
            );
          }
          continue;
        }
        if (request.expectedRevision !== revision) {
          if (request.expectedRevision === baseRevision) {
            // Only this round's earlier requests moved the revision; judge once they are confirmed (or not).
            deferred.push(pending);
          } else {
            pending.reject(
              new OperationRevisionConflictError(request.operationId, request.expectedRevision, baseRevision),
            );
          }
          continue;
        }
      }
      let decided: { events: SealedEvent[]; state: State };
      try {
        decided = this.decide(state, request, hash, revision + 1);
      } catch (error: unknown) {
        if (accepted.length > 0 && error instanceof TimelineError) {
          // Refused against a state that includes unconfirmed events: decide again on confirmed state.
          deferred.push(pending);
        } else {
          pending.reject(error);
        }
        continue;
      }
      const sealed = decided.events;
      accepted.push({ pending, firstRevision: revision + 1, events: sealed.map(toEventToAppend) });
      for (const id of ids) idsInRound.add(id);
      if (scope !== undefined) keysInRound.add(scope);
      revision += sealed.length;
      hash = sealed[sealed.length - 1].envelope.hash;
      state = decided.state;
    }

    if (accepted.length > 0) await this.append(accepted, baseRevision, revision, hash, state);
    await Promise.all(replays);
    this.queue.unshift(...deferred);
  }

  /**
   * Decides a request's events against a state, evolves the state through them,
   * then completes their envelopes and seals them onto the chain after `previousHash`.
   */
  private decide(
    state: State,
    request: PreparedRequest,
    previousHash: string | null,
    firstRevision: number,
  ): { events: SealedEvent[]; state: State } {
    const recordedAt = (request.recordedAt ?? this.clock.now()).toISOString();
    const decided = this.decider.decide(
      {
        operationId: request.operationId,
        now: recordedAt,
        futureToleranceMs: this.options.futureToleranceMs,
        recorder: request.recorder,
        events: request.events,
      },
      state,
    );
    let next = state;
    for (const event of decided) next = this.decider.evolve(next, event);
    // The decider returns one event per proposal, in order: the request's correlation ids pair by index.
    const unsealed: UnsealedEvent[] = decided.map((event, index) => ({
      eventId: event.eventId,
      type: event.type,
      // Stored data is JSON: validated from a JSON body, then derived by the rules.
      data: event.data as JsonObject,
      envelope: {
        schemaVersion: event.schemaVersion,
        operationId: request.operationId,
        occurredAt: event.occurredAt,
        recordedAt,
        recordedBy: event.recordedBy,
        agency: event.agency,
        correlationId: request.events[index].correlationId,
        causationId: event.causationId,
        classification: event.classification,
        ...(request.idempotency === undefined
          ? {}
          : { idempotencyKey: request.idempotency.key, requestHash: request.idempotency.requestHash }),
      },
    }));
    return { events: sealEvents(previousHash, firstRevision, unsealed), state: next };
  }

  private async append(
    accepted: Accepted[],
    baseRevision: number,
    nextRevision: number,
    nextHash: string | null,
    nextState: State,
  ): Promise<void> {
    const events = accepted.flatMap((item) => item.events);
    let position: string;
    try {
      const result = await this.store.append(this.streamName, events, {
        expectedRevision: baseRevision === -1 ? 'no_stream' : baseRevision,
      });
      position = formatPosition(result.position);
    } catch (error: unknown) {
      this.onAppendFailure(accepted, error);
      return;
    }
    this.revision = nextRevision;
    this.state = this.settled(nextState);
    this.headHash = nextHash;
    this.snapshotIfDue();
    for (const item of accepted) {
      const { request } = item.pending;
      const scope = scopeOfRequest(request);
      if (scope !== undefined) {
        this.requestsByKey.set(scope, {
          requestHash: request.idempotency!.requestHash,
          firstRevision: item.firstRevision,
          lastRevision: item.firstRevision + request.events.length - 1,
        });
      }
    }
    // The store reports the position of the append's last event only; the others are read back when needed.
    let positions: string[];
    if (events.length === 1) {
      positions = [position];
    } else {
      try {
        const written = await this.store.readStream(this.streamName, {
          fromRevision: baseRevision + 1,
          maxCount: events.length,
        });
        positions = written.map((event) => formatPosition(event.position));
      } catch {
        // Stored all the same; a later position still serves read-your-writes.
        positions = events.map(() => position);
      }
    }
    let offset = 0;
    for (const item of accepted) {
      const summaries: RecordedEventSummary[] = item.events.map((event, index) => ({
        eventId: event.eventId,
        type: event.type,
        streamRevision: item.firstRevision + index,
        position: positions[offset + index] ?? position,
      }));
      offset += item.events.length;
      item.pending.resolve(resultOf(item.pending.request.operationId, summaries, false));
    }
  }

  private onAppendFailure(accepted: Accepted[], error: unknown): void {
    const pendings = accepted.map((item) => item.pending);
    if (error instanceof WrongExpectedRevisionError) {
      this.stale = true;
      const retry: Pending[] = [];
      for (const pending of pendings) {
        pending.conflicts += 1;
        if (pending.conflicts > this.options.maxConflictRetries) {
          pending.reject(
            new ConcurrencyRetriesExhaustedError(pending.request.operationId, pending.conflicts),
          );
        } else {
          // A client expected revision is judged again against the newer state (it may be a replay).
          retry.push(pending);
        }
      }
      this.queue.unshift(...retry);
      return;
    }
    if (error instanceof DuplicateEventIdError) {
      // Another writer may have stored these ids meanwhile (a retry racing its original on another
      // instance): read what is new, then decide again, which finds the replay or the conflict.
      this.stale = true;
      const retry: Pending[] = [];
      for (const pending of pendings) {
        if (pending.duplicateSeen && pendings.length === 1) {
          pending.reject(error);
        } else {
          pending.duplicateSeen = true;
          pending.solo = pendings.length > 1 || pending.solo;
          retry.push(pending);
        }
      }
      this.queue.unshift(...retry);
      return;
    }
    if (pendings.length > 1 && error instanceof TimelineError && error.category !== 'unavailable') {
      // One of them is at fault (e.g. an event id used in another operation): write each alone to find it.
      for (const pending of pendings) pending.solo = true;
      this.queue.unshift(...pendings);
      return;
    }
    // Whether an unavailable store wrote anything is unknown: read before deciding again.
    this.stale = true;
    for (const pending of pendings) pending.reject(error);
  }

  /** The request's key is stored with the same content: the original result, read back from the stream. */
  private async replayKeyed(pending: Pending, keyed: KeyedRequest): Promise<void> {
    const { request } = pending;
    try {
      const stored = await this.store.readStream(this.streamName, {
        fromRevision: keyed.firstRevision,
        maxCount: keyed.lastRevision - keyed.firstRevision + 1,
      });
      const summaries: RecordedEventSummary[] = stored.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        streamRevision: event.revision,
        position: formatPosition(event.position),
      }));
      if (summaries.length !== request.events.length) {
        throw new TypeError(
          `idempotency index of ${request.operationId} names revisions ${keyed.firstRevision}–${keyed.lastRevision}, ` +
            `but the request has ${request.events.length} events`,
        );
      }
      pending.resolve(resultOf(request.operationId, summaries, true));
    } catch (error: unknown) {
      pending.reject(error);
    }
  }

  /** Every id of the request is stored: the original result if the content matches, a conflict if not. */
  private async replay(pending: Pending, revisions: number[]): Promise<void> {
    const { request } = pending;
    try {
      const first = Math.min(...revisions);
      const last = Math.max(...revisions);
      const stored = await this.store.readStream(this.streamName, {
        fromRevision: first,
        maxCount: last - first + 1,
      });
      const byId = new Map(stored.map((event) => [event.eventId, event]));
      const contiguous = revisions.every((revision, index) => revision === first + index);
      if (!contiguous) {
        throw new IdempotencyConflictError(
          `The events of this request were stored by different requests; they cannot be replayed as one`,
          { operationId: request.operationId, eventIds: request.events.map((event) => event.eventId) },
        );
      }
      const summaries: RecordedEventSummary[] = request.events.map((event) => {
        const original = byId.get(event.eventId)!;
        const difference = differenceFrom(event, request.recorder, original);
        if (difference !== null) {
          throw new IdempotencyConflictError(
            `Event id ${event.eventId} is already recorded with different content (${difference}); ` +
              'use a new event id for a new event',
            { operationId: request.operationId, eventId: event.eventId, differs: difference },
          );
        }
        return {
          eventId: original.eventId,
          type: original.type,
          streamRevision: original.revision,
          position: formatPosition(original.position),
        };
      });
      pending.resolve(resultOf(request.operationId, summaries, true));
    } catch (error: unknown) {
      pending.reject(error);
    }
  }

  /** Adds a stored event to the key index if its request had an idempotency key. */
  private indexKey(event: RecordedEvent): void {
    const { idempotencyKey, requestHash, agency, recordedBy } = sealedEventOf(event).envelope;
    if (typeof idempotencyKey !== 'string' || typeof requestHash !== 'string') return;
    const scope = idempotencyScopeOf(agency, recordedBy, idempotencyKey);
    const keyed = this.requestsByKey.get(scope);
    if (keyed === undefined) {
      this.requestsByKey.set(scope, {
        requestHash,
        firstRevision: event.revision,
        lastRevision: event.revision,
      });
    } else if (keyed.requestHash === requestHash && keyed.lastRevision === event.revision - 1) {
      keyed.lastRevision = event.revision;
    }
  }

  /**
   * The confirmed state as this writer, its one owner, keeps it (the decider's
   * `settle`): states evolved from the previous one, such as a round's dropped
   * speculation, may not be read afterwards.
   */
  private settled(state: State): State {
    return this.decider.settle ? this.decider.settle(state) : state;
  }

  /** Reads only the events newer than the cached state, in pages, and folds them. */
  private async catchUp(): Promise<void> {
    if (this.revision === -1 && !this.snapshotLoadTried) await this.restoreSnapshot();
    for (;;) {
      let page: RecordedEvent[];
      try {
        page = await this.store.readStream(this.streamName, {
          fromRevision: this.revision + 1,
          maxCount: this.options.readPageSize,
        });
      } catch (error: unknown) {
        if (error instanceof StreamNotFoundError) page = [];
        else throw error;
      }
      const events = page.map(operationEventOf);
      this.state = this.settled(
        this.decider.fold
          ? this.decider.fold(this.state, events)
          : events.reduce((state, event) => this.decider.evolve(state, event), this.state),
      );
      for (const event of page) this.indexKey(event);
      if (page.length > 0) {
        const last = page[page.length - 1];
        this.revision = last.revision;
        this.headHash = sealedEventOf(last).envelope.hash;
      }
      if (page.length < this.options.readPageSize) break;
    }
    this.stale = false;
    this.catchUps += 1;
    this.snapshotIfDue();
  }
}

/** The keyed requests as they were at `revision`: later ones left out, a growing one cut back. */
function* keyedUpTo(
  requestsByKey: ReadonlyMap<string, KeyedRequest>,
  revision: number,
): Generator<[string, string, number, number]> {
  for (const [scope, keyed] of requestsByKey) {
    if (keyed.firstRevision > revision) continue;
    yield [scope, keyed.requestHash, keyed.firstRevision, Math.min(keyed.lastRevision, revision)];
  }
}

/** The scope under which the request's key is stored, if it has one. */
function scopeOfRequest(request: PreparedRequest): string | undefined {
  return request.idempotency === undefined
    ? undefined
    : idempotencyScopeOf(request.recorder.agency, request.recorder.subject, request.idempotency.key);
}

function keyReused(request: PreparedRequest, keyed: KeyedRequest): IdempotencyConflictError {
  const key = request.idempotency!.key;
  return new IdempotencyConflictError(
    `Idempotency-Key ${key} was already used for another request (stored at revisions ` +
      `${keyed.firstRevision}–${keyed.lastRevision}); use a new key for a new request`,
    {
      operationId: request.operationId,
      idempotencyKey: key,
      storedRevisions: { first: keyed.firstRevision, last: keyed.lastRevision },
    },
  );
}

function resultOf(
  operationId: string,
  events: RecordedEventSummary[],
  replayed: boolean,
): RecordEventsResult {
  const last = events[events.length - 1];
  return { operationId, streamRevision: last.streamRevision, position: last.position, events, replayed };
}

function partiallyStored(request: PreparedRequest, storedIds: string[]): IdempotencyConflictError {
  return new IdempotencyConflictError(
    `Some events of this request are already recorded (${storedIds.join(', ')}) and others are not; ` +
      'a retry must repeat the original request exactly',
    { operationId: request.operationId, storedEventIds: storedIds },
  );
}

/** A stored event as the decider folds it: its data and the envelope fields the decision settled. */
function operationEventOf(stored: RecordedEvent): OperationEvent {
  const { envelope } = sealedEventOf(stored);
  return {
    eventId: stored.eventId,
    type: stored.type,
    schemaVersion: envelope.schemaVersion,
    occurredAt: envelope.occurredAt,
    agency: envelope.agency,
    recordedBy: envelope.recordedBy,
    classification: envelope.classification,
    causationId: envelope.causationId ?? null,
    data: stored.data,
  };
}

/**
 * What makes a re-sent event differ from the stored one, or null. Compared: what
 * the client sent and who sent it; not the correlation id, which a retry may renew.
 */
function differenceFrom(event: ProposedEvent, recorder: Recorder, stored: RecordedEvent): string | null {
  const { envelope } = sealedEventOf(stored);
  if (stored.type !== event.type) return 'type';
  if (Date.parse(envelope.occurredAt) !== Date.parse(event.occurredAt)) return 'occurredAt';
  if (event.classification !== undefined && envelope.classification !== event.classification)
    return 'classification';
  if ((envelope.causationId ?? null) !== (event.causationId ?? null)) return 'causationId';
  if (envelope.agency !== recorder.agency || envelope.recordedBy !== recorder.subject) return 'recorder';
  if (canonicalJson(stored.data) !== canonicalJson(event.data)) return 'data';
  return null;
}
