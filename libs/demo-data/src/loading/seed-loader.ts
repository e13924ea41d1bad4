import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import type { SeedSubmission } from '../generator/seed-submission';

/** Where a load writes: the HTTP API or the application's write handler. */
export interface SeedWriter {
  /**
   * Records one submission. Resolves with `replayed: true` when every event was
   * already stored (a client retry) and nothing was written.
   */
  write(submission: SeedSubmission): Promise<{ readonly replayed: boolean }>;
  /**
   * How submissions of one operation may overlap: `'ordered-calls'` when the
   * writer queues calls in the order they are made (the write handler), so many
   * may be in flight; `'one-at-a-time'` when nothing orders concurrent calls
   * (separate HTTP requests), so an operation's next submission waits for the last.
   */
  readonly ordering: 'ordered-calls' | 'one-at-a-time';
}

export interface SeedLoadOptions {
  /** Submissions in flight at once, across operations. Default 64 (ordered calls) or 8 (one at a time). */
  readonly maxInFlight?: number;
  /** Called after each submission is acknowledged. */
  readonly onProgress?: (progress: SeedLoadProgress) => void;
  /**
   * Lets submissions of different operations be in flight together: faster for
   * many interleaved operations (the wide variant), but the log's order across
   * operations then follows timing rather than the load's (each operation's
   * stream keeps its order). Default false: the log holds them in load order.
   */
  readonly overlapOperations?: boolean;
}

export interface SeedLoadProgress {
  readonly submissions: number;
  readonly events: number;
  readonly replayed: number;
}

export interface SeedLoadReport extends SeedLoadProgress {
  readonly seconds: number;
}

/** A submission was refused or could not be delivered; nothing after it was sent. */
export class SeedLoadError extends TimelineError {
  readonly code = 'demo-data.load-failed';
  readonly category: ErrorCategory;

  constructor(
    readonly index: number,
    readonly submission: SeedSubmission,
    cause: unknown,
  ) {
    super(
      `Submission ${index} (operation ${submission.operationId}, ${submission.agency}, recorded ${submission.recordedAt}, ` +
        `${submission.events.map((event) => event.type).join(', ')}) failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        index,
        operationId: submission.operationId,
        agency: submission.agency,
        eventIds: submission.events.map((event) => event.eventId),
        cause: cause instanceof TimelineError ? { code: cause.code, details: cause.details } : String(cause),
      },
      cause,
    );
    this.category = cause instanceof TimelineError ? cause.category : 'unavailable';
  }
}

/**
 * Loads submissions in order: each operation's submissions are written in
 * sequence (their events refer to earlier ones); a submission of another
 * operation waits until those in flight are stored, so the log holds them in
 * load order (`overlapOperations` writes operations in parallel). Stops at the
 * first failure, waits for what is in flight, and throws a SeedLoadError naming
 * the submission. An operation's first submission is settled before any other
 * of it is sent, so a load into an operation that holds other data writes
 * nothing there; a failure later on may let submissions already in flight land
 * (each is atomic, and loading the same seed again completes it).
 */
export async function loadSubmissions(
  submissions: Iterable<SeedSubmission>,
  writer: SeedWriter,
  options: SeedLoadOptions = {},
): Promise<SeedLoadReport> {
  const startedAt = performance.now();
  const maxInFlight = options.maxInFlight ?? (writer.ordering === 'ordered-calls' ? 64 : 8);
  const progress = { submissions: 0, events: 0, replayed: 0 };
  const inFlight = new Set<Promise<void>>();
  const lanes = new Map<string, Promise<void>>();
  const started = new Set<string>();
  let failure: SeedLoadError | null = null;
  /** The operation of the submissions in flight, unless operations overlap. */
  let operationInFlight: string | null = null;

  let index = 0;
  for (const submission of submissions) {
    if (failure) break;
    if (!options.overlapOperations && submission.operationId !== operationInFlight) {
      await Promise.all(inFlight);
      operationInFlight = submission.operationId;
      if (failure) break;
    }
    const position = index++;
    const write = async (): Promise<void> => {
      if (failure) return;
      try {
        const { replayed } = await writer.write(submission);
        progress.submissions++;
        progress.events += replayed ? 0 : submission.events.length;
        if (replayed) progress.replayed++;
        options.onProgress?.({ ...progress });
      } catch (error) {
        failure ??= new SeedLoadError(position, submission, error);
      }
    };
    let task: Promise<void>;
    if (writer.ordering === 'ordered-calls') {
      task = write();
      if (!started.has(submission.operationId)) {
        // An operation's first submission (its launch) is settled alone: if the operation already
        // holds other data, nothing else is sent to it.
        started.add(submission.operationId);
        await task;
        continue;
      }
    } else {
      task = (lanes.get(submission.operationId) ?? Promise.resolve()).then(write);
      lanes.set(submission.operationId, task);
    }
    inFlight.add(task);
    void task.finally(() => {
      inFlight.delete(task);
      if (lanes.get(submission.operationId) === task) lanes.delete(submission.operationId);
    });
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  return { ...progress, seconds: Math.round((performance.now() - startedAt) / 10) / 100 };
}
