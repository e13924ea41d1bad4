import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { JsonObject } from '@timeline/kernel';
import {
  comparePositions,
  parsePosition,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store/port';
import { OPERATION_STREAM_PREFIX, operationStreamName } from '@timeline/events/envelope/event-envelope';
import { envelopeOf, walkLog } from '@timeline/integrity';
import {
  nationalPictureView,
  operationalPictureProjection,
  operationalPictureView,
  toStoredTimelineEvent,
  type NationalPictureView,
  type OperationalPictureView,
  type PictureViewer,
} from '@timeline/projections/folds';

export interface ReplayResult {
  readonly picture: OperationalPictureView | NationalPictureView | null;
  readonly events: number;
  /** Position of the last event replayed, or null. */
  readonly lastPosition: GlobalPosition | null;
}

export interface ReplayOptions {
  /** The picture of this operation; default the national picture. */
  readonly operationId?: string;
  /** Replay only events up to this position (inclusive), e.g. the position a server's picture reflects. */
  readonly upTo?: GlobalPosition;
  readonly onProgress?: (events: number) => void;
  /**
   * Whose view to present (handling code C): C-coded reports this agency is not
   * entitled to are shown withheld, as the server shows them to it. Without one,
   * every report the log holds in full is shown in full; reports a redacted
   * export withheld are shown withheld either way.
   */
  readonly viewer?: PictureViewer;
  /** The national picture over these operations only (those the viewer's agency takes part in); default all. */
  readonly operationIds?: ReadonlySet<string>;
}

/**
 * Folds events, in log order, into a fresh operational picture with the very
 * projection the server runs, and returns the picture. Nothing is kept but the
 * projection's state.
 */
export async function replayPicture(
  events: AsyncIterable<RecordedEvent>,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  let state = operationalPictureProjection.initialState();
  let count = 0;
  let lastPosition: GlobalPosition | null = null;
  for await (const event of events) {
    if (options.upTo && comparePositions(event.position, options.upTo) > 0) break;
    state = operationalPictureProjection.apply(state, toStoredTimelineEvent(event));
    count += 1;
    lastPosition = event.position;
    if (count % 1000 === 0) options.onProgress?.(count);
  }
  const picture =
    options.operationId === undefined
      ? nationalPictureView(state, options.operationIds, options.viewer)
      : operationalPictureView(state, options.operationId, options.viewer);
  return { picture, events: count, lastPosition };
}

/** The log's operation events through the port, page by page (one operation's only, when named). */
export function eventsFromStore(store: EventStore, operationId?: string): AsyncIterable<RecordedEvent> {
  const prefix = operationId === undefined ? OPERATION_STREAM_PREFIX : operationStreamName(operationId);
  const exact = operationId === undefined ? null : operationStreamName(operationId);
  return (async function* () {
    for await (const event of walkLog(store, { filter: { streamNamePrefixes: [prefix] } })) {
      // The store filters by prefix: "operation-a" also matches "operation-ab".
      if (exact === null || event.streamName === exact) yield event;
    }
  })();
}

/**
 * The events of an export file (either layout; a trailing manifest line is
 * skipped), as the store held them, read line by line.
 * @throws Error naming the line when a line is not an exported event.
 */
export async function* eventsFromExport(path: string, operationId?: string): AsyncGenerator<RecordedEvent> {
  let lineNumber = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    lineNumber += 1;
    if (text.trim() === '') continue;
    const line = JSON.parse(text) as JsonObject;
    if ('manifest' in line) continue;
    const position = typeof line.position === 'string' ? parsePosition(line.position) : null;
    if (
      !position ||
      typeof line.operationId !== 'string' ||
      typeof line.eventId !== 'string' ||
      typeof line.type !== 'string'
    ) {
      throw new Error(`line ${lineNumber} of ${path} is not an exported event`);
    }
    if (operationId !== undefined && line.operationId !== operationId) continue;
    yield {
      streamName: operationStreamName(line.operationId),
      eventId: line.eventId,
      type: line.type,
      revision: typeof line.streamRevision === 'number' ? line.streamRevision : -1,
      position,
      data: line.data as JsonObject,
      metadata: envelopeOf(line),
      createdAt: typeof line.recordedAt === 'string' ? line.recordedAt : '',
    };
  }
}
