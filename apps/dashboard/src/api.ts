import { createTimelineApiClient, type Schemas, type TimelineApiClient } from '@timeline/api-client';

export type Picture = Schemas['OperationalPictureView'];
export type Totals = Schemas['PictureTotals'];
export type TimelineEntry = Schemas['TimelineEntryView'];
export type TimelinePage = Schemas['TimelinePage'];
export type DailySeries = Schemas['DailySeries'];
export type Principal = Schemas['CurrentPrincipal'];
export type OperationSummary = Schemas['OperationList']['operations'][number];
export type Verification = Schemas['OperationVerification'];
export type Lineage = Schemas['EventLineage'];

/** What the page shows: now, or as known at a recorded moment (README "The dashboard", time travel). */
export interface Moment {
  /** ISO date-time; null: now, live. */
  readonly knownAt: string | null;
  readonly view: 'as-corrected' | 'as-recorded';
}

export const NOW: Moment = { knownAt: null, view: 'as-corrected' };

export function momentQuery(moment: Moment): { knownAt?: string; view?: Moment['view'] } {
  return {
    ...(moment.knownAt === null ? {} : { knownAt: moment.knownAt }),
    ...(moment.view === 'as-corrected' ? {} : { view: moment.view }),
  };
}

/**
 * The per-group breakdown of the picture, `byOrganisedCrimeGroup` (ocgId → totals, like
 * `byAgency`): read when the api sends it, so the page works with an api that does not yet.
 */
export function byOrganisedCrimeGroup(picture: Picture): Record<string, Totals> | null {
  const value = (picture as Picture & { byOrganisedCrimeGroup?: unknown }).byOrganisedCrimeGroup;
  return typeof value === 'object' && value !== null ? (value as Record<string, Totals>) : null;
}

/** A refusal of the api, with the problem document's words. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export function apiClient(token: string): TimelineApiClient {
  return createTimelineApiClient({ baseUrl: location.origin, token });
}

/** The data of an answer, or an ApiProblem naming what the api refused. */
export async function answer<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (data !== undefined && response.ok) return data;
  const problem = (error ?? {}) as { detail?: string; title?: string; code?: string };
  throw new ApiProblem(
    response.status,
    problem.code,
    problem.detail ?? problem.title ?? `The api answered ${response.status}`,
  );
}
