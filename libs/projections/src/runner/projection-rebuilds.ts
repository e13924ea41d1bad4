import {
  comparePositions,
  formatPosition,
  type EventStore,
  type GlobalLogFilter,
  type GlobalPosition,
} from '@timeline/event-store/port';
import { ProjectionRunnerNotRunningError, RebuildInProgressError } from '../core/projection.errors';
import { toStoredTimelineEvent, type StoredTimelineEvent } from '../core/stored-timeline-event';
import type { LiveProjections, ProjectionSlot } from './live-projections';
import type { RunnerProgress } from './runner-progress';
import type { ProjectionLogger, ProjectionRunnerStatus, RebuildResult } from './projection-runner.types';

export interface ProjectionRebuildsOptions {
  readonly filter: GlobalLogFilter;
  readonly rebuildPageSize: number;
  readonly logger: ProjectionLogger;
  readonly now: () => number;
  readonly lifecycle: () => ProjectionRunnerStatus['state'];
  /** Called synchronously as each projection's new state is swapped in. */
  readonly swapped: (slot: ProjectionSlot, position: string | null) => void;
  /** Called synchronously once a rebuild's swaps are done. */
  readonly done: () => void;
}

/**
 * Rebuilds from position 0 into fresh states beside the live ones, swapped in at
 * the moment a rebuild has reached everything the runner has processed. Rebuilds
 * run one after another: never more than one new state per projection in memory.
 */
export class ProjectionRebuilds {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly projections: LiveProjections,
    private readonly progress: RunnerProgress,
    private readonly options: ProjectionRebuildsOptions,
  ) {}

  /** See `ProjectionRunner.rebuild`. */
  rebuild(names: string | readonly string[]): Promise<RebuildResult> {
    // Checked before anything starts, and thrown synchronously: a caller that starts a rebuild in
    // the background (the api's admin route) can answer at once that it could not start.
    const slots = (typeof names === 'string' ? [names] : [...new Set(names)]).map((name) =>
      this.projections.named(name),
    );
    for (const slot of slots) if (slot.rebuilding) throw new RebuildInProgressError(slot.projection.name);
    const state = this.options.lifecycle();
    if (state !== 'running') throw new ProjectionRunnerNotRunningError(state);
    for (const slot of slots) slot.rebuilding = true;
    const run = this.queue.then(() => this.rebuildTogether(slots));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One read of the log into a fresh state per projection, then the synchronous
   * swap of every one that did not fail. Each outcome stays in its projection's status.
   */
  private async rebuildTogether(slots: readonly ProjectionSlot[]): Promise<RebuildResult> {
    const { now, logger } = this.options;
    const started = now();
    const startedAt = new Date(started).toISOString();
    const rebuilds = slots.map((slot) => ({
      slot,
      state: slot.projection.initialState(),
      failure: null as Error | null,
    }));
    let position: GlobalPosition | null = null;
    let events = 0;
    try {
      for (;;) {
        // Synchronous check and swap: no live event can slip in between.
        const processed = this.progress.processed;
        if (processed === null || (position !== null && comparePositions(position, processed) >= 0)) break;
        const page = await this.store.readAll({
          after: position ?? undefined,
          maxCount: this.options.rebuildPageSize,
          filter: this.options.filter,
        });
        const state = this.options.lifecycle();
        if (state !== 'running') throw new ProjectionRunnerNotRunningError(state);
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
              this.failed(rebuild.slot, startedAt, events, position, rebuild.failure);
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
        if (!rebuild.failure) this.failed(rebuild.slot, startedAt, events, position, error as Error);
      }
      throw error;
    }
    const formatted = position && formatPosition(position);
    const finishedAt = new Date(now()).toISOString();
    for (const { slot, state, failure } of rebuilds) {
      slot.rebuilding = false;
      if (failure) continue;
      slot.projection.settle?.(state);
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
      this.options.swapped(slot, formatted);
    }
    this.options.done();
    const swapped = rebuilds
      .filter((rebuild) => !rebuild.failure)
      .map((rebuild) => rebuild.slot.projection.name);
    if (swapped.length > 0) {
      logger.log(`Projections ${swapped.join(', ')} rebuilt from ${events} events`, {
        projections: swapped,
        events,
        position: formatted,
        durationMs: now() - started,
      });
    }
    const failed = rebuilds.find((rebuild) => rebuild.failure);
    if (failed?.failure) throw failed.failure;
    return {
      projections: swapped,
      events,
      position: formatted,
      durationMs: now() - started,
    };
  }

  /** Records and logs a failed rebuild; the projection keeps its old state. */
  private failed(
    slot: ProjectionSlot,
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
}
