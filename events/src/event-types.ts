import type { EventTypeFacts } from './event-type-facts';
import { OPERATION_LAUNCHED_FACTS } from './operation-launched/operation-launched.facts';
import { AGENCY_JOINED_FACTS } from './agency-joined/agency-joined.facts';
import { ENCRYPTION_CRACKED_FACTS } from './encryption-cracked/encryption-cracked.facts';
import { INTELLIGENCE_RECEIVED_FACTS } from './intelligence-received/intelligence-received.facts';
import { INTELLIGENCE_DISSEMINATED_FACTS } from './intelligence-disseminated/intelligence-disseminated.facts';
import { ORGANISED_CRIME_GROUP_IDENTIFIED_FACTS } from './organised-crime-group-identified/organised-crime-group-identified.facts';
import { RAID_CONDUCTED_FACTS } from './raid-conducted/raid-conducted.facts';
import { ARREST_MADE_FACTS } from './arrest-made/arrest-made.facts';
import { CHARGE_BROUGHT_FACTS } from './charge-brought/charge-brought.facts';
import { CHARGE_OUTCOME_RECORDED_FACTS } from './charge-outcome-recorded/charge-outcome-recorded.facts';
import { SEIZURE_RECORDED_FACTS } from './seizure-recorded/seizure-recorded.facts';
import { THREAT_TO_LIFE_MITIGATED_FACTS } from './threat-to-life-mitigated/threat-to-life-mitigated.facts';
import { EVENT_CORRECTED_FACTS } from './event-corrected/event-corrected.facts';
import { EVENT_RETRACTED_FACTS } from './event-retracted/event-retracted.facts';
import { OPERATIONAL_PHASE_ENDED_FACTS } from './operational-phase-ended/operational-phase-ended.facts';
import { OPERATION_CLOSED_FACTS } from './operation-closed/operation-closed.facts';

/**
 * The facts of every event type of the catalogue (events/README.md), in the
 * order an operation's story usually runs. Each is declared beside its data class;
 * every list below is derived from them.
 */
export const EVENT_TYPE_FACTS = [
  OPERATION_LAUNCHED_FACTS,
  AGENCY_JOINED_FACTS,
  ENCRYPTION_CRACKED_FACTS,
  INTELLIGENCE_RECEIVED_FACTS,
  INTELLIGENCE_DISSEMINATED_FACTS,
  ORGANISED_CRIME_GROUP_IDENTIFIED_FACTS,
  RAID_CONDUCTED_FACTS,
  ARREST_MADE_FACTS,
  CHARGE_BROUGHT_FACTS,
  CHARGE_OUTCOME_RECORDED_FACTS,
  SEIZURE_RECORDED_FACTS,
  THREAT_TO_LIFE_MITIGATED_FACTS,
  EVENT_CORRECTED_FACTS,
  EVENT_RETRACTED_FACTS,
  OPERATIONAL_PHASE_ENDED_FACTS,
  OPERATION_CLOSED_FACTS,
] as const;

type AnyFacts = (typeof EVENT_TYPE_FACTS)[number];
type TypesWhere<Fact extends keyof EventTypeFacts> = Extract<AnyFacts, Record<Fact, true>>['type'];

/** Every event type of the catalogue, in story order. */
export const EVENT_TYPES: readonly EventType[] = EVENT_TYPE_FACTS.map((facts) => facts.type);
export type EventType = AnyFacts['type'];

/** The facts of each type, by type. */
export const EVENT_FACTS = Object.fromEntries(EVENT_TYPE_FACTS.map((facts) => [facts.type, facts])) as {
  readonly [K in EventType]: Extract<AnyFacts, { type: K }>;
};

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENT_FACTS, value);
}

function typesWhere<Fact extends keyof EventTypeFacts>(fact: Fact): TypesWhere<Fact>[] {
  return EVENT_TYPE_FACTS.filter((facts) => facts[fact] === true).map(
    (facts) => facts.type as TypesWhere<Fact>,
  );
}

/**
 * Types an EventCorrected may target. Corrections, retractions and the two
 * lifecycle events are not correctable: to amend a correction, correct the
 * original event again (the latest correction wins).
 */
export const CORRECTABLE_EVENT_TYPES: readonly CorrectableEventType[] = typesWhere('correctable');
export type CorrectableEventType = TypesWhere<'correctable'>;

/**
 * Types an EventRetracted may target: the correctable ones except OperationLaunched
 * and AgencyJoined, which found the operation and its membership.
 */
export const RETRACTABLE_EVENT_TYPES: readonly RetractableEventType[] = typesWhere('retractable');
export type RetractableEventType = TypesWhere<'retractable'>;

export function isRetractableEventType(type: EventType): type is RetractableEventType {
  return EVENT_FACTS[type].retractable;
}

/** Types that add to the operational picture's counters. */
export const COUNTED_EVENT_TYPES: readonly CountedEventType[] = typesWhere('counted');
export type CountedEventType = TypesWhere<'counted'>;

/** Operational events: refused once the operational phase has ended. */
export const OPERATIONAL_EVENT_TYPES: readonly OperationalEventType[] = typesWhere('operational');
export type OperationalEventType = TypesWhere<'operational'>;

/** Types that amend an earlier event rather than state a fact of their own (a timeline shows them on their target). */
export const AMENDMENT_EVENT_TYPES: readonly AmendmentEventType[] = typesWhere('amendment');
export type AmendmentEventType = TypesWhere<'amendment'>;

export function isAmendmentEventType(type: EventType): type is AmendmentEventType {
  return EVENT_FACTS[type].amendment;
}

/** Types that are facts of their own: the entries of a timeline. */
export const FACT_EVENT_TYPES = EVENT_TYPES.filter((type) => !EVENT_FACTS[type].amendment) as Exclude<
  EventType,
  AmendmentEventType
>[];

/** Types whose events may be dated before the launch: the background that led to the operation. */
export const MAY_PREDATE_LAUNCH_EVENT_TYPES: readonly EventType[] = typesWhere('mayPredateLaunch');

/** Types recorded after the closure as well, dated when made or decided. */
export const AFTER_CLOSURE_EVENT_TYPES: readonly EventType[] = typesWhere('recordedAfterClosure');

/** The field holding the id of what an event of `type` records, if it records one. */
export function identityFieldOf(type: EventType): string | null {
  return EVENT_FACTS[type].identityField;
}
