/** Every event type of the catalogue (events/README.md), in the order an operation's story usually runs. */
export const EVENT_TYPES = [
  'OperationLaunched',
  'AgencyJoined',
  'EncryptionCracked',
  'IntelligenceReceived',
  'IntelligenceDisseminated',
  'OrganisedCrimeGroupIdentified',
  'RaidConducted',
  'ArrestMade',
  'ChargeBrought',
  'SeizureRecorded',
  'ThreatToLifeMitigated',
  'EventCorrected',
  'EventRetracted',
  'OperationalPhaseEnded',
  'OperationClosed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Types an EventCorrected may target. Corrections, retractions and the two
 * lifecycle events are not correctable: to amend a correction, correct the
 * original event again (the latest correction wins).
 */
export const CORRECTABLE_EVENT_TYPES = [
  'OperationLaunched',
  'AgencyJoined',
  'EncryptionCracked',
  'IntelligenceReceived',
  'IntelligenceDisseminated',
  'OrganisedCrimeGroupIdentified',
  'RaidConducted',
  'ArrestMade',
  'ChargeBrought',
  'SeizureRecorded',
  'ThreatToLifeMitigated',
] as const satisfies readonly EventType[];
export type CorrectableEventType = (typeof CORRECTABLE_EVENT_TYPES)[number];

/**
 * Types an EventRetracted may target: the correctable ones except OperationLaunched
 * and AgencyJoined, which found the operation and its membership.
 */
export const RETRACTABLE_EVENT_TYPES = [
  'EncryptionCracked',
  'IntelligenceReceived',
  'IntelligenceDisseminated',
  'OrganisedCrimeGroupIdentified',
  'RaidConducted',
  'ArrestMade',
  'ChargeBrought',
  'SeizureRecorded',
  'ThreatToLifeMitigated',
] as const satisfies readonly CorrectableEventType[];
export type RetractableEventType = (typeof RETRACTABLE_EVENT_TYPES)[number];

/** Operational events: refused once the operational phase has ended. */
export const OPERATIONAL_EVENT_TYPES = [
  'RaidConducted',
  'ArrestMade',
  'SeizureRecorded',
] as const satisfies readonly EventType[];

/** Types that amend an earlier event rather than state a fact of their own (a timeline shows them on their target). */
export const AMENDMENT_EVENT_TYPES = [
  'EventCorrected',
  'EventRetracted',
] as const satisfies readonly EventType[];

/** Types that are facts of their own: the entries of a timeline. */
export const FACT_EVENT_TYPES = EVENT_TYPES.filter(
  (type) => !(AMENDMENT_EVENT_TYPES as readonly string[]).includes(type),
) as Exclude<EventType, (typeof AMENDMENT_EVENT_TYPES)[number]>[];
