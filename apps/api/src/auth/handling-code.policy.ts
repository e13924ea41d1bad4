import { ANY_AGENCY_CODES } from '@timeline/events';
import type { Principal } from './principal';

/**
 * Intelligence handling codes (3x5x2 grading): P — may be shared; C — shared
 * only under the conditions stated with it. A C-coded report's details are for
 * the originating agency and the agencies its conditions name; everyone else
 * may know that a report exists (it is counted) but not what it says.
 *
 * This file is the one place that decides it. Every route and push that
 * returns event data, timeline entries or report details calls
 * `mayViewIntelligence` / `redactEventForPrincipal` on its way out.
 */

type Data = Readonly<Record<string, unknown>>;

/** Who may see a C-coded report: null when the report is not restricted. */
export interface IntelligenceRestriction {
  /** The originating agency, and the recording agency when it differs. */
  readonly originators: readonly string[];
  /** The agencies the handling conditions name. */
  readonly permitted: readonly string[];
}

/** What an event looks like to the policy: its type, its data and the agency that recorded it. */
export interface EventLike {
  readonly type: string;
  readonly data: Data;
  /** The recording agency (envelope `agency`), when known. */
  readonly agency?: string;
}

/** Replacement of what a withheld event's data held. */
export interface WithheldData {
  readonly withheld: true;
  readonly handling: 'C';
  readonly reason: string;
}

export const WITHHELD_REASON =
  'Handling code C: details are shared only with the agencies its conditions name';

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

/** Whether the principal's agency may see the details of an event with this restriction. */
export function mayView(
  principal: Pick<Principal, 'agency'>,
  restriction: IntelligenceRestriction | null,
): boolean {
  if (restriction === null) return true;
  return (
    restriction.originators.includes(principal.agency) || restriction.permitted.includes(principal.agency)
  );
}

/** Whether the principal may see the event's details. */
export function mayViewIntelligence(principal: Pick<Principal, 'agency'>, event: EventLike): boolean {
  return mayView(principal, restrictionOf(event));
}

/** The data shown in place of a withheld event's data. */
export function withheldData(): WithheldData {
  return { withheld: true, handling: 'C', reason: WITHHELD_REASON };
}

/**
 * The event as the principal may see it: unchanged, or with its data replaced
 * by a withheld marker (type, ids, times, positions and hashes stay, so that it
 * is still counted, ordered and chained).
 */
export function redactEventForPrincipal<T extends EventLike>(
  principal: Pick<Principal, 'agency'>,
  event: T,
): T | (Omit<T, 'data'> & { data: WithheldData }) {
  if (mayViewIntelligence(principal, event)) return event;
  return { ...event, data: withheldData() };
}

/** One version of a timeline entry (as recorded, or a correction), as the policy sees it. */
export interface EntryVersionLike {
  readonly agency: string;
  readonly data: Data;
  readonly reason?: string | null;
}

/** A timeline entry (or live timeline push): the current data and the versions it went through. */
export interface TimelineEntryLike {
  readonly type: string;
  readonly agency: string;
  readonly data: Data;
  readonly history?: readonly EntryVersionLike[];
}

/**
 * A timeline entry as the principal may see it. An entry is withheld whole —
 * its current data and every version's data and reason — when the principal may
 * not see any one of its versions: a correction of a C-coded report must not
 * reveal by difference what the report said.
 */
export function redactEntryForPrincipal<T extends TimelineEntryLike>(
  principal: Pick<Principal, 'agency'>,
  entry: T,
): T {
  const versions: EventLike[] = [
    { type: entry.type, data: entry.data, agency: entry.agency },
    ...(entry.history ?? []).map((version) => ({
      type: entry.type,
      data: version.data,
      agency: version.agency,
    })),
  ];
  if (versions.every((version) => mayViewIntelligence(principal, version))) return entry;
  return {
    ...entry,
    data: withheldData(),
    ...(entry.history === undefined
      ? {}
      : {
          history: entry.history.map((version) => ({
            ...version,
            data: withheldData(),
            ...(version.reason === undefined ? {} : { reason: null }),
          })),
        }),
  };
}
