import { parsePosition, type GlobalPosition } from '@timeline/event-store';
import { EVENT_TYPES, OPERATION_ID_PATTERN } from '@timeline/events';
import { PAGE_SIZES } from '../auth/page-size';
import { AGENCY_CODE_PATTERN } from '../auth/principal';
import { InvalidHistoryQueryError, type QueryFieldError } from './history.errors';

/** Query parameters as the platform hands them over: a value, or several when repeated. */
export type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

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

const STREAM_PARAMETERS = new Set(['direction', 'fromRevision', 'limit']);
const LOG_PARAMETERS = new Set([
  'after',
  'limit',
  'type',
  'agency',
  'operationId',
  'recordedFrom',
  'recordedTo',
]);
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses the query of `GET /operations/{id}/events`. Every problem is reported
 * at once, by parameter; unknown parameters are refused rather than ignored
 * (a misspelt filter must not silently widen what an auditor sees).
 */
export function parseStreamHistoryQuery(operationId: string, query: RawQuery): StreamHistoryQuery {
  const errors: QueryFieldError[] = [];
  checkOperationId(operationId, 'operationId', errors);
  unknownParameters(query, STREAM_PARAMETERS, errors);
  const direction = single(query, 'direction', errors) ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    errors.push({ path: 'direction', constraint: 'isIn', message: 'must be "forwards" or "backwards"' });
  }
  const fromText = single(query, 'fromRevision', errors);
  let fromRevision: number | undefined;
  if (fromText !== undefined) {
    fromRevision = /^\d{1,15}$/.test(fromText) ? Number(fromText) : undefined;
    if (fromRevision === undefined) {
      errors.push({
        path: 'fromRevision',
        constraint: 'isRevision',
        message: 'must be a non-negative integer revision',
      });
    }
  }
  const limit = limitOf(query, errors);
  if (errors.length > 0) throw new InvalidHistoryQueryError(errors);
  return { direction: direction as StreamHistoryQuery['direction'], fromRevision, limit: limit! };
}

/** Parses the query of `GET /events`; `type` and `agency` take comma-separated lists or repeat. */
export function parseLogHistoryQuery(query: RawQuery): LogHistoryQuery {
  const errors: QueryFieldError[] = [];
  unknownParameters(query, LOG_PARAMETERS, errors);
  const afterText = single(query, 'after', errors);
  const after = afterText === undefined ? undefined : (parsePosition(afterText) ?? undefined);
  if (afterText !== undefined && after === undefined) {
    errors.push({
      path: 'after',
      constraint: 'isPosition',
      message: 'must be a position as the api writes it, e.g. "42"',
    });
  }
  const limit = limitOf(query, errors);
  const types = list(query, 'type');
  for (const type of types ?? []) {
    if (!(EVENT_TYPES as readonly string[]).includes(type)) {
      errors.push({
        path: 'type',
        constraint: 'isEventType',
        message: `"${type}" is not an event type; known: ${EVENT_TYPES.join(', ')}`,
      });
    }
  }
  const agencies = list(query, 'agency');
  for (const agency of agencies ?? []) {
    if (!AGENCY_CODE_PATTERN.test(agency)) {
      errors.push({
        path: 'agency',
        constraint: 'isAgencyCode',
        message: `"${agency}" is not an agency code (e.g. NCA, NWP)`,
      });
    }
  }
  const operationId = single(query, 'operationId', errors);
  if (operationId !== undefined) checkOperationId(operationId, 'operationId', errors);
  const recordedFrom = instant(query, 'recordedFrom', errors);
  const recordedTo = instant(query, 'recordedTo', errors);
  if (recordedFrom !== undefined && recordedTo !== undefined && recordedFrom >= recordedTo) {
    errors.push({ path: 'recordedTo', constraint: 'isAfter', message: 'must be later than recordedFrom' });
  }
  if (errors.length > 0) throw new InvalidHistoryQueryError(errors);
  return { after, limit: limit!, types, agencies, operationId, recordedFrom, recordedTo };
}

export function checkEventId(eventId: string): void {
  if (!EVENT_ID.test(eventId)) {
    throw new InvalidHistoryQueryError([
      { path: 'eventId', constraint: 'isUuid', message: 'must be a UUID' },
    ]);
  }
}

export function checkOperationIdParameter(operationId: string): void {
  const errors: QueryFieldError[] = [];
  checkOperationId(operationId, 'operationId', errors);
  if (errors.length > 0) throw new InvalidHistoryQueryError(errors);
}

function checkOperationId(operationId: string, path: string, errors: QueryFieldError[]): void {
  if (!OPERATION_ID_PATTERN.test(operationId)) {
    errors.push({
      path,
      constraint: 'isOperationId',
      message: 'must be 1–64 letters, digits, "-" or "_", starting alphanumeric',
    });
  }
}

function unknownParameters(query: RawQuery, known: ReadonlySet<string>, errors: QueryFieldError[]): void {
  for (const name of Object.keys(query)) {
    if (!known.has(name)) {
      errors.push({
        path: name,
        constraint: 'whitelist',
        message: `is not a parameter of this route; known: ${[...known].join(', ')}`,
      });
    }
  }
}

function single(query: RawQuery, name: string, errors: QueryFieldError[]): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    errors.push({ path: name, constraint: 'single', message: 'must be given once' });
    return undefined;
  }
  return value;
}

function list(query: RawQuery, name: string): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const items = (typeof value === 'string' ? [value] : value)
    .flatMap((item) => item.split(','))
    .map((item) => item.trim());
  return items.filter((item) => item.length > 0);
}

function limitOf(query: RawQuery, errors: QueryFieldError[]): number | undefined {
  const text = single(query, 'limit', errors);
  if (text === undefined) return PAGE_SIZES.events.default;
  const { max } = PAGE_SIZES.events;
  const value = /^\d{1,9}$/.test(text) ? Number(text) : 0;
  if (value < 1 || value > max) {
    errors.push({
      path: 'limit',
      constraint: 'pageSize',
      message: `must be an integer between 1 and ${max}`,
    });
    return undefined;
  }
  return value;
}

function instant(query: RawQuery, name: string, errors: QueryFieldError[]): number | undefined {
  const text = single(query, name, errors);
  if (text === undefined) return undefined;
  const value = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(value)) {
    errors.push({
      path: name,
      constraint: 'isIso8601',
      message: 'must be an ISO 8601 date-time with a zone, e.g. 2020-06-13T00:00:00Z',
    });
    return undefined;
  }
  return value;
}
