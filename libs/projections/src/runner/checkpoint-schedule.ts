import { comparePositions, formatPosition, type GlobalPosition } from '@timeline/event-store/port';
import type { ProjectionCheckpointStore } from '../checkpoint/projection-checkpoint-store.port';
import type { LiveProjections, ProjectionSlot } from './live-projections';
import type { ProjectionLogger, ProjectionRunnerStatus } from './projection-runner.types';

export interface CheckpointScheduleOptions {
  readonly checkpointEveryEvents: number;
  readonly checkpointIntervalMs: number;
  readonly logger: ProjectionLogger;
  readonly now: () => number;
  readonly lifecycle: () => ProjectionRunnerStatus['state'];
}

/**
 * When the live states are saved, each with the position it reflects: after so
 * many events, on a timer when anything changed, after a rebuild's swap, and once
 * more on stop. One save at a time; a save asked for meanwhile follows it.
 */
export class CheckpointSchedule {
  private timer: NodeJS.Timeout | null = null;
  private eventsSinceCheckpoint = 0;
  private saved = 0;
  private dueAt = 0;
  private saving: Promise<void> | null = null;

  constructor(
    private readonly projections: LiveProjections,
    private readonly checkpoints: ProjectionCheckpointStore,
    private readonly options: CheckpointScheduleOptions,
  ) {}

  /** Checkpoints saved since the start. */
  get checkpointsSaved(): number {
    return this.saved;
  }

  /** The save under way, if any. */
  get inFlight(): Promise<void> | null {
    return this.saving;
  }

  start(): void {
    this.timer = setInterval(() => this.schedule(), this.options.checkpointIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** An event was processed: a checkpoint is due after `checkpointEveryEvents` of them. */
  eventProcessed(): void {
    this.eventsSinceCheckpoint += 1;
    if (this.eventsSinceCheckpoint >= this.options.checkpointEveryEvents) this.schedule();
  }

  /** A rebuild swapped new states in: save them (when the spacing allows). */
  rebuilt(): void {
    this.eventsSinceCheckpoint += 1;
    this.schedule();
  }

  /** Saves a checkpoint of every running projection that changed since its last one. */
  checkpoint(): Promise<void> {
    if (this.saving) return this.saving.then(() => (this.dirty() ? this.checkpoint() : undefined));
    if (!this.dirty()) return Promise.resolve();
    this.eventsSinceCheckpoint = 0;
    const started = this.options.now();
    const running = this.options.lifecycle() === 'running';
    // Captured synchronously: each snapshot reflects exactly `position`.
    const captured = [...this.projections]
      // A projection being rebuilt is skipped while running (its state is about to be replaced), not when stopping.
      .filter((slot) => needsCheckpoint(slot) && !(slot.rebuilding && running))
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
          this.saved += 1;
        } catch (error) {
          this.options.logger.error(`Checkpoint of projection ${checkpoint.name} failed`, {
            error: (error as Error).message,
          });
        }
      }
    })().finally(() => {
      const finished = this.options.now();
      this.dueAt = finished + 9 * (finished - started);
      this.saving = null;
    });
    return this.saving;
  }

  /**
   * A checkpoint of a large read model costs real time (its snapshot is taken
   * synchronously); spacing them by nine times the last one's duration keeps
   * checkpointing under a tenth of the runner's time whatever the state's size.
   */
  private schedule(): void {
    if (this.saving || this.options.now() < this.dueAt) return;
    void this.checkpoint();
  }

  private dirty(): boolean {
    for (const slot of this.projections) if (needsCheckpoint(slot)) return true;
    return false;
  }
}

function needsCheckpoint(slot: ProjectionSlot): boolean {
  return slot.failure === null && !samePosition(slot.position, slot.checkpointPosition);
}

function samePosition(a: GlobalPosition | null, b: GlobalPosition | null): boolean {
  return a === null || b === null ? a === b : comparePositions(a, b) === 0;
}
