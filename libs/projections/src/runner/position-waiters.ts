import {
  comparePositions,
  formatPosition,
  parsePosition,
  type GlobalPosition,
} from '@timeline/event-store/port';
import {
  InvalidPositionError,
  ProjectionFailedError,
  ProjectionPositionTimeoutError,
  ProjectionRunnerNotRunningError,
} from '../core/projection.errors';
import type { LiveProjections } from './live-projections';
import type { RunnerProgress } from './runner-progress';
import type { ProjectionFailure, ProjectionRunnerStatus } from './projection-runner.types';

interface Waiter {
  readonly target: GlobalPosition;
  readonly projection: string | undefined;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Read-your-writes: callers waiting until the runner (or one projection) has
 * applied a position, or until the initial backlog is applied. Each wait ends
 * when its position is reached, its projection fails, the runner stops, or its
 * time is up — never later.
 */
export class PositionWaiters {
  private readonly waiters = new Set<Waiter>();
  private readonly caughtUpWaiters = new Set<() => void>();

  constructor(
    private readonly progress: RunnerProgress,
    private readonly projections: LiveProjections,
    private readonly lifecycle: () => ProjectionRunnerStatus['state'],
  ) {}

  /** Whether anyone waits for a position (checked before each event's notification). */
  get waiting(): boolean {
    return this.waiters.size > 0;
  }

  /** See `ProjectionRunner.waitForPosition`. */
  waitForPosition(position: GlobalPosition | string, timeoutMs: number, projection?: string): Promise<void> {
    const target = typeof position === 'string' ? parsePosition(position) : position;
    if (!target) return Promise.reject(new InvalidPositionError('minPosition', String(position)));
    if (projection !== undefined) this.projections.named(projection);
    const early = this.outcome(target, projection);
    if (early === 'reached') return Promise.resolve();
    if (early) return Promise.reject(early);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        target,
        projection,
        resolve,
        reject,
        timer: setTimeout(() => {
          const reached =
            projection === undefined ? this.progress.processed : this.projections.named(projection).position;
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

  whenCaughtUp(): Promise<void> {
    if (this.progress.hasCaughtUp) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.add(resolve));
  }

  /** The backlog has been applied: resolves every `whenCaughtUp`. */
  caughtUp(): void {
    for (const resolve of this.caughtUpWaiters) resolve();
    this.caughtUpWaiters.clear();
  }

  /** Settles every wait whose outcome is now known. */
  notify(): void {
    for (const waiter of [...this.waiters]) {
      const outcome = this.outcome(waiter.target, waiter.projection);
      if (outcome === 'reached') this.settle(waiter, null);
      else if (outcome) this.settle(waiter, outcome);
    }
  }

  /** The waits on a projection that just failed give up with its failure. */
  projectionFailed(name: string, failure: ProjectionFailure): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.projection === name)
        this.settle(waiter, new ProjectionFailedError(name, failureDetails(failure)));
    }
  }

  /** The runner is stopping: every wait for a position gives up. */
  stopping(): void {
    for (const waiter of [...this.waiters])
      this.settle(waiter, new ProjectionRunnerNotRunningError('stopping'));
  }

  private outcome(target: GlobalPosition, projection: string | undefined): 'reached' | Error | null {
    if (projection !== undefined) {
      const slot = this.projections.named(projection);
      if (slot.position !== null && comparePositions(slot.position, target) >= 0) return 'reached';
      if (slot.failure) return new ProjectionFailedError(projection, failureDetails(slot.failure));
    } else {
      const processed = this.progress.processed;
      if (processed !== null && comparePositions(processed, target) >= 0) return 'reached';
    }
    const state = this.lifecycle();
    if (state !== 'running' && state !== 'starting') return new ProjectionRunnerNotRunningError(state);
    return null;
  }

  private settle(waiter: Waiter, error: Error | null): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    if (error) waiter.reject(error);
    else waiter.resolve();
  }
}

function failureDetails(failure: ProjectionFailure) {
  return {
    position: failure.position,
    eventId: failure.eventId,
    type: failure.type,
    error: failure.error.message,
  };
}
