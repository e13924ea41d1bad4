import { Subject, type Observable } from 'rxjs';
import { OPERATION_STREAM_PREFIX } from '@timeline/events';
import type {
  AllSubscriptionMessage,
  EventStore,
  GlobalPosition,
  RecordedEvent,
} from '@timeline/event-store/port';
import type { AnyProjectionHandle, ProjectionHandle } from '../core/projection';
import { ProjectionRunnerNotRunningError } from '../core/projection.errors';
import { toStoredTimelineEvent, type StoredTimelineEvent } from '../core/stored-timeline-event';
import type { ProjectionCheckpointStore } from '../checkpoint/projection-checkpoint-store.port';
import { CheckpointSchedule } from './checkpoint-schedule';
import { LiveProjections } from './live-projections';
import { PositionWaiters } from './position-waiters';
import { ProjectionRebuilds } from './projection-rebuilds';
import { ResubscribingSubscription } from './resubscribing-subscription';
import { RunnerProgress } from './runner-progress';
import type {
  ProjectionChange,
  ProjectionLogger,
  ProjectionRunnerOptions,
  ProjectionRunnerStatus,
  RebuildResult,
} from './projection-runner.types';

type RunnerState = ProjectionRunnerStatus['state'];

const SILENT: ProjectionLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Runs projections over the global log: one catch-up subscription, every event
 * applied strictly in order to every projection, each projection's state saved
 * together with its position (so a restart applies each event exactly once to the
 * read model), position and lag reported, failures surfaced and never skipped.
 *
 * Single-threaded by design: events are applied synchronously as they arrive, so a
 * query between two events always sees a state that reflects a whole prefix of the log.
 *
 * The runner only wires its parts and owns its lifecycle; each concern is one of them
 * (docs/architecture.md §4): the live states (`LiveProjections`), how far the log has
 * been read (`RunnerProgress`), the subscription and its back-off
 * (`ResubscribingSubscription`), checkpoints (`CheckpointSchedule`), read-your-writes
 * waits (`PositionWaiters`) and rebuilds (`ProjectionRebuilds`).
 */
export class ProjectionRunner {
  private lifecycle: RunnerState = 'idle';
  private readonly changesSubject = new Subject<ProjectionChange>();
  private readonly projections: LiveProjections;
  private readonly progress: RunnerProgress;
  private readonly subscription: ResubscribingSubscription;
  private readonly checkpoints: CheckpointSchedule;
  private readonly waiters: PositionWaiters;
  private readonly rebuilds: ProjectionRebuilds;
  private readonly logger: ProjectionLogger;

  /** Every applied event (with the projections it reached) and every rebuild swap, in order. */
  readonly changes$: Observable<ProjectionChange> = this.changesSubject.asObservable();

  constructor(
    private readonly store: EventStore,
    projections: readonly AnyProjectionHandle[],
    private readonly checkpointStore: ProjectionCheckpointStore,
    options: ProjectionRunnerOptions = {},
  ) {
    this.logger = options.logger ?? SILENT;
    const logger = this.logger;
    const now = options.now ?? Date.now;
    const filter = { streamNamePrefixes: options.streamNamePrefixes ?? [OPERATION_STREAM_PREFIX] };
    const lifecycle = () => this.lifecycle;
    this.projections = new LiveProjections(projections, logger, now, (name, failure) =>
      this.waiters.projectionFailed(name, failure),
    );
    this.progress = new RunnerProgress(now);
    this.waiters = new PositionWaiters(this.progress, this.projections, lifecycle);
    this.subscription = new ResubscribingSubscription(
      store,
      {
        filter,
        resubscribeDelayMs: options.resubscribeDelayMs ?? 500,
        logger,
        after: () => this.progress.processed,
        running: () => this.lifecycle === 'running',
      },
      (message) => this.onMessage(message),
    );
    this.checkpoints = new CheckpointSchedule(this.projections, checkpointStore, {
      checkpointEveryEvents: options.checkpointEveryEvents ?? 10_000,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 5_000,
      logger,
      now,
      lifecycle,
    });
    this.rebuilds = new ProjectionRebuilds(store, this.projections, this.progress, {
      filter,
      rebuildPageSize: options.rebuildPageSize ?? 250,
      logger,
      now,
      lifecycle,
      swapped: (slot, position) =>
        this.changesSubject.next({ kind: 'rebuilt', projection: slot.projection.name, position }),
      done: () => {
        this.waiters.notify();
        this.checkpoints.rebuilt();
      },
    });
  }

