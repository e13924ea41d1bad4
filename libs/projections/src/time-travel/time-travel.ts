import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { operationStreamName } from '@timeline/events';
import {
  comparePositions,
  parsePosition,
  type EventStore,
  type GlobalPosition,
} from '@timeline/event-store/port';
import { foldEvents, type AnyProjectionHandle, type ProjectionHandle } from '../core/projection';
import { ProjectionSet } from '../core/projection-set';
import { isObject } from '../core/event-data.reader';
import {
  amendedEventId,
  toStoredTimelineEvent,
  type StoredTimelineEvent,
} from '../core/stored-timeline-event';
import { operationalPictureProjection } from '../picture/operational-picture.projection';
import {
  operationalPictureView,
  type OperationalPictureView,
  type PictureViewer,
} from '../picture/operational-picture.view';
import { timelineProjection } from '../timeline/timeline.projection';
import {
  dailySeries,
  timelinePage,
  type DailySeries,
  type TimelinePage,
  type TimelineQuery,
} from '../timeline/timeline.query';
import { eventPayloads } from '../timeline/timeline.payloads';
import { READ_MODELS } from '../read-models';

export class InvalidTimeTravelError extends TimelineError {
  readonly code = 'projections.invalid-time-travel';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`Invalid time travel: ${field} ${reason}`, {
      errors: [{ path: field, constraint: 'valid', message: `${field} ${reason}` }],
    });
  }
}

/**
 * Which events a historical view uses.
 * - `known-at` a recorded time: what the system had been told by then (events with
 *   `recordedAt` ≤ T, so corrections and retractions recorded later are not applied).
 * - `known-at` a position: the same, cut at a global position (≤ P).
 * - `happened-by` an occurred time: everything known now about what had happened by
 *   T (events with `occurredAt` ≤ T, with every correction and retraction of them).
 */
export type HistoricalSelection =
  | { readonly kind: 'known-at'; readonly recordedAt: string }
  | { readonly kind: 'known-at'; readonly position: string }
  | { readonly kind: 'happened-by'; readonly occurredAt: string };

function instant(field: string, value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new InvalidTimeTravelError(field, 'is not an ISO 8601 date or time');
  return ms;
}

/** The events of `events` (in log order) a selection keeps. Pure. */
export function selectEvents(
  events: readonly StoredTimelineEvent[],
  selection: HistoricalSelection,
): StoredTimelineEvent[] {
  if (selection.kind === 'known-at') {
    if ('position' in selection) {
      const position: GlobalPosition | null = parsePosition(selection.position);
      if (!position) throw new InvalidTimeTravelError('position', 'is not a global position');
      return events.filter((event) => comparePositions(event.globalPosition, position) <= 0);
    }
    const limit = instant('recordedAt', selection.recordedAt);
    return events.filter((event) => Date.parse(event.recordedAt) <= limit);
  }
  const limit = instant('occurredAt', selection.occurredAt);
  const kept = new Set<string>();
  const result: StoredTimelineEvent[] = [];
  for (const event of events) {
    const target = amendedEventId(event);
    // An amendment belongs to the event it amends, whenever it was itself made.
    const keep = target !== null ? kept.has(target) : Date.parse(event.occurredAt) <= limit;
    if (keep) {
      kept.add(event.eventId);
      result.push(event);
    }
  }
  return result;
}

/** An operation's read models as of a historical selection. */
export interface HistoricalOperation {
  readonly selection: HistoricalSelection;
  /**
   * The state of any registered projection folded over the selected events.
   * @throws UnknownProjectionError when the handle is not one of those folded.
   */
  state<S>(projection: ProjectionHandle<S>): S;
  /** Null when no event of the operation is selected (e.g. before it was launched). Every report in full. */
  readonly picture: OperationalPictureView | null;
  /** The picture as a reader may see it (handling code C). */
  pictureFor(viewer: PictureViewer): OperationalPictureView | null;
  timeline(query?: TimelineQuery): Promise<TimelinePage | null>;
  dailySeries(query?: Pick<TimelineQuery, 'types'>): DailySeries | null;
}

/** Folds the selected events with the very folds the runner uses (`projections`, by default the read models). Pure. */
export function historicalOperation(
  operationId: string,
  events: readonly StoredTimelineEvent[],
  selection: HistoricalSelection,
  projections: readonly AnyProjectionHandle[] = READ_MODELS,
): HistoricalOperation {
  const selected = selectEvents(events, selection);
  const folded = new ProjectionSet(
    projections.map((projection) => ({ projection, state: foldEvents(projection, selected) })),
  );
  const picture = folded.stateOf(operationalPictureProjection);
  const timeline = folded.stateOf(timelineProjection);
  return {
    selection,
    state: (projection) => folded.stateOf(projection),
    picture: operationalPictureView(picture, operationId),
    pictureFor: (viewer) => operationalPictureView(picture, operationId, viewer),
    timeline: (query = {}) => timelinePage(timeline, operationId, query, eventPayloads(selected)),
    dailySeries: (query) => dailySeries(timeline, operationId, query),
  };
}

/**
 * Time travel over one operation: reads its stream through the store port and folds
 * what the selection keeps. "What did we know on 13 June 2020?" is
 * `at('venetic', { kind: 'known-at', recordedAt: '2020-06-13T23:59:59Z' })`.
 */
export class TimeTravel {
  constructor(
    private readonly store: EventStore,
    /** The projections folded: those registered with the runner. */
    private readonly projections: readonly AnyProjectionHandle[] = READ_MODELS,
  ) {}

  /** @throws StreamNotFoundError when the operation has no event at all. */
  async at(operationId: string, selection: HistoricalSelection): Promise<HistoricalOperation> {
    validate(selection);
    const recorded = await this.store.readStream(operationStreamName(operationId));
    return this.fold(operationId, recorded.map(toStoredTimelineEvent), selection);
  }

  /** The operation's `events` (its stream, in order, or a part of it) as the selection keeps them. */
  fold(
    operationId: string,
    events: readonly StoredTimelineEvent[],
    selection: HistoricalSelection,
  ): HistoricalOperation {
    return historicalOperation(operationId, events, selection, this.projections);
  }
}

function validate(selection: HistoricalSelection): void {
  if (!isObject(selection as never)) throw new InvalidTimeTravelError('selection', 'is missing');
  selectEvents([], selection);
}
