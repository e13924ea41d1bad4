import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import { parsePosition } from '@timeline/event-store';
import type { Freshness, HistoricalSelection, TimelineQuery } from '@timeline/projections';

export type RawQuery = Readonly<Record<string, string | string[] | undefined>>;

export interface FieldProblem {
  readonly path: string;
  readonly constraint: string;
  readonly message: string;
}

/** A query string the read side cannot answer; field-level, like every other 400. */
export class InvalidReadModelQueryError extends TimelineError {
  readonly code = 'read-model.invalid-query';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(readonly errors: readonly FieldProblem[]) {
    super(`Invalid query: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
  }
}

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

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const KNOWN_PARAMETERS = {
  common: ['minPosition', 'waitMs', 'knownAt', 'knownAtPosition', 'happenedBy', 'view'],
  timeline: ['type', 'agency', 'from', 'to', 'cursor', 'limit'],
  daily: ['type'],
} as const;

class QueryReader {
  readonly problems: FieldProblem[] = [];

  constructor(
    private readonly raw: RawQuery,
    allowed: readonly string[],
  ) {
    for (const name of Object.keys(raw)) {
      if (!allowed.includes(name)) {
        this.problems.push({
          path: name,
          constraint: 'whitelist',
          message: 'is not a known query parameter',
        });
      }
    }
  }

  single(name: string): string | undefined {
    const value = this.raw[name];
    if (Array.isArray(value)) {
      this.problems.push({ path: name, constraint: 'single', message: 'must be given once' });
      return undefined;
    }
    return value === undefined || value === '' ? undefined : value;
  }

  /** Comma-separated or repeated. */
  list(name: string, pattern: RegExp): string[] | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    const items = [value]
      .flat()
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    const bad = items.filter((item) => !pattern.test(item));
    if (bad.length > 0)
      this.problems.push({
        path: name,
        constraint: 'format',
        message: `has invalid items: ${bad.join(', ')}`,
      });
    return items.length > 0 ? [...new Set(items)] : undefined;
  }

  instant(name: string): string | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    if (!ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
      this.problems.push({
        path: name,
        constraint: 'isIso8601',
        message: 'must be an ISO 8601 date or date-time',
      });
      return undefined;
    }
    return value;
  }

  position(name: string): string | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    if (parsePosition(value) === null) {
      this.problems.push({
        path: name,
        constraint: 'position',
        message: 'must be a global position as returned by a write',
      });
      return undefined;
    }
    return value;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    const parsed = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= min && parsed <= max)) {
      this.problems.push({
        path: name,
        constraint: 'range',
        message: `must be a whole number from ${min} to ${max}`,
      });
      return undefined;
    }
    return parsed;
  }

  finish(): void {
    if (this.problems.length > 0) throw new InvalidReadModelQueryError(this.problems);
  }
}

function readCommon(reader: QueryReader): ReadModelRequest {
  const minPosition = reader.position('minPosition');
  const waitMs = reader.integer('waitMs', 0, MAX_WAIT_MS);
  const knownAt = reader.instant('knownAt');
  const knownAtPosition = reader.position('knownAtPosition');
  const happenedBy = reader.instant('happenedBy');
  const view = reader.single('view') ?? 'as-corrected';
  if (view !== 'as-corrected' && view !== 'as-recorded') {
    reader.problems.push({
      path: 'view',
      constraint: 'isIn',
      message: 'must be as-corrected or as-recorded',
    });
  }
  const chosen = [knownAt, knownAtPosition, happenedBy].filter((value) => value !== undefined).length;
  if (chosen > 1) {
    reader.problems.push({
      path: 'knownAt',
      constraint: 'exclusive',
      message: 'knownAt, knownAtPosition and happenedBy exclude each other',
    });
  }
  const selection: HistoricalSelection | null =
    knownAt !== undefined
      ? { kind: 'known-at', recordedAt: knownAt }
      : knownAtPosition !== undefined
        ? { kind: 'known-at', position: knownAtPosition }
        : happenedBy !== undefined
          ? { kind: 'happened-by', occurredAt: happenedBy }
          : null;
  return { freshness: { minPosition, timeoutMs: waitMs }, selection, view: view as FactsView };
}

const TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/;
const AGENCY_CODE = /^[A-Z][A-Z0-9_-]{0,31}$/;

export function parsePictureQuery(raw: RawQuery): ReadModelRequest {
  const reader = new QueryReader(raw, KNOWN_PARAMETERS.common);
  const request = readCommon(reader);
  reader.finish();
  return request;
}

export function parseTimelineQuery(raw: RawQuery): ReadModelRequest & { readonly query: TimelineQuery } {
  const reader = new QueryReader(raw, [...KNOWN_PARAMETERS.common, ...KNOWN_PARAMETERS.timeline]);
  const request = readCommon(reader);
  const query: TimelineQuery = {
    types: reader.list('type', TYPE_NAME),
    agencies: reader.list('agency', AGENCY_CODE),
    from: reader.instant('from'),
    to: reader.instant('to'),
    cursor: reader.single('cursor'),
    limit: reader.integer('limit', 1, 500),
  };
  reader.finish();
  return { ...request, query };
}

export function parseDailySeriesQuery(
  raw: RawQuery,
): ReadModelRequest & { readonly query: Pick<TimelineQuery, 'types'> } {
  const reader = new QueryReader(raw, [...KNOWN_PARAMETERS.common, ...KNOWN_PARAMETERS.daily]);
  const request = readCommon(reader);
  const query = { types: reader.list('type', TYPE_NAME) };
  reader.finish();
  return { ...request, query };
}

/** Live streams: optional type filter only (resumption comes from `Last-Event-ID`). */
export function parseLiveQuery(raw: RawQuery): { readonly types?: readonly string[] } {
  const reader = new QueryReader(raw, ['type']);
  const types = reader.list('type', TYPE_NAME);
  reader.finish();
  return { types };
}
