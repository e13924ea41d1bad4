import type { JsonObject } from '@timeline/kernel';
import { operationStreamName } from '@timeline/events';
import type { EventStore } from '@timeline/event-store/port';
import { toStoredTimelineEvent, type StoredTimelineEvent } from '../core/stored-timeline-event';
import type { TimelinePayloads } from './timeline.query';

/** Revisions this close together are read as one range: a few extra events cost less than another read. */
const MERGE_GAP = 16;

/** Sorted, distinct revisions grouped into ranges `[first, count]`. */
export function revisionRanges(revisions: readonly number[]): [number, number][] {
  const sorted = [...new Set(revisions)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const revision of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && revision - (last[0] + last[1] - 1) <= MERGE_GAP) last[1] = revision - last[0] + 1;
    else ranges.push([revision, 1]);
  }
  return ranges;
}

/**
 * The live timeline's entries' data, read from the operation's stream in the log
 * (a page's entries lie mostly in a few runs of revisions) and brought to the
 * current version's shape as the folds saw it. The log is immutable, so what is
 * read is what was folded.
 */
export class StoreTimelinePayloads implements TimelinePayloads {
  constructor(private readonly store: EventStore) {}

  async dataAt(
    operationId: string,
    streamRevisions: readonly number[],
  ): Promise<ReadonlyMap<number, JsonObject>> {
    const streamName = operationStreamName(operationId);
    const wanted = new Set(streamRevisions);
    const pages = await Promise.all(
      revisionRanges(streamRevisions).map(([fromRevision, maxCount]) =>
        this.store.readStream(streamName, { fromRevision, maxCount }),
      ),
    );
    const data = new Map<number, JsonObject>();
    for (const page of pages)
      for (const recorded of page)
        if (wanted.has(recorded.revision)) data.set(recorded.revision, toStoredTimelineEvent(recorded).data);
    return data;
  }
}

/** Data from events in hand (time travel folds events it has read); each found by operation and stream revision. */
export function eventPayloads(events: readonly StoredTimelineEvent[]): TimelinePayloads {
  const byOperation = new Map<string, Map<number, JsonObject>>();
  for (const event of events) {
    let revisions = byOperation.get(event.operationId);
    if (!revisions) byOperation.set(event.operationId, (revisions = new Map()));
    revisions.set(event.streamRevision, event.data);
  }
  return {
    dataAt: (operationId, streamRevisions) => {
      const held = byOperation.get(operationId);
      const data = new Map<number, JsonObject>();
      for (const revision of streamRevisions) {
        const found = held?.get(revision);
        if (found !== undefined) data.set(revision, found);
      }
      return Promise.resolve(data);
    },
  };
}

/**
 * The events in hand first, the rest from `fallback`: a live push of an entry that
 * its own event has just appended reads nothing.
 */
export function withEventsInHand(
  events: readonly StoredTimelineEvent[],
  fallback: TimelinePayloads,
): TimelinePayloads {
  const inHand = eventPayloads(events);
  return {
    dataAt: async (operationId, streamRevisions) => {
      const found = await inHand.dataAt(operationId, streamRevisions);
      const missing = streamRevisions.filter((revision) => !found.has(revision));
      if (missing.length === 0) return found;
      const data = new Map(found);
      for (const [revision, value] of await fallback.dataAt(operationId, missing)) data.set(revision, value);
      return data;
    },
  };
}
