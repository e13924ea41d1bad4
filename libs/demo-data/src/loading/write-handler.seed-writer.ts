import type { Clock, RecordEventsRequest, RecordEventsResult } from '@timeline/application';
import { toRequestBody, type SeedSubmission } from '../generator/seed-submission';
import type { SeedWriter } from './seed-loader';

/**
 * The clock of a load: the recording time of the latest submission handed to
 * the write path, which each submission carries as its own `recordedAt`, so
 * stored events keep their simulated recording times (late and back-dated
 * recordings stay late and back-dated, and "what did we know on 13 June 2020?"
 * has an answer). It never goes backwards, so neither does a stream's `recordedAt`.
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
 * sealed exactly as for a request over HTTP. The write path queues calls in the
 * order they are made, so many submissions may be in flight: it decides them one
 * after the other and writes those queued together in one append, each with its
 * own principal and recording time. The handler must be built with the given
 * clock, which each submission advances to its recording time.
 */
export class WriteHandlerSeedWriter implements SeedWriter {
  readonly ordering = 'ordered-calls';

  constructor(
    private readonly handler: RecordEvents,
    private readonly clock: LoadingClock,
  ) {}

  async write(submission: SeedSubmission): Promise<{ replayed: boolean }> {
    this.clock.advanceTo(submission.recordedAtMs);
    const result = await this.handler.execute({
      operationId: submission.operationId,
      body: toRequestBody(submission),
      recorder: { subject: submission.subject, agency: submission.agency },
      correlationId: submission.events[0].correlationId,
      recordedAt: this.clock.now(),
    });
    return { replayed: result.replayed };
  }
}
