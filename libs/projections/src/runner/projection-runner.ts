import { Subject, type Observable, type Subscription } from 'rxjs';
import { TimelineError } from '@timeline/kernel';
import { OPERATION_STREAM_PREFIX } from '@timeline/events';
import {
  comparePositions,
  formatPosition,
  isAfter,
  parsePosition,
  type AllSubscriptionMessage,
  type EventStore,
  type GlobalLogFilter,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store';
import { PROJECTION_NAME_PATTERN, type AnyProjection } from '../core/projection';
import {
  InvalidPositionError,
  ProjectionFailedError,
  ProjectionPositionTimeoutError,
  ProjectionRunnerNotRunningError,
  RebuildInProgressError,
  UnknownProjectionError,
} from '../core/projection.errors';
import { toStoredTimelineEvent, type StoredTimelineEvent } from '../core/stored-timeline-event';
import type { ProjectionCheckpointStore } from '../checkpoint/projection-checkpoint-store.port';
import type {
  ProjectionChange,
  ProjectionFailure,
  ProjectionLogger,
  ProjectionRunnerOptions,
  ProjectionRunnerStatus,
  ProjectionStatus,
  RebuildOutcome,
  RebuildResult,
} from './projection-runner.types';

interface Slot {
  readonly projection: AnyProjection;
  state: unknown;
  position: GlobalPosition | null;
  eventCount: number;
  failure: ProjectionFailure | null;
  rebuilding: boolean;
  lastRebuild: RebuildOutcome | null;
  checkpointPosition: GlobalPosition | null;
}

interface Waiter {
  readonly target: GlobalPosition;
  readonly projection: string | undefined;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type RunnerState = ProjectionRunnerStatus['state'];

const SILENT: ProjectionLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
const MAX_RESUBSCRIBE_DELAY_MS = 30_000;

/**
 * Runs projections over the global log: one catch-up subscription, every event
 * applied strictly in order to every projection, each projection's state saved
 * together with its position (so a restart applies each event exactly once to the
 * read model), position and lag reported, failures surfaced and never skipped.
 *
 * Single-threaded by design: events are applied synchronously as they arrive, so a
 * query between two events always sees a state that reflects a whole prefix of the log.
 */
export class ProjectionRunner {
  private readonly slots = new Map<string, Slot>();
  private readonly options: Required<Omit<ProjectionRunnerOptions, 'logger'>> & { logger: ProjectionLogger };
  private readonly filter: GlobalLogFilter;
  private readonly changesSubject = new Subject<ProjectionChange>();
  private runnerState: RunnerState = 'idle';
  private subscription: Subscription | null = null;
  private subscriptionActive = false;
  private lastSubscriptionError: string | null = null;
  private resubscriptions = 0;
  private resubscribeTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private processed: GlobalPosition | null = null;
  private head: GlobalPosition | null = null;
  private caughtUpOnce = false;
  private lastAppliedAtMs: number | null = null;
  private lastAppliedRecordedAt: string | null = null;
  private eventsProcessed = 0;
  private eventsSinceCheckpoint = 0;
  private checkpointsSaved = 0;
  private checkpointDueAt = 0;
  private saving: Promise<void> | null = null;
  /** The rebuilds asked for, one after another: never more than one new state in memory. */
  private rebuilds: Promise<unknown> = Promise.resolve();
  private readonly waiters = new Set<Waiter>();
  private readonly caughtUpWaiters = new Set<() => void>();

  /** Every applied event (with the projections it reached) and every rebuild swap, in order. */
  readonly changes$: Observable<ProjectionChange> = this.changesSubject.asObservable();

  constructor(
    private readonly store: EventStore,
    projections: readonly AnyProjection[],
    private readonly checkpoints: ProjectionCheckpointStore,
    options: ProjectionRunnerOptions = {},
  ) {
    for (const projection of projections) {
      if (!PROJECTION_NAME_PATTERN.test(projection.name))
        throw new TypeError(`Not a projection name: ${JSON.stringify(projection.name)}`);
      if (this.slots.has(projection.name))
        throw new TypeError(`Projection ${projection.name} is registered twice`);
      this.slots.set(projection.name, {
        projection,
        state: projection.initialState(),
        position: null,
        eventCount: 0,
        failure: null,
        rebuilding: false,
        lastRebuild: null,
        checkpointPosition: null,
      });
    }
    this.options = {
      checkpointEveryEvents: options.checkpointEveryEvents ?? 10_000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 5_000,
      streamNamePrefixes: options.streamNamePrefixes ?? [OPERATION_STREAM_PREFIX],
      resubscribeDelayMs: options.resubscribeDelayMs ?? 500,
      rebuildPageSize: options.rebuildPageSize ?? 250,
      logger: options.logger ?? SILENT,
      now: options.now ?? Date.now,
    };
    this.filter = { streamNamePrefixes: this.options.streamNamePrefixes };
  }

  /** Loads every checkpoint, then subscribes after the oldest position. Resolves once subscribed, not once caught up (see `whenCaughtUp`). */
  async start(): Promise<void> {
    if (this.runnerState !== 'idle')
      throw new ProjectionRunnerNotRunningError(`${this.runnerState}, not idle`);
    this.runnerState = 'starting';
    for (const slot of this.slots.values()) await this.restore(slot);
    const positions = [...this.slots.values()].map((slot) => slot.position);
    this.processed =
      positions.length === 0 || positions.includes(null)
        ? null
        : positions.reduce((a, b) => (comparePositions(a!, b!) <= 0 ? a : b));
    this.head = (await this.store.describe()).headPosition;
    this.runnerState = 'running';
    this.subscribe();
    this.checkpointTimer = setInterval(() => this.scheduleCheckpoint(), this.options.checkpointIntervalMs);
    this.checkpointTimer.unref();
  }

  /** Unsubscribes, saves a last checkpoint of every running projection, and rejects pending waits. Idempotent. */
  async stop(): Promise<void> {
    if (this.runnerState === 'stopped' || this.runnerState === 'stopping') return this.saving ?? undefined;
    const wasStarted = this.runnerState !== 'idle';
    this.runnerState = 'stopping';
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.subscriptionActive = false;
    if (this.resubscribeTimer) clearTimeout(this.resubscribeTimer);
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    for (const waiter of [...this.waiters])
      this.settle(waiter, new ProjectionRunnerNotRunningError('stopping'));
    if (wasStarted) await this.checkpoint();
    this.runnerState = 'stopped';
    this.changesSubject.complete();
  }

  /** The current state of a projection. Read it synchronously: it changes as events arrive. */
  state<S>(name: string): S {
    return this.slot(name).state as S;
  }

  /** The position a projection's state reflects (null before any event). */
  positionOf(name: string): GlobalPosition | null {
    return this.slot(name).position;
  }

  /** The last position the runner has processed. */
  get position(): GlobalPosition | null {
    return this.processed;
  }

  /** Names of the registered projections. */
  get projectionNames(): string[] {
    return [...this.slots.keys()];
  }

  /**
   * Resolves once the runner (or, given `projection`, that projection) has applied
   * `position`: the read-your-writes wait. Rejects with `ProjectionPositionTimeoutError`
   * (category `unavailable`) after `timeoutMs`, with `ProjectionFailedError` when the
   * named projection is failed, with `ProjectionRunnerNotRunningError` when stopped, and
   * with `InvalidPositionError` (invalid-input) for a string that is not a position.
   */
  waitForPosition(position: GlobalPosition | string, timeoutMs: number, projection?: string): Promise<void> {
    const target = typeof position === 'string' ? parsePosition(position) : position;
    if (!target) return Promise.reject(new InvalidPositionError('minPosition', String(position)));
    if (projection !== undefined) this.slot(projection);
    const early = this.waitOutcome(target, projection);
    if (early === 'reached') return Promise.resolve();
    if (early) return Promise.reject(early);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        target,
        projection,
        resolve,
        reject,
        timer: setTimeout(() => {
          const reached = projection === undefined ? this.processed : this.slot(projection).position;
          this.settle(
            waiter,
            new ProjectionPositionTimeoutError(
              formatPosition(target),
              reached && formatPosition(reached),
              timeoutMs,
              projection,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves when the backlog that existed at subscription time has been applied. */
  whenCaughtUp(): Promise<void> {
    if (this.caughtUpOnce) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.add(resolve));
  }

  /** The status with the store's current head (for /health and /metrics). */
  async status(): Promise<ProjectionRunnerStatus> {
    try {
      this.head = (await this.store.describe()).headPosition;
    } catch (error) {
      this.options.logger.warn('The event store did not describe its head', {
        error: (error as Error).message,
      });
    }
    return this.currentStatus();
  }

  /** The status with the head as last seen, without asking the store. */
  currentStatus(): ProjectionRunnerStatus {
    const now = this.options.now();
    const head =
      this.head && this.processed && comparePositions(this.head, this.processed) < 0
        ? this.processed
        : this.head;
    const caughtUp =
      this.caughtUpOnce &&
      (head === null || (this.processed !== null && comparePositions(this.processed, head) >= 0));
    const projections = [...this.slots.values()].map((slot) => this.slotStatus(slot));
    return {
      state: this.runnerState,
      healthy:
        this.runnerState === 'running' &&
        this.subscriptionActive &&
        projections.every((p) => p.status === 'running'),
      position: this.processed && formatPosition(this.processed),
      headPosition: head && formatPosition(head),
      caughtUp,
      lag: {
        commitGap:
          head === null
            ? '0'
            : this.processed === null
              ? head.commit.toString()
              : (head.commit - this.processed.commit).toString(),
        msSinceLastApplied: this.lastAppliedAtMs === null ? null : now - this.lastAppliedAtMs,
        lastAppliedRecordedAt: this.lastAppliedRecordedAt,
        msBehind:
          caughtUp || this.lastAppliedRecordedAt === null
            ? null
            : Math.max(0, now - Date.parse(this.lastAppliedRecordedAt)),
      },
      subscription: {
        active: this.subscriptionActive,
        lastError: this.lastSubscriptionError,
        resubscriptions: this.resubscriptions,
      },
      eventsProcessed: this.eventsProcessed,
      checkpointsSaved: this.checkpointsSaved,
      projections,
    };
  }

  /**
   * Rebuilds projections from position 0 into fresh states while queries keep
   * reading the old ones, then swaps them at the moment the rebuild has reached
   * everything the runner has processed. The projections asked for in one call are
   * rebuilt together from one read of the log (the process then holds their old
   * states and a new one of each); a rebuild asked for while another runs waits for
   * it. Also the way to restart a failed projection once its cause is fixed. A
   * projection whose rebuild fails keeps its old state; the others of the call are
   * still rebuilt and swapped, and the call then rejects with the failure.
   */
  rebuild(names: string | readonly string[]): Promise<RebuildResult> {
    // Checked before anything starts, and thrown synchronously: a caller that starts a rebuild in
    // the background (the api's admin route) can answer at once that it could not start.
    const slots = (typeof names === 'string' ? [names] : [...new Set(names)]).map((name) => this.slot(name));
    for (const slot of slots) if (slot.rebuilding) throw new RebuildInProgressError(slot.projection.name);
    if (this.runnerState !== 'running') throw new ProjectionRunnerNotRunningError(this.runnerState);
    for (const slot of slots) slot.rebuilding = true;
    const run = this.rebuilds.then(() => this.rebuildTogether(slots));
    this.rebuilds = run.catch(() => undefined);
    return run;
  }

  /**
   * One read of the log into a fresh state per projection, then the synchronous
   * swap of every one that did not fail. Each outcome stays in its projection's status.
   */
  private async rebuildTogether(slots: readonly Slot[]): Promise<RebuildResult> {
    const started = this.options.now();
    const startedAt = new Date(started).toISOString();
    const rebuilds = slots.map((slot) => ({
      slot,
      state: slot.projection.initialState() as unknown,
      failure: null as Error | null,
    }));
    let position: GlobalPosition | null = null;
    let events = 0;
    try {
      for (;;) {
        // Synchronous check and swap: no live event can slip in between.
        if (this.processed === null || (position !== null && comparePositions(position, this.processed) >= 0))
          break;
        const page = await this.store.readAll({
          after: position ?? undefined,
          maxCount: this.options.rebuildPageSize,
          filter: this.filter,
        });
        if (this.runnerState !== 'running') throw new ProjectionRunnerNotRunningError(this.runnerState);
        if (page.length === 0) break;
        for (const recorded of page) {
          let event: StoredTimelineEvent | null = null;
          for (const rebuild of rebuilds) {
            if (rebuild.failure) continue;
            try {
              event ??= toStoredTimelineEvent(recorded);
              rebuild.state = rebuild.slot.projection.apply(rebuild.state, event);
            } catch (error) {
              rebuild.failure = error as Error;
              this.rebuildFailed(rebuild.slot, startedAt, events, position, rebuild.failure);
            }
          }
          position = recorded.position;
          events += 1;
        }
        if (rebuilds.every((rebuild) => rebuild.failure)) break;
      }
    } catch (error) {
      // The read itself failed: no projection of the call is swapped.
      for (const rebuild of rebuilds) {
        rebuild.slot.rebuilding = false;
        if (!rebuild.failure) this.rebuildFailed(rebuild.slot, startedAt, events, position, error as Error);
      }
      throw error;
    }
    const formatted = position && formatPosition(position);
    const finishedAt = new Date(this.options.now()).toISOString();
    for (const { slot, state, failure } of rebuilds) {
      slot.rebuilding = false;
      if (failure) continue;
      slot.state = state;
      slot.position = position;
      slot.eventCount = events;
      slot.failure = null;
      slot.lastRebuild = {
        outcome: 'rebuilt',
        startedAt,
        finishedAt,
        events,
        position: formatted,
        error: null,
      };
      this.changesSubject.next({ kind: 'rebuilt', projection: slot.projection.name, position: formatted });
    }
    this.eventsSinceCheckpoint += 1;
    this.notifyWaiters();
    this.scheduleCheckpoint();
    const swapped = rebuilds
      .filter((rebuild) => !rebuild.failure)
      .map((rebuild) => rebuild.slot.projection.name);
    if (swapped.length > 0) {
      this.options.logger.log(`Projections ${swapped.join(', ')} rebuilt from ${events} events`, {
        projections: swapped,
        events,
        position: formatted,
        durationMs: this.options.now() - started,
      });
    }
    const failed = rebuilds.find((rebuild) => rebuild.failure);
    if (failed?.failure) throw failed.failure;
    return {
      projections: swapped,
      events,
      position: formatted,
      durationMs: this.options.now() - started,
    };
  }

  /** Records and logs a failed rebuild; the projection keeps its old state. */
  private rebuildFailed(
    slot: Slot,
    startedAt: string,
    events: number,
    position: GlobalPosition | null,
    failure: Error & { code?: unknown },
  ): void {
    slot.lastRebuild = {
      outcome: 'failed',
      startedAt,
      finishedAt: new Date(this.options.now()).toISOString(),
      events,
      position: position && formatPosition(position),
      error: {
        name: failure.name,
        message: failure.message,
        code: typeof failure.code === 'string' ? failure.code : null,
      },
    };
    this.options.logger.error(
      `Rebuild of projection ${slot.projection.name} failed; it keeps its old state`,
      {
        projection: slot.projection.name,
        ...slot.lastRebuild,
      },
    );
  }

  /** Saves a checkpoint of every running projection that changed since its last one. */
  checkpoint(): Promise<void> {
    if (this.saving) return this.saving.then(() => (this.dirty() ? this.checkpoint() : undefined));
    if (!this.dirty()) return Promise.resolve();
    this.eventsSinceCheckpoint = 0;
    const started = this.options.now();
    // Captured synchronously: each snapshot reflects exactly `position`.
    const captured = [...this.slots.values()]
      // A projection being rebuilt is skipped while running (its state is about to be replaced), not when stopping.
      .filter((slot) => this.needsCheckpoint(slot) && !(slot.rebuilding && this.runnerState === 'running'))
      .map((slot) => ({
        slot,
        position: slot.position,
        checkpoint: {
          name: slot.projection.name,
          version: slot.projection.version,
          position: slot.position && formatPosition(slot.position),
          eventCount: slot.eventCount,
          state: slot.projection.toSnapshot(slot.state),
        },
      }));
    this.saving = (async () => {
      for (const { slot, position, checkpoint } of captured) {
        try {
          await this.checkpoints.save(checkpoint);
          slot.checkpointPosition = position;
          this.checkpointsSaved += 1;
        } catch (error) {
          this.options.logger.error(`Checkpoint of projection ${checkpoint.name} failed`, {
            error: (error as Error).message,
          });
        }
      }
    })().finally(() => {
      const finished = this.options.now();
      this.checkpointDueAt = finished + 9 * (finished - started);
      this.saving = null;
    });
    return this.saving;
  }

  /**
   * A checkpoint of a large read model costs real time (its snapshot is taken
   * synchronously); spacing them by nine times the last one's duration keeps
   * checkpointing under a tenth of the runner's time whatever the state's size.
   */
  private scheduleCheckpoint(): void {
    if (this.saving || this.options.now() < this.checkpointDueAt) return;
    void this.checkpoint();
  }

  private dirty(): boolean {
    for (const slot of this.slots.values()) if (this.needsCheckpoint(slot)) return true;
    return false;
  }

  private needsCheckpoint(slot: Slot): boolean {
    return slot.failure === null && !samePosition(slot.position, slot.checkpointPosition);
  }

  private slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new UnknownProjectionError(name);
    return slot;
  }

  private async restore(slot: Slot): Promise<void> {
    const { projection } = slot;
    const saved = await this.checkpoints.load(projection.name);
    if (!saved) return;
    if (saved.version !== projection.version) {
      this.options.logger.warn(
        `Projection ${projection.name} changed from version ${saved.version} to ${projection.version}: rebuilding from the start`,
      );
      await this.checkpoints.remove(projection.name);
      return;
    }
    const position = saved.position === null ? null : parsePosition(saved.position);
    if (saved.position !== null && position === null) {
      this.options.logger.warn(
        `Checkpoint of projection ${projection.name} has an unreadable position: rebuilding from the start`,
      );
      return;
    }
    slot.state = projection.fromSnapshot(saved.state);
    slot.position = position;
    slot.eventCount = saved.eventCount;
    slot.checkpointPosition = position;
  }

  private subscribe(): void {
    const after = this.processed ?? undefined;
    this.subscriptionActive = true;
    this.subscription = this.store.subscribeToAll({ after, filter: this.filter }).subscribe({
      next: (message) => this.onMessage(message),
      error: (error: unknown) => this.onSubscriptionError(error),
      complete: () => this.onSubscriptionError(new Error('the subscription completed')),
    });
  }

  private onSubscriptionError(error: unknown): void {
    this.subscriptionActive = false;
    this.subscription = null;
    if (this.runnerState !== 'running') return;
    this.lastSubscriptionError = error instanceof Error ? error.message : String(error);
    const delay = Math.min(
      MAX_RESUBSCRIBE_DELAY_MS,
      this.options.resubscribeDelayMs * 2 ** Math.min(this.resubscriptions, 16),
    );
    this.options.logger.error(`Projection subscription failed; resubscribing in ${delay} ms`, {
      error: this.lastSubscriptionError,
    });
    this.resubscribeTimer = setTimeout(() => {
      this.resubscribeTimer = null;
      if (this.runnerState !== 'running') return;
      this.resubscriptions += 1;
      this.subscribe();
    }, delay);
  }

  private onMessage(message: AllSubscriptionMessage): void {
    if (this.runnerState !== 'running') return;
    this.lastSubscriptionError = null;
    if (message.kind === 'caught-up') {
      if (message.position && isAfter(message.position, this.processed)) this.processed = message.position;
      if (message.position && isAfter(message.position, this.head)) this.head = message.position;
      if (!this.caughtUpOnce) {
        this.caughtUpOnce = true;
        for (const resolve of this.caughtUpWaiters) resolve();
        this.caughtUpWaiters.clear();
      }
      this.notifyWaiters();
      return;
    }
    this.onEvent(message.event);
  }

  private onEvent(recorded: RecordedEvent): void {
    // A resubscription never goes back, but a duplicate delivery must still not be applied twice.
    const previous = this.processed;
    if (previous !== null && !isAfter(recorded.position, previous)) return;
    this.processed = recorded.position;
    // Positions compare as bigints; the same object as the last processed one is known to be behind.
    if (this.head === previous || isAfter(recorded.position, this.head)) this.head = recorded.position;
    this.eventsProcessed += 1;
    let event: StoredTimelineEvent | null = null;
    let readError: unknown = null;
    try {
      event = toStoredTimelineEvent(recorded);
    } catch (error) {
      readError = error;
    }
    // Who received the event is only worth an allocation when someone listens.
    const applied: string[] | null = this.changesSubject.observed ? [] : null;
    for (const slot of this.slots.values()) {
      if (slot.failure !== null) continue;
      // A slot that has applied everything processed so far (the same position object) is behind this event.
      if (slot.position !== previous && slot.position !== null && !isAfter(recorded.position, slot.position))
        continue;
      try {
        if (event === null) throw readError;
        slot.state = slot.projection.apply(slot.state, event);
        slot.position = recorded.position;
        slot.eventCount += 1;
        applied?.push(slot.projection.name);
      } catch (error) {
        this.fail(slot, recorded, error);
      }
    }
    if (event !== null) {
      this.lastAppliedAtMs = this.options.now();
      this.lastAppliedRecordedAt = event.recordedAt;
      if (applied !== null) this.changesSubject.next({ kind: 'applied', event, projections: applied });
    }
    this.eventsSinceCheckpoint += 1;
    if (this.eventsSinceCheckpoint >= this.options.checkpointEveryEvents) this.scheduleCheckpoint();
    if (this.waiters.size > 0) this.notifyWaiters();
  }

  private fail(slot: Slot, recorded: RecordedEvent, error: unknown): void {
    const failure: ProjectionFailure = {
      position: formatPosition(recorded.position),
      eventId: recorded.eventId,
      type: recorded.type,
      streamName: recorded.streamName,
      error: {
        name: error instanceof Error ? error.name : 'Error',
        message: error instanceof Error ? error.message : String(error),
        code: error instanceof TimelineError ? error.code : null,
      },
      failedAt: new Date(this.options.now()).toISOString(),
    };
    slot.failure = failure;
    this.options.logger.error(
      `Projection ${slot.projection.name} stopped: it cannot apply event ${recorded.eventId}`,
      {
        projection: slot.projection.name,
        ...failure,
        stack: error instanceof Error ? error.stack : undefined,
      },
    );
    for (const waiter of [...this.waiters]) {
      if (waiter.projection === slot.projection.name)
        this.settle(waiter, new ProjectionFailedError(slot.projection.name, toFailureDetails(failure)));
    }
  }

  private waitOutcome(target: GlobalPosition, projection: string | undefined): 'reached' | Error | null {
    if (projection !== undefined) {
      const slot = this.slot(projection);
      if (slot.position !== null && comparePositions(slot.position, target) >= 0) return 'reached';
      if (slot.failure) return new ProjectionFailedError(projection, toFailureDetails(slot.failure));
    } else if (this.processed !== null && comparePositions(this.processed, target) >= 0) {
      return 'reached';
    }
    if (this.runnerState !== 'running' && this.runnerState !== 'starting')
      return new ProjectionRunnerNotRunningError(this.runnerState);
    return null;
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.waiters]) {
      const outcome = this.waitOutcome(waiter.target, waiter.projection);
      if (outcome === 'reached') this.settle(waiter, null);
      else if (outcome) this.settle(waiter, outcome);
    }
  }

  private settle(waiter: Waiter, error: Error | null): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  private slotStatus(slot: Slot): ProjectionStatus {
    return {
      name: slot.projection.name,
      version: slot.projection.version,
      status: slot.failure ? 'failed' : 'running',
      position: slot.position && formatPosition(slot.position),
      eventCount: slot.eventCount,
      rebuilding: slot.rebuilding,
      lastRebuild: slot.lastRebuild,
      checkpointPosition: slot.checkpointPosition && formatPosition(slot.checkpointPosition),
      failure: slot.failure,
    };
  }
}

function samePosition(a: GlobalPosition | null, b: GlobalPosition | null): boolean {
  return a === null || b === null ? a === b : comparePositions(a, b) === 0;
}

function toFailureDetails(failure: ProjectionFailure) {
  return {
    position: failure.position,
    eventId: failure.eventId,
    type: failure.type,
    error: failure.error.message,
  };
}
