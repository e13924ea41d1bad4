import { Inject, Injectable } from '@nestjs/common';
import { auditTime, concatMap, filter, from, map, share, type Observable } from 'rxjs';
import { OPERATION_STREAM_PREFIX, operationStreamName } from '@timeline/events';
import { EVENT_STORE, comparePositions, type EventStore, type GlobalPosition } from '@timeline/event-store';
import {
  ProjectionQueries,
  ProjectionRunner,
  toStoredTimelineEvent,
  type OperationalPictureView,
  type StoredTimelineEvent,
  type TimelineEntryView,
} from '@timeline/projections';
import type { Positioned, ResumableFeedSource } from './live-source';

const BACKLOG_PAGE = 500;

/** A timeline entry appended or changed by the event at `position`. */
export interface TimelineLiveChange {
  readonly kind: 'appended' | 'changed';
  readonly entry: TimelineEntryView;
}

/**
 * The sources of the live streams, shared by every client: the runner's applied
 * events (so a pushed item is always already reflected in the read models), and
 * the store's global log for the backlog a resuming client missed.
 */
@Injectable()
export class LiveFeeds {
  private readonly pictures = new Map<string, Observable<OperationalPictureView>>();
  private readonly applied$: Observable<Positioned<StoredTimelineEvent>>;

  constructor(
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
    @Inject(ProjectionQueries) private readonly queries: ProjectionQueries,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    this.applied$ = this.runner.changes$.pipe(
      filter((change) => change.kind === 'applied'),
      map((change) => (change.kind === 'applied' ? change.event : (undefined as never))),
      map((event) => ({ position: event.globalPosition, item: event })),
      share(),
    );
  }

  /** Every event of every operation (the caller filters by visibility). */
  events(): ResumableFeedSource<StoredTimelineEvent> {
    return {
      live$: this.applied$,
      livePosition: () => this.runner.position,
      backlog: (after, upTo) => this.readLog(after, upTo, OPERATION_STREAM_PREFIX),
    };
  }

  /**
   * The operation's timeline changes: each event, with the entry it appended or
   * changed as it stands now. The entry is taken from the state at once (a live
   * event: as the event left it); its data is read afterwards, in order, and not at
   * all for an entry its own event appended.
   */
  timeline(operationId: string): ResumableFeedSource<TimelineLiveChange | null> {
    const streamName = operationStreamName(operationId);
    const select = (item: Positioned<StoredTimelineEvent>) => ({
      item,
      ...this.queries.selectTimelineChange(item.item),
    });
    const render = async (
      selections: readonly ReturnType<typeof select>[],
    ): Promise<Positioned<TimelineLiveChange | null>[]> => {
      const found = selections.filter((selection) => selection.selected !== null);
      const entries = await this.queries.renderTimelineEntries(
        found.map((selection) => selection.selected!),
        selections.map((selection) => selection.item.item),
      );
      const byItem = new Map(found.map((selection, index) => [selection, entries[index]]));
      return selections.map((selection) => {
        const entry = byItem.get(selection);
        return { position: selection.item.position, item: entry ? { kind: selection.kind, entry } : null };
      });
    };
    const readLog = (after: GlobalPosition | undefined, upTo: GlobalPosition) =>
      this.readLog(after, upTo, streamName);
    return {
      live$: this.applied$.pipe(
        filter((item) => item.item.streamName === streamName),
        map(select),
        concatMap(async (selection) => (await render([selection]))[0]),
      ),
      livePosition: () => this.runner.position,
      backlog: async function* (after, upTo) {
        for await (const page of readLog(after, upTo)) {
          yield await render(page.filter((item) => item.item.streamName === streamName).map(select));
        }
      },
    };
  }

  /**
   * The operation's picture as an agency may see it (handling code C) whenever
   * it changes, computed once for all its subscribers of that agency and
   * coalesced: a burst of events yields one picture.
   */
  pictures$(operationId: string, agency: string, coalesceMs: number): Observable<OperationalPictureView> {
    const key = `${operationId}\u0000${agency}`;
    let shared = this.pictures.get(key);
    if (!shared) {
      // One computation per burst for all subscribers; share() lets go of the source when the last one leaves.
      shared = this.queries.pictureChanges(operationId).pipe(
        auditTime(coalesceMs),
        concatMap(() => from(this.queries.picture(operationId, {}, { agency }))),
        share(),
      );
      this.pictures.set(key, shared);
    }
    return shared;
  }

  currentPicture(operationId: string, agency: string): Promise<OperationalPictureView> {
    return this.queries.picture(operationId, {}, { agency });
  }

  /** Pages of the global log after `after` up to `upTo`, narrowed by stream-name prefix. */
  private async *readLog(
    after: GlobalPosition | undefined,
    upTo: GlobalPosition,
    streamNamePrefix: string,
  ): AsyncGenerator<Positioned<StoredTimelineEvent>[]> {
    let cursor = after;
    for (;;) {
      const page = await this.store.readAll({
        after: cursor,
        maxCount: BACKLOG_PAGE,
        filter: { streamNamePrefixes: [streamNamePrefix] },
      });
      const within = page.filter((event) => comparePositions(event.position, upTo) <= 0);
      if (within.length > 0) {
        yield within.map((recorded) => ({
          position: recorded.position,
          item: toStoredTimelineEvent(recorded),
        }));
      }
      if (page.length < BACKLOG_PAGE || within.length < page.length) return;
      cursor = page[page.length - 1].position;
    }
  }
}
