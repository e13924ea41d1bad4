import { comparePositions, formatPosition, isAfter, type GlobalPosition } from '@timeline/event-store/port';
import type { ProjectionRunnerStatus } from './projection-runner.types';

/**
 * How far the runner has got through the log and how far the log goes (its
 * high-water mark): the processed position every wait and rebuild is measured
 * against, and the figures of the status (position, head, caught up, lag).
 */
export class RunnerProgress {
  private position: GlobalPosition | null = null;
  /** The head of the global log as last seen. */
  private head: GlobalPosition | null = null;
  private caughtUpOnce = false;
  private eventsCount = 0;
  private lastAppliedAtMs: number | null = null;
  private lastAppliedRecordedAt: string | null = null;

  constructor(private readonly now: () => number) {}

  /** The last position the runner has processed. */
  get processed(): GlobalPosition | null {
    return this.position;
  }

  /** Whether the backlog that existed at subscription time has been applied. */
  get hasCaughtUp(): boolean {
    return this.caughtUpOnce;
  }

  /** Events processed since the start. */
  get eventsProcessed(): number {
    return this.eventsCount;
  }

  resumeFrom(position: GlobalPosition | null, head: GlobalPosition | null): void {
    this.position = position;
    this.head = head;
  }

  seeHead(head: GlobalPosition | null): void {
    this.head = head;
  }

  /**
   * Moves past an event at `position`, or returns false when it is not newer than
   * what was processed (a duplicate delivery is never applied twice).
   */
  advance(position: GlobalPosition): boolean {
    const previous = this.position;
    if (previous !== null && !isAfter(position, previous)) return false;
    this.position = position;
    // Positions compare as bigints; the same object as the last processed one is known to be behind.
    if (this.head === previous || isAfter(position, this.head)) this.head = position;
    this.eventsCount += 1;
    return true;
  }

  applied(recordedAt: string): void {
    this.lastAppliedAtMs = this.now();
    this.lastAppliedRecordedAt = recordedAt;
  }

  /** The subscription caught up at `position`; returns true the first time. */
  caughtUp(position: GlobalPosition | null): boolean {
    if (position && isAfter(position, this.position)) this.position = position;
    if (position && isAfter(position, this.head)) this.head = position;
    if (this.caughtUpOnce) return false;
    this.caughtUpOnce = true;
    return true;
  }

  figures(): Pick<ProjectionRunnerStatus, 'position' | 'headPosition' | 'caughtUp' | 'lag'> {
    const now = this.now();
    const processed = this.position;
    const head = this.head && processed && comparePositions(this.head, processed) < 0 ? processed : this.head;
    const caughtUp =
      this.caughtUpOnce && (head === null || (processed !== null && comparePositions(processed, head) >= 0));
    return {
      position: processed && formatPosition(processed),
      headPosition: head && formatPosition(head),
      caughtUp,
      lag: {
        commitGap:
          head === null
            ? '0'
            : processed === null
              ? head.commit.toString()
              : (head.commit - processed.commit).toString(),
        msSinceLastApplied: this.lastAppliedAtMs === null ? null : now - this.lastAppliedAtMs,
        lastAppliedRecordedAt: this.lastAppliedRecordedAt,
        msBehind:
          caughtUp || this.lastAppliedRecordedAt === null
            ? null
            : Math.max(0, now - Date.parse(this.lastAppliedRecordedAt)),
      },
    };
  }
}
