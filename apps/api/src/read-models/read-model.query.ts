import { formatPosition } from '@timeline/event-store';
import { ANY_AGENCY_CODES, EVENT_TYPES, FACT_EVENT_TYPES } from '@timeline/events';
import {
  MAX_TIMELINE_LIMIT,
  type Freshness,
  type HistoricalSelection,
  type TimelineQuery,
} from '@timeline/projections';
import { QueryParameters, type PositionCheck, type RawQuery } from '../http/query-parameters';
import type { TimelineCursors } from './timeline-cursors';

export type { RawQuery } from '../http/query-parameters';

/** Which version of the facts a read shows: every correction and retraction applied (default), or as first recorded. */
export type FactsView = 'as-corrected' | 'as-recorded';

/** What every picture and timeline read may ask for besides its own filters. */
export interface ReadModelRequest {
  readonly freshness: Freshness;
  /** Time travel: null for the live read model. */
  readonly selection: HistoricalSelection | null;
  readonly view: FactsView;
}

/** The longest a read may wait for `minPosition` (read-your-writes). */
export const MAX_WAIT_MS = 10_000;

const FRESHNESS = ['minPosition', 'waitMs'] as const;
const HISTORICAL = ['knownAt', 'knownAtPosition', 'happenedBy', 'view'] as const;
const VIEWS: readonly FactsView[] = ['as-corrected', 'as-recorded'];

function readFreshness(query: QueryParameters): Freshness {
  const minPosition = query.position('minPosition');
  return {
    minPosition: minPosition && formatPosition(minPosition),
    timeoutMs: query.integer('waitMs', 0, MAX_WAIT_MS),
  };
}

/** Freshness, time travel and the facts view: what a picture, timeline or daily series read may ask for. */
function readCommon(query: QueryParameters): ReadModelRequest {
  const freshness = readFreshness(query);
  const knownAt = query.instant('knownAt', true);
  const knownAtPosition = query.position('knownAtPosition');
  const happenedBy = query.instant('happenedBy', true);
  const view = query.oneOf('view', VIEWS) ?? 'as-corrected';
  if ([knownAt, knownAtPosition, happenedBy].filter((value) => value !== undefined).length > 1) {
    query.refuse('knownAt', 'exclusive', 'knownAt, knownAtPosition and happenedBy exclude each other');
  }
  const selection: HistoricalSelection | null =
    knownAt !== undefined
      ? { kind: 'known-at', recordedAt: knownAt.text }
      : knownAtPosition !== undefined
        ? { kind: 'known-at', position: formatPosition(knownAtPosition) }
        : happenedBy !== undefined
          ? { kind: 'happened-by', occurredAt: happenedBy.text }
          : null;
  return { freshness, selection, view };
}

/** `GET /operations/{id}/picture`. */
export async function parsePictureQuery(raw: RawQuery, positions: PositionCheck): Promise<ReadModelRequest> {
  const query = new QueryParameters(raw, [...FRESHNESS, ...HISTORICAL]);
  const request = readCommon(query);
  await query.done(positions, request.freshness.timeoutMs);
  return request;
}

/** `GET /picture` and `GET /operations`: the live picture only, after a write's position if asked. */
export async function parseNationalQuery(raw: RawQuery, positions: PositionCheck): Promise<ReadModelRequest> {
  const query = new QueryParameters(raw, FRESHNESS);
  const freshness = readFreshness(query);
  await query.done(positions, freshness.timeoutMs);
  return { freshness, selection: null, view: 'as-corrected' };
}

/** `GET /operations/{id}/timeline`: filters by type, agency and occurred time; a page. */
export async function parseTimelineQuery(
  raw: RawQuery,
  positions: PositionCheck,
  cursors: TimelineCursors,
): Promise<ReadModelRequest & { readonly query: TimelineQuery }> {
  const query = new QueryParameters(raw, [
    ...FRESHNESS,
    ...HISTORICAL,
    'type',
    'agency',
    'from',
    'to',
    'cursor',
    'limit',
  ]);
  const request = readCommon(query);
  const from = query.instant('from', true);
  const to = query.instant('to', true);
  if (from !== undefined && to !== undefined && from.ms > to.ms)
    query.refuse('to', 'isAfter', 'must not be before from');
  const timeline: TimelineQuery = {
    types: query.list('type', FACT_EVENT_TYPES, 'a type of timeline entry'),
    agencies: query.list('agency', ANY_AGENCY_CODES, 'an agency code'),
    from: from?.text,
    to: to?.text,
    cursor: openCursor(query, cursors),
    limit: query.integer('limit', 1, MAX_TIMELINE_LIMIT),
  };
  await query.done(positions, request.freshness.timeoutMs);
  return { ...request, query: timeline };
}

/** The cursor a client sent, opened: only cursors this api signed reach the read model. */
function openCursor(query: QueryParameters, cursors: TimelineCursors): string | undefined {
  const signed = query.single('cursor');
  if (signed === undefined) return undefined;
  const cursor = cursors.open(signed);
  if (cursor === null)
    query.refuse('cursor', 'issuedCursor', 'is not a cursor this api issued: pass nextCursor back unchanged');
  return cursor ?? undefined;
}

/** `GET /operations/{id}/timeline/daily`: the series of some types of entry. */
export async function parseDailySeriesQuery(
  raw: RawQuery,
  positions: PositionCheck,
): Promise<ReadModelRequest & { readonly query: Pick<TimelineQuery, 'types'> }> {
  const query = new QueryParameters(raw, [...FRESHNESS, ...HISTORICAL, 'type']);
  const request = readCommon(query);
  const types = query.list('type', FACT_EVENT_TYPES, 'a type of timeline entry');
  await query.done(positions, request.freshness.timeoutMs);
  return { ...request, query: { types } };
}

/**
 * Live streams: an optional type filter only (resumption comes from `Last-Event-ID`).
 * `events/live` carries every event; `timeline/live` carries entries, so amendments are not its types.
 */
export function parseLiveQuery(
  raw: RawQuery,
  stream: 'events' | 'timeline',
): { readonly types?: readonly string[] } {
  const query = new QueryParameters(raw, ['type']);
  const types =
    stream === 'events'
      ? query.list('type', EVENT_TYPES, 'an event type')
      : query.list('type', FACT_EVENT_TYPES, 'a type of timeline entry');
  query.throwIfRefused();
  return { types };
}
