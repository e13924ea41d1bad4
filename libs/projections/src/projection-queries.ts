import { concatMap, filter, map, mergeMap, type Observable } from 'rxjs';
import type { GlobalPosition } from '@timeline/event-store/port';
import { amendedEventId, type StoredTimelineEvent } from './core/stored-timeline-event';
import { UnknownOperationError } from './core/projection.errors';
import type { ProjectionHandle } from './core/projection';
import type { ProjectionRunner } from './runner/projection-runner';
import { operationalPictureProjection } from './picture/operational-picture.projection';
import {
  nationalPictureView,
  operationalPictureView,
  type PictureViewer,
  operationIdsOf,
  type NationalPictureView,
  type OperationalPictureView,
} from './picture/operational-picture.view';
import { timelineProjection } from './timeline/timeline.projection';
import {
  dailySeries,
  renderEntries,
  selectTimelineEntry,
  timelinePage,
  type DailySeries,
  type SelectedEntry,
  type TimelinePayloads,
  type TimelineEntryView,
  type TimelinePage,
  type TimelineQuery,
} from './timeline/timeline.query';
import type { HistoricalOperation, HistoricalSelection, TimeTravel } from './time-travel/time-travel';
import { withEventsInHand } from './timeline/timeline.payloads';

/** Read-your-writes: answer only once the read model reflects `minPosition`, waiting at most `timeoutMs`. */
export interface Freshness {
  /** A position returned by a write (`formatPosition` string or a GlobalPosition). */
  readonly minPosition?: string | GlobalPosition;
  /** Default: the module's `defaultWaitMs` (2,000 ms). */
  readonly timeoutMs?: number;
}

/** The picture of an operation changed: recompute it (coalesce bursts on the consumer side). */
export interface PictureChange {
  readonly operationId: string;
  /** The global position the picture now reflects. */
  readonly position: string | null;
}

/** A timeline entry was appended, or an existing one corrected or retracted. */
export interface TimelineChange {
  readonly kind: 'appended' | 'changed';
  readonly operationId: string;
  /** Position of the event that caused the change (the SSE `id:`). */
  readonly position: string;
  readonly entry: TimelineEntryView;
}

/**
 * What the api calls to answer read-side requests: the live read models of the
 * runner (optionally after waiting for a write's position), time travel, and
 * change streams for live push.
 */
export class ProjectionQueries {
  constructor(
    private readonly runner: ProjectionRunner,
    private readonly timeTravel: TimeTravel,
    /** Where a timeline page's entries' data is read (the log). */
    private readonly payloads: TimelinePayloads,
    private readonly defaultWaitMs = 2_000,
  ) {}

  /**
   * The live state of any registered projection, once it reflects `freshness.minPosition`.
   * @throws UnknownProjectionError when the handle is not registered.
   */
  async state<S>(projection: ProjectionHandle<S>, freshness: Freshness = {}): Promise<S> {
    if (freshness.minPosition !== undefined)
      await this.runner.waitForPosition(
        freshness.minPosition,
        freshness.timeoutMs ?? this.defaultWaitMs,
        projection.name,
      );
    return this.runner.state(projection);
  }

  /** Operation ids with at least one event, sorted. */
  async operationIds(freshness: Freshness = {}): Promise<string[]> {
    return operationIdsOf(await this.state(operationalPictureProjection, freshness));
  }

  /**
   * The picture as `viewer` may see it (every report in full without one).
   * @throws UnknownOperationError (not-found) when the operation has no event.
   */
  async picture(
    operationId: string,
    freshness: Freshness = {},
    viewer?: PictureViewer,
  ): Promise<OperationalPictureView> {
    const view = operationalPictureView(
      await this.state(operationalPictureProjection, freshness),
      operationId,
      viewer,
    );
    if (!view) throw new UnknownOperationError(operationId);
    return view;
  }

  /** Across all operations, or across `operationIds` only (those an agency takes part in). */
  async nationalPicture(
    freshness: Freshness = {},
    operationIds?: ReadonlySet<string>,
    viewer?: PictureViewer,
  ): Promise<NationalPictureView> {
    return nationalPictureView(
      await this.state(operationalPictureProjection, freshness),
      operationIds,
      viewer,
    );
  }