  /** Loads every checkpoint, then subscribes after the oldest position. Resolves once subscribed, not once caught up (see `whenCaughtUp`). */
  async start(): Promise<void> {
    if (this.lifecycle !== 'idle') throw new ProjectionRunnerNotRunningError(`${this.lifecycle}, not idle`);
    this.lifecycle = 'starting';
    await this.projections.restore(this.checkpointStore);
    const resumeFrom = this.projections.oldestPosition();
    this.progress.resumeFrom(resumeFrom, (await this.store.describe()).headPosition);
    this.lifecycle = 'running';
    this.subscription.open();
    this.checkpoints.start();
  }

  /** Unsubscribes, saves a last checkpoint of every running projection, and rejects pending waits. Idempotent. */
  async stop(): Promise<void> {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'stopping')
      return this.checkpoints.inFlight ?? undefined;
    const wasStarted = this.lifecycle !== 'idle';
    this.lifecycle = 'stopping';
    this.subscription.close();
    this.checkpoints.stop();
    this.waiters.stopping();
    if (wasStarted) await this.checkpoints.checkpoint();
    this.lifecycle = 'stopped';
    this.changesSubject.complete();
  }

  /**
   * The current state of a registered projection, typed by its handle. Read it
   * synchronously: it changes as events arrive.
   * @throws UnknownProjectionError when this handle is not registered.
   */
  state<S>(projection: ProjectionHandle<S>): S {
    return this.projections.stateOf(projection);
  }

  /** The position a projection's state reflects (null before any event). */
  positionOf(name: string): GlobalPosition | null {
    return this.projections.named(name).position;
  }

  /** The last position the runner has processed. */
  get position(): GlobalPosition | null {
    return this.progress.processed;
  }

  /** Names of the registered projections. */
  get projectionNames(): string[] {
    return this.projections.names;
  }

  /**
   * Resolves once the runner (or, given `projection`, that projection) has applied
   * `position`: the read-your-writes wait. Rejects with `ProjectionPositionTimeoutError`
   * (category `unavailable`) after `timeoutMs`, with `ProjectionFailedError` when the
   * named projection is failed, with `ProjectionRunnerNotRunningError` when stopped, and
   * with `InvalidPositionError` (invalid-input) for a string that is not a position.
   */
  waitForPosition(position: GlobalPosition | string, timeoutMs: number, projection?: string): Promise<void> {
    return this.waiters.waitForPosition(position, timeoutMs, projection);
  }

  /** Resolves when the backlog that existed at subscription time has been applied. */
  whenCaughtUp(): Promise<void> {
    return this.waiters.whenCaughtUp();
  }

  /** The status with the store's current head (for /health and /metrics). */
  async status(): Promise<ProjectionRunnerStatus> {
    try {
      this.progress.seeHead((await this.store.describe()).headPosition);
    } catch (error) {
      this.logger.warn('The event store did not describe its head', { error: (error as Error).message });
    }
    return this.currentStatus();
  }

  /** The status with the head as last seen, without asking the store. */
  currentStatus(): ProjectionRunnerStatus {
    const { position, headPosition, caughtUp, lag } = this.progress.figures();
    const projections = this.projections.statuses();
    return {
      state: this.lifecycle,
      healthy:
        this.lifecycle === 'running' &&
        this.subscription.isActive &&
        projections.every((p) => p.status === 'running'),
      position,
      headPosition,
      caughtUp,
      lag,
      subscription: this.subscription.status(),
      eventsProcessed: this.progress.eventsProcessed,
      checkpointsSaved: this.checkpoints.checkpointsSaved,
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
    return this.rebuilds.rebuild(names);
  }

  /** Saves a checkpoint of every running projection that changed since its last one. */
  checkpoint(): Promise<void> {
    return this.checkpoints.checkpoint();
  }

  private onMessage(message: AllSubscriptionMessage): void {
    if (message.kind === 'caught-up') {
      if (this.progress.caughtUp(message.position)) {
        // The backlog's leftovers are tidied now, not by the first reader after the start.
        this.projections.settle();
        this.waiters.caughtUp();
      }
      this.waiters.notify();
      return;
    }
    this.onEvent(message.event);
  }

  private onEvent(recorded: RecordedEvent): void {
    const previous = this.progress.processed;
    // A resubscription never goes back, but a duplicate delivery must still not be applied twice.
    if (!this.progress.advance(recorded.position)) return;
    let event: StoredTimelineEvent | null = null;
    let readError: unknown = null;
    try {
      event = toStoredTimelineEvent(recorded);
    } catch (error) {
      readError = error;
    }
    // Who received the event is only worth an allocation when someone listens.
    const applied: string[] | null = this.changesSubject.observed ? [] : null;
    this.projections.apply(recorded, previous, event, readError, applied);
    if (event !== null) {
      this.progress.applied(event.recordedAt);
      if (applied !== null) this.changesSubject.next({ kind: 'applied', event, projections: applied });
    }
    this.checkpoints.eventProcessed();
    if (this.waiters.waiting) this.waiters.notify();
  }
}
