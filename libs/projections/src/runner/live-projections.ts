import { TimelineError } from '@timeline/kernel';
import {
  formatPosition,
  isAfter,
  parsePosition,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store/port';
import type { AnyProjectionHandle, ProjectionHandle } from '../core/projection';
import { ProjectionSet, type Registered } from '../core/projection-set';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';
import type { ProjectionCheckpointStore } from '../checkpoint/projection-checkpoint-store.port';
import type {
  ProjectionFailure,
  ProjectionLogger,
  ProjectionStatus,
  RebuildOutcome,
} from './projection-runner.types';

/** One registered projection as the runner keeps it: its live state and how far it got. */
export interface ProjectionSlot extends Registered<unknown> {
  state: unknown;
  /** The last position its state reflects (null before any event). */
  position: GlobalPosition | null;
  eventCount: number;
  /** Set at the event it could not apply; it then applies nothing newer until rebuilt. */
  failure: ProjectionFailure | null;
  rebuilding: boolean;
  lastRebuild: RebuildOutcome | null;
  /** The position of its last saved checkpoint. */
  checkpointPosition: GlobalPosition | null;
}

/**
 * The registered projections with their live states: restored from their
 * checkpoints, then fed each event in order. A projection that cannot apply an
 * event stops there (its `failure`); the others go on.
 */
export class LiveProjections implements Iterable<ProjectionSlot> {
  private readonly slots: ProjectionSet<ProjectionSlot>;

  constructor(
    projections: readonly AnyProjectionHandle[],
    private readonly logger: ProjectionLogger,
    private readonly now: () => number,
    /** Told of each failure as it happens (the waiters on that projection give up). */
    private readonly onFailure: (name: string, failure: ProjectionFailure) => void,
  ) {
    this.slots = new ProjectionSet(
      projections.map((projection) => ({
        projection,
        state: projection.initialState(),
        position: null,
        eventCount: 0,
        failure: null,
        rebuilding: false,
        lastRebuild: null,
        checkpointPosition: null,
      })),
    );
  }

  /** @throws UnknownProjectionError */
  named(name: string): ProjectionSlot {
    return this.slots.named(name);
  }

  /** @throws UnknownProjectionError */
  stateOf<S>(projection: ProjectionHandle<S>): S {
    return this.slots.stateOf(projection);
  }

  get names(): string[] {
    return this.slots.names;
  }

  [Symbol.iterator](): Iterator<ProjectionSlot> {
    return this.slots[Symbol.iterator]();
  }

  /** Loads every checkpoint; a projection of another version, or an unreadable position, starts from zero. */
  async restore(checkpoints: ProjectionCheckpointStore): Promise<void> {
    for (const slot of this.slots) await this.restoreOne(slot, checkpoints);
  }

  /** Where the log must be read from so every projection gets what it lacks: the oldest position (null: from the start). */
  oldestPosition(): GlobalPosition | null {
    let oldest: GlobalPosition | null = null;
    for (const slot of this.slots) {
      if (slot.position === null) return null;
      if (oldest === null || isAfter(oldest, slot.position)) oldest = slot.position;
    }
    return oldest;
  }

  /**
   * Applies one event to every running projection that has not yet applied it;
   * `previous` is the runner's last processed position (the same object as the
   * position of every projection that is not behind). `event` is null when the
   * stored event could not be read (`readError`): each projection stops at it.
   * Pushes onto `applied`, when given, the names of the projections it reached.
   */
  apply(
    recorded: RecordedEvent,
    previous: GlobalPosition | null,
    event: StoredTimelineEvent | null,
    readError: unknown,
    applied: string[] | null,
  ): void {
    for (const slot of this.slots) {
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
  }

  /** Lets each projection that is not stopped settle its state (`Projection.settle`). */
  settle(): void {
    for (const slot of this) if (slot.failure === null) slot.projection.settle?.(slot.state);
  }

  statuses(): ProjectionStatus[] {
    return [...this.slots].map((slot) => ({
      name: slot.projection.name,
      version: slot.projection.version,
      status: slot.failure ? 'failed' : 'running',
      position: slot.position && formatPosition(slot.position),
      eventCount: slot.eventCount,
      rebuilding: slot.rebuilding,
      lastRebuild: slot.lastRebuild,
      checkpointPosition: slot.checkpointPosition && formatPosition(slot.checkpointPosition),
      failure: slot.failure,
    }));
  }

  private fail(slot: ProjectionSlot, recorded: RecordedEvent, error: unknown): void {
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
      failedAt: new Date(this.now()).toISOString(),
    };
    slot.failure = failure;
    this.logger.error(
      `Projection ${slot.projection.name} stopped: it cannot apply event ${recorded.eventId}`,
      {
        projection: slot.projection.name,
        ...failure,
        stack: error instanceof Error ? error.stack : undefined,
      },
    );
    this.onFailure(slot.projection.name, failure);
  }

  private async restoreOne(slot: ProjectionSlot, checkpoints: ProjectionCheckpointStore): Promise<void> {
    const { projection } = slot;
    const saved = await checkpoints.load(projection.name);
    if (!saved) return;
    if (saved.version !== projection.version) {
      this.logger.warn(
        `Projection ${projection.name} changed from version ${saved.version} to ${projection.version}: rebuilding from the start`,
      );
      await checkpoints.remove(projection.name);
      return;
    }
    const position = saved.position === null ? null : parsePosition(saved.position);
    if (saved.position !== null && position === null) {
      this.logger.warn(
        `Checkpoint of projection ${projection.name} has an unreadable position: rebuilding from the start`,
      );
      return;
    }
    slot.state = projection.fromSnapshot(saved.state);
    slot.position = position;
    slot.eventCount = saved.eventCount;
    slot.checkpointPosition = position;
  }
}
