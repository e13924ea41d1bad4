import type { Clock, RecordEventsRequest, RecordEventsResult } from '@timeline/application';
import { toRequestBody, type SeedSubmission } from '../generator/seed-submission';
import type { SeedWriter } from './seed-loader';

/**
 * The clock of a load: it reads the recording time of the latest submission
 * handed to the write path, so stored events carry their simulated `recordedAt`
 * (late and back-dated recordings stay late and back-dated, and "what did we know
 * on 13 June 2020?" has an answer). It never goes backwards.
 */
export class LoadingClock implements Clock {
  private current: number;

  constructor(start: Date | number = 0) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advanceTo(epochMs: number): void {
    if (epochMs > this.current) this.current = epochMs;
  }
}

/** The part of the application's RecordEventsHandler a load uses. */
export interface RecordEvents {
  execute(request: RecordEventsRequest): Promise<RecordEventsResult>;
}

/**
 * Loads through the application's one read–decide–append loop, as each agency's
 * principal: the operation's rules decide every submission and the hash chain is
 * sealed exactly as for a request over HTTP. The handler must be built with the
 * given clock, which each submission advances to its recording time.
 */
export class WriteHandlerSeedWriter implements SeedWriter {
  readonly ordering: SeedWriter['ordering'];

  /**
   * @param exactRecordingTimes true (default): one submission at a time, so each
   *   event's `recordedAt` is exactly its simulated recording time. false: many
   *   in flight, combined into fewer appends (for the large variants); a
   *   submission may then be stamped with the time of one a little later in the
   *   load (still never before it occurred, and in order).
   */
  constructor(
    private readonly handler: RecordEvents,
    private readonly clock: LoadingClock,
    exactRecordingTimes = true,
  ) {
    this.ordering = exactRecordingTimes ? 'one-at-a-time' : 'ordered-calls';
  }

  async write(submission: SeedSubmission): Promise<{ replayed: boolean }> {
    this.clock.advanceTo(submission.recordedAtMs);
    const result = await this.handler.execute({
      operationId: submission.operationId,
      body: toRequestBody(submission),
      recorder: { subject: submission.subject, agency: submission.agency },
      correlationId: submission.events[0].correlationId,
    });
    return { replayed: result.replayed };
  }
}
