/**
 * @timeline/projections — the read side: pure folds, the runner, checkpoints,
 * time travel and rebuild.
 *
 * For the api (Nest):
 *   imports: [ProjectionsModule.forRoot({ checkpointDirectory: `${DATA_DIR}/projections` })]
 *   (or forRootAsync with the validated config); needs EventStoreModule (global EVENT_STORE).
 *   The module starts the runner on bootstrap and stops it, with a last checkpoint,
 *   before the store closes.
 *
 * Inject `ProjectionQueries` to answer requests:
 *   picture(operationId, { minPosition?, timeoutMs? })     → OperationalPictureView (UnknownOperationError 404)
 *   nationalPicture({ minPosition? }, operationIds?)        → NationalPictureView (summed over them)
 *   operationIds()                                          → string[]
 *   timeline(operationId, { types, agencies, from, to, cursor, limit }, { minPosition? }) → TimelinePage
 *   dailySeries(operationId, { types })                     → DailySeries
 *   at(operationId, { kind: 'known-at', recordedAt } | { kind: 'known-at', position } | { kind: 'happened-by', occurredAt })
 *                                                           → HistoricalOperation { picture, timeline(query) (a promise), dailySeries(), state(handle) }
 *   state(handle, { minPosition? })                         → the live state of any registered projection, typed by its handle
 *   pictureChanges(operationId?)  → Observable<{ operationId, position }> (coalesce before recomputing the picture)
 *   timelineChanges(operationId?) → Observable<{ kind: 'appended' | 'changed', operationId, position, entry }>
 * `minPosition` waits (bounded) for read-your-writes; errors are TimelineErrors:
 *   ProjectionPositionTimeoutError and ProjectionFailedError ('unavailable' → 503 + Retry-After),
 *   InvalidPositionError / InvalidTimelineQueryError / InvalidTimeTravelError ('invalid-input' → 400,
 *   details.errors = [{ path, constraint, message }]), UnknownOperationError ('not-found' → 404).
 *
 * Inject `ProjectionRunner` for operations:
 *   status()          → ProjectionRunnerStatus: healthy (false ⇒ /health degraded), position, headPosition,
 *                        caughtUp, lag { commitGap, msSinceLastApplied, msBehind, lastAppliedRecordedAt },
 *                        subscription, eventsProcessed, checkpointsSaved, projections[] with status
 *                        'running' | 'failed' and failure { position, eventId, type, streamName, error, failedAt },
 *                        rebuilding and lastRebuild { outcome, startedAt, finishedAt, events, position, error }
 *   currentStatus()   → the same without asking the store for its head (cheap, for /metrics scrapes)
 *   state(handle)     → the live state of a registered projection (`runner.state(timelineProjection)` is a TimelineState)
 *   waitForPosition(position, timeoutMs, projection?)
 *   rebuild(names)    → rebuilds from position 0 while queries use the old state, swaps when caught up
 *                        (several in one call: one read of the log for all); throws at once when it cannot start; the outcome stays
 *                        in status().projections[].lastRebuild
 *   changes$          → every applied event ({ kind: 'applied', event, projections }) and rebuild swap
 *
 * Projections are handles (`defineProjection`); the module registers `READ_MODELS` (the operational
 * picture and the timeline) and `extraProjections`, and time travel folds the same ones.
 */
export * from './core/projection';
export * from './core/projection.errors';
export * from './core/projection-set';
export * from './core/stored-timeline-event';
export * from './checkpoint/projection-checkpoint-store.port';
export * from './checkpoint/file.projection-checkpoint-store';
export * from './checkpoint/in-memory.projection-checkpoint-store';
export * from './runner/projection-runner';
export * from './runner/projection-runner.types';
export * from './picture/operational-picture.projection';
export * from './picture/operational-picture.state';
export * from './picture/operational-picture.view';
export * from './timeline/timeline.projection';
export * from './timeline/timeline.state';
export * from './timeline/timeline.query';
export * from './timeline/timeline.payloads';
export * from './timeline/entry-facts';
export * from './time-travel/time-travel';
export * from './read-models';
export * from './projection-queries';
export * from './projections.module';
