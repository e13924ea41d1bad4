import { Inject, Injectable } from '@nestjs/common';
import { AMENDMENT_EVENT_TYPES, operationStreamName } from '@timeline/events';
import { EVENT_STORE, formatPosition, type EventStore } from '@timeline/event-store';
import {
  ProjectionQueries,
  TimeTravel,
  UnknownOperationError,
  toStoredTimelineEvent,
  type DailySeries,
  type HistoricalOperation,
  type NationalPictureView,
  type OperationalPictureView,
  type TimelinePage,
  type TimelineQuery,
} from '@timeline/projections';
import { redactEntryForPrincipal } from '../auth/handling-code.policy';
import { OperationMembership } from '../auth/operation-membership.service';
import type { Principal } from '@timeline/auth';
import type { ReadModelRequest } from './read-model.query';
import { TIMELINE_CURSORS, type TimelineCursors } from './timeline-cursors';

/** Amendments are left out of an "as recorded" read: it shows every fact as first recorded. */
const AMENDMENT_TYPES: ReadonlySet<string> = new Set(AMENDMENT_EVENT_TYPES);

/**
 * The operational picture and the timeline as a principal may see them: live
 * (optionally after waiting for a write's position), as known at an earlier
 * time or position, as happened by an occurred time, and "as recorded" (no
 * correction or retraction applied). Handling-code C intelligence the principal
 * may not see is counted but its details are withheld.
 */
@Injectable()
export class ReadModelsService {
  constructor(
    @Inject(ProjectionQueries) private readonly queries: ProjectionQueries,
    @Inject(TimeTravel) private readonly timeTravel: TimeTravel,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(OperationMembership) private readonly membership: OperationMembership,
    @Inject(TIMELINE_CURSORS) private readonly cursors: TimelineCursors,
  ) {}

  async picture(
    operationId: string,
    request: ReadModelRequest,
    principal: Principal,
  ): Promise<OperationalPictureView> {
    const viewer = { agency: principal.agency };
    if (this.isLive(request)) return this.queries.picture(operationId, request.freshness, viewer);
    const picture = (await this.historical(operationId, request)).pictureFor(viewer);
    if (!picture) throw new UnknownOperationError(operationId);
    return picture;
  }

  async timeline(
    operationId: string,
    query: TimelineQuery,
    request: ReadModelRequest,
    principal: Principal,
  ): Promise<TimelinePage> {
    // Entries the principal may not see are found by what it may see of them only.
    const viewed = { ...query, viewerAgency: principal.agency };
    const page = this.isLive(request)
      ? await this.queries.timeline(operationId, viewed, request.freshness)
      : await (await this.historical(operationId, request)).timeline(viewed);
    if (!page) throw new UnknownOperationError(operationId);
    return {
      ...page,
      entries: page.entries.map((entry) => redactEntryForPrincipal(principal, entry)),
      nextCursor: page.nextCursor === null ? null : this.cursors.sign(page.nextCursor),
    };
  }

  async dailySeries(
    operationId: string,
    query: Pick<TimelineQuery, 'types'>,
    request: ReadModelRequest,
  ): Promise<DailySeries> {
    const series = this.isLive(request)
      ? await this.queries.dailySeries(operationId, query, request.freshness)
      : (await this.historical(operationId, request)).dailySeries(query);
    if (!series) throw new UnknownOperationError(operationId);
    return series;
  }

  /**
   * The picture across the operations the principal's agency takes part in:
   * the national picture itself when that is all of them.
   */
  async nationalPicture(request: ReadModelRequest, principal: Principal): Promise<NationalPictureView> {
    const visible = new Set(await this.membership.operationsOf(principal.agency));
    return this.queries.nationalPicture(request.freshness, visible, { agency: principal.agency });
  }

  /** The operations the principal's agency takes part in, with what the picture knows of each. */
  async operations(
    request: ReadModelRequest,
    principal: Principal,
  ): Promise<NationalPictureView['operations']> {
    return (await this.nationalPicture(request, principal)).operations;
  }

  private isLive(request: ReadModelRequest): boolean {
    return request.selection === null && request.view === 'as-corrected';
  }

  /** Folds the operation's stream as the request selects it: the store is the authority, so no wait is needed. */
  private async historical(operationId: string, request: ReadModelRequest): Promise<HistoricalOperation> {
    const recorded = await this.store.readStream(operationStreamName(operationId)).catch((error: unknown) => {
      if (error instanceof Error && error.name === 'StreamNotFoundError')
        throw new UnknownOperationError(operationId);
      throw error;
    });
    const events = recorded.map(toStoredTimelineEvent);
    const kept =
      request.view === 'as-recorded' ? events.filter((event) => !AMENDMENT_TYPES.has(event.type)) : events;
    const head = recorded[recorded.length - 1];
    const selection = request.selection ?? {
      kind: 'known-at' as const,
      position: formatPosition(head.position),
    };
    return this.timeTravel.fold(operationId, kept, selection);
  }
}
