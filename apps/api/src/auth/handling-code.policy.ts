import {
  agencyMayView,
  restrictionOf,
  withheldData,
  type EventLike,
  type IntelligenceRestriction,
  type WithheldData,
} from '@timeline/events';
import type { EventLineage } from '@timeline/integrity';
import type { Principal } from '@timeline/auth';

/**
 * Handling code C applied to principals. Who is entitled to a report is decided
 * by the event contract (`restrictionOf` in events/src/handling); this file is
 * the one place that applies it to a caller. Every route and push that returns
 * event data, timeline entries, lineage or report details calls it on its way
 * out; the pictures are presented per agency by the read models with the same
 * rule (`PictureViewer`).
 */

type Data = Readonly<Record<string, unknown>>;

export {
  agenciesNamedBy,
  restrictionOf,
  restrictionOfIntelligence,
  withheldData,
  WITHHELD_REASON,
  type EventLike,
  type IntelligenceRestriction,
  type WithheldData,
} from '@timeline/events';

/** Whether the principal's agency may see the details of an event with this restriction. */
export function mayView(
  principal: Pick<Principal, 'agency'>,
  restriction: IntelligenceRestriction | null,
): boolean {
  return agencyMayView(principal.agency, restriction);
}

/** Whether the principal may see the event's details. */
export function mayViewIntelligence(principal: Pick<Principal, 'agency'>, event: EventLike): boolean {
  return mayView(principal, restrictionOf(event));
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
  return { ...event, data: withheldData(event) };
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

/**
 * An event's lineage as the principal may see it: withheld whole — the event's
 * data, the current data, and every correction's replacement and reason — when
 * the principal may not see the event or any one of its corrections, as the
 * timeline withholds the entry. Who changed it, when and how stays.
 */
export function redactLineageForPrincipal(
  principal: Pick<Principal, 'agency'>,
  lineage: EventLineage,
): EventLineage {
  const versions: EventLike[] = [
    lineage.event,
    ...lineage.changes.flatMap((change) =>
      change.kind === 'correction'
        ? [
            {
              type: 'EventCorrected',
              agency: change.agency,
              data: { correctedType: lineage.event.type, replacement: change.replacement },
            },
          ]
        : [],
    ),
  ];
  if (versions.every((version) => mayViewIntelligence(principal, version))) return lineage;
  const withheld = { ...withheldData() };
  return {
    ...lineage,
    event: { ...lineage.event, data: { ...withheldData(lineage.event) } },
    currentData: withheld,
    changes: lineage.changes.map((change) =>
      change.kind === 'correction' ? { ...change, reason: null, replacement: withheld } : change,
    ),
  };
}
