import { performance } from 'node:perf_hooks';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '@timeline/event-store';
import { OPERATION_ID_PATTERN } from '@timeline/events';
import { v7 as uuidv7 } from 'uuid';
import { CLOCK, type Clock } from '../clock/clock';
import type { RecordEventsRequest, RecordEventsResult } from './record-events.request';
import { InvalidRequestError, type FieldError } from './record-events.errors';
import { validateRecordEventsBody } from './record-events.body';
import type { OperationDecider } from '@timeline/domain';
import { OPERATION_DECIDER, OperationWriter, type PreparedRequest } from './operation.writer';
import { OperationWriterCache } from './operation-writer.cache';
import { RECORDING_OPTIONS, type RecordingOptions } from './recording.options';
import { requestHashOf } from './request-idempotency';
import { DecidedStateSnapshots } from '../decided-state/decided-state.snapshots';

/**
 * The one read–decide–append loop of the system: every request that records
 * events goes through `execute`, from HTTP as from the command line. It keeps
 * each recently written operation's decided state in memory, tagged with the
 * stream revision it reflects, and reads only newer events from the store.
 */
@Injectable()
export class RecordEventsHandler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DecidedState');
  private readonly writers: OperationWriterCache<OperationWriter<unknown>>;
  private warmingUp: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(OPERATION_DECIDER) decider: OperationDecider<unknown>,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RECORDING_OPTIONS) private readonly options: RecordingOptions,
    @Optional() @Inject(DecidedStateSnapshots) readonly snapshots?: DecidedStateSnapshots,
  ) {
    this.writers = new OperationWriterCache(
      options.maxCachedOperations,
      (operationId) =>
        new OperationWriter(operationId, store, decider, clock, {
          ...options,
          snapshots: snapshots ?? undefined,
        }),
    );
  }

  /** Snapshots the decided state of every cached operation that changed since its last snapshot. */
  async snapshotChanged(): Promise<void> {
    for (const writer of [...this.writers.values()]) await writer.snapshotNow();
  }

  /** Loads the most recently snapshotted operations' state in the background (docs/architecture.md). */
  onApplicationBootstrap(): void {
    this.warmingUp = this.warmUp();
  }

  /** Resolves when the background load after start is over. */
  warmedUp(): Promise<void> {
    return this.warmingUp;
  }

  async beforeApplicationShutdown(): Promise<void> {
    // The background load stops at the next operation; the one being loaded finishes first.
    this.closing = true;
    await this.warmingUp;
    // The next start then reads each operation's state instead of folding its stream.
    await this.snapshotChanged();
  }

  private async warmUp(): Promise<void> {
    const { snapshots } = this;
    if (snapshots === undefined) return;
    const operations = (await snapshots.operationsToWarmUp()).slice(0, this.options.maxCachedOperations);
    if (operations.length === 0) return;
    const started = performance.now();
    let loaded = 0;
    for (const operationId of operations) {
      if (this.closing) break;
      try {
        await this.writers.get(operationId).warm();
        loaded += 1;
        snapshots.countWarmUp('loaded');
      } catch (error: unknown) {
        // Only a head start is lost: the operation's first write reads its state and reports what fails.
        this.logger.warn(
          `operation ${operationId}: decided state not loaded ahead: ${(error as Error).message}`,
        );
      }
    }
    snapshots.countWarmUp('done');
    this.logger.log(
      `decided state of ${loaded} of ${operations.length} operations loaded ahead of their writes in ` +
        `${Math.round(performance.now() - started)} ms` +
        (this.closing ? ' (stopped by shutdown)' : ''),
    );
  }

  /**
   * Records the request's events atomically after the operation's rules accept
   * them. Resolves with the original result, writing nothing, when the request's
   * idempotency key was already used by this recorder in this operation for the
   * same content, or when every event id is already stored with the same content.
   * @throws InvalidRequestError for malformed input (nothing is read or written).
   * @throws OperationRevisionConflictError when the client's expected revision does not hold.
   * @throws IdempotencyConflictError when a used key or a stored event id comes with other content.
   */
  async execute(request: RecordEventsRequest): Promise<RecordEventsResult> {
    return this.writers.get(request.operationId).write(this.prepare(request));
  }

  /** Operations whose state is currently held in memory. */
  get cachedOperations(): number {
    return this.writers.size;
  }

  private prepare(request: RecordEventsRequest): PreparedRequest {
    const errors: FieldError[] = [];
    if (!OPERATION_ID_PATTERN.test(request.operationId)) {
      errors.push({
        path: 'operationId',
        constraint: 'pattern',
        message: 'operationId must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit',
      });
    }
    if (request.recordedAt !== undefined && Number.isNaN(request.recordedAt.getTime())) {
      errors.push({ path: 'recordedAt', constraint: 'isDate', message: 'recordedAt must be a valid time' });
    }
    const recordedAt = request.recordedAt ?? this.clock.now();
    const validated = validateRecordEventsBody(request.body, {
      maxBatchEvents: this.options.maxBatchEvents,
      latestOccurredAt: recordedAt.getTime() + this.options.futureToleranceMs,
    });
    if (validated.errors !== undefined) errors.push(...validated.errors);
    const body = validated.errors === undefined ? validated.body : undefined;

    let expectedRevision = body?.expectedRevision;
    if (request.expectedRevision !== undefined) {
      if (expectedRevision !== undefined && expectedRevision !== request.expectedRevision) {
        errors.push({
          path: 'expectedRevision',
          constraint: 'matchesIfMatch',
          message: `expectedRevision (${expectedRevision}) contradicts If-Match (${request.expectedRevision})`,
        });
      }
      expectedRevision = request.expectedRevision;
    }

    const events: PreparedRequest['events'][number][] = [];
    const seen = new Set<string>();
    body?.events.forEach((event, index) => {
      // A retry of a request without ids is recognised by its Idempotency-Key, not by its ids.
      const eventId = event.eventId ?? uuidv7();
      if (seen.has(eventId)) {
        errors.push({
          path: `events[${index}].eventId`,
          constraint: 'unique',
          message: 'eventId is used twice in this request',
        });
      }
      seen.add(eventId);
      events.push({ ...event, eventId, correlationId: event.correlationId ?? request.correlationId });
    });
    if (errors.length > 0) throw new InvalidRequestError(errors);
    const idempotency =
      request.idempotencyKey === undefined || body === undefined
        ? undefined
        : {
            key: request.idempotencyKey,
            requestHash: requestHashOf(request.operationId, expectedRevision, body.events),
          };
    return {
      operationId: request.operationId,
      events,
      expectedRevision,
      recorder: request.recorder,
      idempotency,
      ...(request.recordedAt === undefined ? {} : { recordedAt: request.recordedAt }),
    };
  }
}