  /** @throws InvalidTimelineQueryError (invalid-input) for a bad limit, date or cursor; UnknownOperationError. */
  async timeline(
    operationId: string,
    query: TimelineQuery = {},
    freshness: Freshness = {},
  ): Promise<TimelinePage> {
    const page = await timelinePage(
      await this.state(timelineProjection, freshness),
      operationId,
      query,
      this.payloads,
    );
    if (!page) throw new UnknownOperationError(operationId);
    return page;
  }

  async dailySeries(
    operationId: string,
    query: Pick<TimelineQuery, 'types'> = {},
    freshness: Freshness = {},
  ): Promise<DailySeries> {
    const series = dailySeries(await this.state(timelineProjection, freshness), operationId, query);
    if (!series) throw new UnknownOperationError(operationId);
    return series;
  }

  /** An entry of the live timeline as it stands now, its data not yet read; null when the timeline has no such entry. */
  selectTimelineEntry(eventId: string): SelectedEntry | null {
    return selectTimelineEntry(this.runner.state(timelineProjection), eventId);
  }

  /**
   * The entry an event appended, or changed (a correction or retraction amends its
   * target), as it stands now; `selected` is null when the timeline holds no such entry.
   */
  selectTimelineChange(event: StoredTimelineEvent): {
    kind: 'appended' | 'changed';
    selected: SelectedEntry | null;
  } {
    const amended = amendedEventId(event);
    return {
      kind: amended === null ? 'appended' : 'changed',
      selected: this.selectTimelineEntry(amended ?? event.eventId),
    };
  }

  /** Views of selected entries, their data read from the log — or from `inHand`, events already read. */
  renderTimelineEntries(
    entries: readonly SelectedEntry[],
    inHand: readonly StoredTimelineEvent[] = [],
  ): Promise<TimelineEntryView[]> {
    return renderEntries(
      entries,
      inHand.length > 0 ? withEventsInHand(inHand, this.payloads) : this.payloads,
    );
  }

  /** Time travel; see `HistoricalSelection`. @throws InvalidTimeTravelError, StreamNotFoundError. */
  at(operationId: string, selection: HistoricalSelection): Promise<HistoricalOperation> {
    return this.timeTravel.at(operationId, selection);
  }

  /** One notification per applied event of the operation (all operations when omitted), and after a rebuild. */
  pictureChanges(operationId?: string): Observable<PictureChange> {
    return this.runner.changes$.pipe(
      mergeMap((change): PictureChange[] => {
        if (change.kind === 'rebuilt') {
          if (change.projection !== operationalPictureProjection.name) return [];
          const ids = operationIdsOf(this.runner.state(operationalPictureProjection));
          return ids.map((id) => ({ operationId: id, position: change.position }));
        }
        if (!change.projections.includes(operationalPictureProjection.name)) return [];
        return [{ operationId: change.event.operationId, position: change.event.position }];
      }),
      filter((change) => operationId === undefined || change.operationId === operationId),
    );
  }

  /**
   * Each entry appended to, or changed on, the operation's timeline (all operations
   * when omitted), in log order. Each entry is taken from the state as the event
   * left it; only its data is read afterwards (none for an entry its own event appended).
   */
  timelineChanges(operationId?: string): Observable<TimelineChange> {
    return this.runner.changes$.pipe(
      filter((change) => change.kind === 'applied' && change.projections.includes(timelineProjection.name)),
      filter(
        (change) =>
          operationId === undefined ||
          (change.kind === 'applied' && change.event.operationId === operationId),
      ),
      map((change) => {
        if (change.kind !== 'applied') throw new Error('unreachable');
        return { event: change.event, ...this.selectTimelineChange(change.event) };
      }),
      concatMap(async ({ event, kind, selected }): Promise<TimelineChange | null> => {
        if (!selected) return null;
        const [entry] = await this.renderTimelineEntries([selected], [event]);
        return { kind, operationId: event.operationId, position: event.position, entry };
      }),
      filter((change): change is TimelineChange => change !== null),
    );
  }
}
