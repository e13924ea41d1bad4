import { PageSizeError } from './auth.errors';

export interface PageSizeBounds {
  /** Used when the client names no size. */
  readonly default: number;
  /** The largest page a client may ask for; larger requests are refused, not silently cut. */
  readonly max: number;
}

/** Page-size caps of the API, one place for every paginated route. */
export const PAGE_SIZES = {
  events: { default: 100, max: 1000 },
  timeline: { default: 100, max: 500 },
  operations: { default: 100, max: 500 },
  accessAudit: { default: 100, max: 1000 },
} as const satisfies Record<string, PageSizeBounds>;

/**
 * Reads a page-size query parameter: the default when absent, the integer when
 * it lies within 1…max, a 400 problem otherwise.
 */
export function pageSize(raw: unknown, bounds: PageSizeBounds, parameter = 'limit'): number {
  if (raw === undefined || raw === '') return bounds.default;
  const text = Array.isArray(raw) ? String(raw.at(-1)) : String(raw);
  if (!/^\d{1,9}$/.test(text)) throw new PageSizeError(parameter, text, bounds.max);
  const value = Number(text);
  if (value < 1 || value > bounds.max) throw new PageSizeError(parameter, text, bounds.max);
  return value;
}
