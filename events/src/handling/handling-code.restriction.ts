import { ANY_AGENCY_CODES } from '../vocabulary/agency.vocabulary';

/**
 * Intelligence handling codes (3x5x2 grading): P — may be shared; C — shared
 * only under the conditions stated with it. A C-coded report's details are for
 * the originating agency, the recording agency and the agencies its conditions
 * name; everyone else may know that a report exists (it is counted, ordered and
 * chained) but not what it says.
 *
 * This file decides who is entitled to a version of a report; the api applies it
 * to principals (apps/api/src/auth/handling-code.policy.ts) and the read models
 * keep what a restricted report adds apart by who is entitled to it, so that
 * each caller is shown only what the same rule lets it see (README, Security).
 */

type Data = Readonly<Record<string, unknown>>;

/** Who may see a C-coded report: null when the report is not restricted. */
export interface IntelligenceRestriction {
  /** The originating agency, and the recording agency when it differs. */
  readonly originators: readonly string[];
  /** The agencies the handling conditions name. */
  readonly permitted: readonly string[];
}

/** What an event looks like to the rule: its type, its data and the agency that recorded it. */
export interface EventLike {
  readonly type: string;
  readonly data: Data;
  /** The recording agency (envelope `agency`), when known. */
  readonly agency?: string;
}

/**
 * What a withheld event's data is replaced with. A withheld correction keeps
 * which event it corrects (the timeline and the lineage show that a correction
 * was made, by whom and when), never what it says.
 */
export interface WithheldData {
  readonly withheld: true;
  readonly handling: 'C';
  readonly reason: string;
  readonly correctsEventId?: string;
  readonly correctedType?: string;
}

export const WITHHELD_REASON =
  'Handling code C: details are shared only with the agencies its conditions name';

/** The data shown in place of a withheld event's data. */
export function withheldData(event?: EventLike): WithheldData {
  const marker: WithheldData = { withheld: true, handling: 'C', reason: WITHHELD_REASON };
  if (event?.type !== 'EventCorrected') return marker;
  const { correctsEventId, correctedType } = event.data;
  return {
    ...marker,
    ...(typeof correctsEventId === 'string' ? { correctsEventId } : {}),
    ...(typeof correctedType === 'string' ? { correctedType } : {}),
  };
}

/** Whether data is a withheld marker (an export or a response made for a principal not entitled to it). */
export function isWithheldData(data: unknown): boolean {
  return (
    data !== null &&
    typeof data === 'object' &&
    (data as Data)['withheld'] === true &&
    (data as Data)['handling'] === 'C'
  );
}

function handlingOf(data: Data): string | undefined {
  const grading = data['grading'];
  if (typeof data['handling'] === 'string') return data['handling'];
  if (grading !== null && typeof grading === 'object') {
    const handling = (grading as Data)['handling'];
    if (typeof handling === 'string') return handling;
  }
  if (typeof grading === 'string') return grading.split(/[^A-Za-z0-9]/).pop();
  return undefined;
}

/** Agency codes as whole words: `NCA`, `FR-GN`; never part of a longer code (`NWP` in `NWPX`). */
const AGENCY_MENTION = new RegExp(
  `(?<![A-Za-z0-9-])(${[...ANY_AGENCY_CODES]
    .sort((a, b) => b.length - a.length)
    .map((code) => code.replace(/[-]/g, '\\-'))
    .join('|')})(?![A-Za-z0-9-])`,
  'g',
);

/**
 * The agencies handling conditions name. Conditions are free text in the
 * contract ("Share with NWP and TARIAN only; no onward dissemination"); the
 * agencies they name are the agency codes written in them.
 */
export function agenciesNamedBy(conditions: unknown): string[] {
  if (typeof conditions === 'string') return [...new Set(conditions.match(AGENCY_MENTION) ?? [])].sort();
  if (
    conditions !== null &&
    typeof conditions === 'object' &&
    Array.isArray((conditions as Data)['agencies'])
  ) {
    return ((conditions as Data)['agencies'] as unknown[]).filter(
      (agency): agency is string => typeof agency === 'string',
    );
  }
  return [];
}

/** The restriction carried by IntelligenceReceived data (or a correction's replacement of it). */
export function restrictionOfIntelligence(
  data: Data,
  recordingAgency?: string,
): IntelligenceRestriction | null {
  if (handlingOf(data) !== 'C') return null;
  const grading = data['grading'];
  const conditions =
    data['conditions'] ??
    data['handlingConditions'] ??
    (grading !== null && typeof grading === 'object' ? (grading as Data)['conditions'] : undefined);
  const originators = [data['fromAgency'], recordingAgency].filter(
    (agency): agency is string => typeof agency === 'string',
  );
  return { originators: [...new Set(originators)], permitted: agenciesNamedBy(conditions) };
}

/** The restriction an event carries, whatever its type. */
export function restrictionOf(event: EventLike): IntelligenceRestriction | null {
  if (event.type === 'IntelligenceReceived') return restrictionOfIntelligence(event.data, event.agency);
  if (event.type === 'EventCorrected' && event.data['correctedType'] === 'IntelligenceReceived') {
    const replacement = event.data['replacement'];
    if (replacement !== null && typeof replacement === 'object' && !Array.isArray(replacement)) {
      return restrictionOfIntelligence(replacement as Data, event.agency);
    }
  }
  return null;
}

/** Every agency entitled to a restricted report, sorted. */
export function entitledAgencies(restriction: IntelligenceRestriction): string[] {
  return [...new Set([...restriction.originators, ...restriction.permitted])].sort();
}

/** Whether an agency may see the details of an event with this restriction. */
export function agencyMayView(agency: string, restriction: IntelligenceRestriction | null): boolean {
  if (restriction === null) return true;
  return restriction.originators.includes(agency) || restriction.permitted.includes(agency);
}
