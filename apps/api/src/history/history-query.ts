import type { GlobalPosition } from '@timeline/event-store';
import { ANY_AGENCY_CODES, EVENT_TYPES, OPERATION_ID_PATTERN } from '@timeline/events';
import { PAGE_SIZES } from '../auth/page-size';
import {
  InvalidQueryError,
  QueryParameters,
  type PositionCheck,
  type RawQuery,
} from '../http/query-parameters';

export type { RawQuery } from '../http/query-parameters';

export interface StreamHistoryQuery {
  readonly direction: 'forwards' | 'backwards';
  /** Inclusive; undefined = the start (forwards) or the end (backwards). */
  readonly fromRevision: number | undefined;
  readonly limit: number;
}

export interface LogHistoryQuery {
  /** Exclusive. */
  readonly after: GlobalPosition | undefined;
  readonly limit: number;
  readonly types: readonly string[] | undefined;
  readonly agencies: readonly string[] | undefined;
  readonly operationId: string | undefined;
  /** Inclusive lower bound of `recordedAt` (epoch ms). */
  readonly recordedFrom: number | undefined;
  /** Exclusive upper bound of `recordedAt` (epoch ms). */
  readonly recordedTo: number | undefined;
}

const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIRECTIONS = ['forwards', 'backwards'] as const;
const OPERATION_ID_RULE = 'must be 1–64 letters, digits, "-" or "_", starting alphanumeric';

/**
 * Parses the query of `GET /operations/{id}/events`. Every problem is reported
 * at once, by parameter; unknown parameters are refused rather than ignored
 * (a misspelt filter must not silently widen what an auditor sees).
 */
export function parseStreamHistoryQuery(operationId: string, raw: RawQuery): StreamHistoryQuery {
  const query = new QueryParameters(raw, ['direction', 'fromRevision', 'limit']);
  if (!OPERATION_ID_PATTERN.test(operationId))
    query.refuse('operationId', 'isOperationId', OPERATION_ID_RULE);
  const direction = query.oneOf('direction', DIRECTIONS) ?? 'forwards';
  const fromRevision = query.integer('fromRevision', 0, Number.MAX_SAFE_INTEGER, 'isRevision');
  const limit = query.integer('limit', 1, PAGE_SIZES.events.max, 'pageSize') ?? PAGE_SIZES.events.default;
  query.throwIfRefused();
  return { direction, fromRevision, limit };
}

/**
 * Parses the query of `GET /events`; `type` and `agency` take comma-separated lists
 * or repeat, from the known event types and agency codes. `after` must be a position
 * the api issued (checked by `positions` before the log is read from it).
 */
export async function parseLogHistoryQuery(
  raw: RawQuery,
  positions: PositionCheck,
): Promise<LogHistoryQuery> {
  const query = new QueryParameters(raw, [
    'after',
    'limit',
    'type',
    'agency',
    'operationId',
    'recordedFrom',
    'recordedTo',
  ]);
  const after = query.position('after');
  const limit = query.integer('limit', 1, PAGE_SIZES.events.max, 'pageSize') ?? PAGE_SIZES.events.default;
  const types = query.list('type', EVENT_TYPES, 'an event type');
  const agencies = query.list('agency', ANY_AGENCY_CODES, 'an agency code');
  const operationId = query.single('operationId');
  if (operationId !== undefined && !OPERATION_ID_PATTERN.test(operationId))
    query.refuse('operationId', 'isOperationId', OPERATION_ID_RULE);
  const recordedFrom = query.instant('recordedFrom', false)?.ms;
  const recordedTo = query.instant('recordedTo', false)?.ms;
  if (recordedFrom !== undefined && recordedTo !== undefined && recordedFrom >= recordedTo)
    query.refuse('recordedTo', 'isAfter', 'must be later than recordedFrom');
  await query.done(positions);
  return { after, limit, types, agencies, operationId, recordedFrom, recordedTo };
}

export function checkEventId(eventId: string): void {
  if (!EVENT_ID.test(eventId))
    throw new InvalidQueryError([{ path: 'eventId', constraint: 'isUuid', message: 'must be a UUID' }]);
}

export function checkOperationIdParameter(operationId: string): void {
  if (!OPERATION_ID_PATTERN.test(operationId))
    throw new InvalidQueryError([
      { path: 'operationId', constraint: 'isOperationId', message: OPERATION_ID_RULE },
    ]);
}
