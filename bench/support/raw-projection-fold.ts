import Database from 'better-sqlite3';
import { OPERATION_STREAM_PREFIX, type EventEnvelope } from '@timeline/events';
import { positionOf } from '@timeline/event-store/port';
import type { JsonObject } from '@timeline/kernel';
import {
  operationalPictureProjection,
  timelineProjection,
  type OperationalPictureState,
  type StoredTimelineEvent,
  type TimelineState,
} from '@timeline/projections/folds';

/** A stored row as the reference selects it (better-sqlite3's raw mode). */
type RawRow = [
  seq: number,
  stream: string,
  revision: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
];

/**
 * The event a fold gets, straight from a row: `JSON.parse` of data and metadata and
 * nothing else. No check of the envelope and no upcasting, unlike the runner's
 * `toStoredTimelineEvent`: equal to it for a log of current versions only.
 */
function storedEventOfRow(row: RawRow): StoredTimelineEvent {
  const metadata = JSON.parse(row[6]) as EventEnvelope;
  return {
    eventId: row[3],
    type: row[4],
    data: JSON.parse(row[5]) as JsonObject,
    position: String(row[0]),
    globalPosition: positionOf(row[0]),
    streamName: row[1],
    schemaVersion: metadata.schemaVersion,
    operationId: metadata.operationId,
    occurredAt: metadata.occurredAt,
    recordedAt: metadata.recordedAt,
    recordedBy: metadata.recordedBy,
    agency: metadata.agency,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId ?? null,
    classification: metadata.classification,
    streamRevision: row[2],
    prevHash: metadata.prevHash,
    hash: metadata.hash,
  };
}

/**
 * Hands every event of the operations' streams in an embedded store file to `visit`, in log
 * order: better-sqlite3 stepping through one statement on this thread, no adapter, no paging.
 * Returns how many there were.
 */
export function forEachRawStoredEvent(file: string, visit: (event: StoredTimelineEvent) => void): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        'SELECT seq, stream, revision, event_id, type, data, metadata FROM events WHERE instr(stream, ?) = 1 ORDER BY seq',
      )
      .raw(true);
    let events = 0;
    for (const row of rows.iterate(OPERATION_STREAM_PREFIX) as IterableIterator<RawRow>) {
      visit(storedEventOfRow(row));
      events += 1;
    }
    return events;
  } finally {
    db.close();
  }
}

/**
 * `bench:projections`' same-run reference: the least any catch-up of the picture and the
 * timeline does. Every stored event of the operations, read and parsed as
 * `forEachRawStoredEvent` does, goes to the same two folds the runner applies.
 */
export function foldRawRows(file: string): {
  picture: OperationalPictureState;
  timeline: TimelineState;
  events: number;
} {
  let picture = operationalPictureProjection.initialState();
  let timeline = timelineProjection.initialState();
  const events = forEachRawStoredEvent(file, (event) => {
    picture = operationalPictureProjection.apply(picture, event);
    timeline = timelineProjection.apply(timeline, event);
  });
  return { picture, timeline, events };
}
