import { parsePosition, type GlobalPosition } from '@timeline/event-store';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import type { ProblemFieldError } from './problem-details';

/** Query parameters as the platform hands them over: a value, or several when repeated. */
export type RawQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One or more query parameters of a read are not ones it takes, or not values it knows; nothing was read. */
export class InvalidQueryError extends TimelineError {
  readonly code = 'request.invalid-query';
  readonly category: ErrorCategory = 'invalid-input';

  constructor(readonly errors: readonly ProblemFieldError[]) {
    super(`Invalid query: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
  }
}

/**
 * Whether a position a client sent is one the server issued, asked before the
 * position reaches a store (see IssuedPositions): null, or why it is refused.
 */
export interface PositionCheck {
  /** @param waitMs how long the check may wait for the read models to apply a position the log holds. */
  refusal(position: GlobalPosition, waitMs?: number): Promise<string | null>;
}

/** A date-time with its zone (`Z` or `±hh:mm`), seconds and fractions optional. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
/** A calendar date, or a date-time with its zone. */
const DATE_OR_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Client text quoted back in an error, bounded so that a hostile value cannot swell the answer. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/**
 * The one reader of read routes' query strings (pictures, timelines, history, live
 * streams). Every route names the parameters it takes: any other is refused, not
 * ignored (a misspelt filter must not silently widen or empty a read). Values of a
 * closed vocabulary (event types, agencies, views) are checked against it and a
 * refusal lists the known values. Every problem is collected; `done()` throws them
 * together as one 400.
 */
export class QueryParameters {
  private readonly errors: ProblemFieldError[] = [];
  private readonly positions: { name: string; position: GlobalPosition }[] = [];

  constructor(
    private readonly raw: RawQuery,
    known: readonly string[],
  ) {
    for (const name of Object.keys(raw)) {
      if (known.includes(name)) continue;
      this.refuse(
        name,
        'whitelist',
        known.length === 0
          ? 'is not a parameter of this route, which takes none'
          : `is not a parameter of this route; known: ${known.join(', ')}`,
      );
    }
  }

  /** Adds a problem of the caller's own (a rule across parameters). */
  refuse(path: string, constraint: string, message: string): void {
    this.errors.push({ path, constraint, message });
  }

  /** A parameter given at most once; empty counts as absent. */
  single(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      this.refuse(name, 'single', 'must be given once');
      return undefined;
    }
    return value === '' ? undefined : value;
  }

  /** One of a closed list of values. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.refuse(name, 'isIn', `${quoted(value)} is not one of: ${values.join(', ')}`);
    return undefined;
  }

  /**
   * Values from a closed vocabulary, comma-separated or repeated; each unknown one is
   * refused, naming what `name` takes (`what`, e.g. "an event type") and listing the known values.
   */
  list<T extends string>(name: string, known: readonly T[], what: string): T[] | undefined {
    const value = this.raw[name];
    if (value === undefined) return undefined;
    const items = (typeof value === 'string' ? [value] : value)
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    const unknown = items.filter((item) => !(known as readonly string[]).includes(item));
    if (unknown.length > 0) {
      this.refuse(
        name,
        'isIn',
        `${unknown.map(quoted).join(', ')} ${unknown.length === 1 ? 'is not' : 'are not'} ${what}; known: ${known.join(', ')}`,
      );
      return undefined;
    }
    return items.length > 0 ? ([...new Set(items)] as T[]) : undefined;
  }

  /**
   * An instant, as text and epoch ms: a date-time with its zone, or (`dateAllowed`) a
   * calendar date, which means its midnight UTC. Calendar overflow (30 February) is refused.
   */
  instant(name: string, dateAllowed: boolean): { text: string; ms: number } | undefined {
    const text = this.single(name);
    if (text === undefined) return undefined;
    const shape = dateAllowed ? DATE_OR_DATE_TIME : DATE_TIME;
    const ms = shape.test(text) && isRealDate(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(ms)) {
      this.refuse(
        name,
        'isIso8601',
        dateAllowed
          ? 'must be an ISO 8601 date or date-time with a zone, e.g. 2020-06-13 or 2020-06-13T00:00:00Z'
          : 'must be an ISO 8601 date-time with a zone, e.g. 2020-06-13T00:00:00Z',
      );
      return undefined;
    }
    return { text, ms };
  }

  /** A whole number within bounds (page sizes, revisions, waits); `constraint` names the rule. */
  integer(name: string, min: number, max: number, constraint = 'range'): number | undefined {
    const text = this.single(name);
    if (text === undefined) return undefined;
    const value = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= min && value <= max)) {
      this.refuse(name, constraint, `must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  /** A global position as the api writes them (`42`, `1042/1040`); `done` checks it was issued. */
  position(name: string): GlobalPosition | undefined {
    const text = this.single(name);
    if (text === undefined) return undefined;
    const position = parsePosition(text);
    if (position === null) {
      this.refuse(name, 'isPosition', 'must be a position as the api returns them, e.g. "42"');
      return undefined;
    }
    this.positions.push({ name, position });
    return position;
  }

  /**
   * Throws every problem found, as one 400; returns when there was none. Positions
   * are checked last, by `check`, and only when everything else is well formed.
   */
  async done(check: PositionCheck, waitMs?: number): Promise<void> {
    this.throwIfRefused();
    for (const { name, position } of this.positions) {
      const refusal = await check.refusal(position, waitMs);
      if (refusal !== null) this.refuse(name, 'issuedPosition', refusal);
    }
    this.throwIfRefused();
  }

  /** `done` for a read that takes no position. */
  throwIfRefused(): void {
    if (this.errors.length > 0) throw new InvalidQueryError(this.errors);
  }
}

/** Rejects calendar overflow, which Date.parse rolls over (2020-02-30 → 1 March). */
function isRealDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The known-parameters check alone, for a read that takes no parameter. */
export function noQueryParameters(raw: RawQuery): void {
  new QueryParameters(raw, []).throwIfRefused();
}
