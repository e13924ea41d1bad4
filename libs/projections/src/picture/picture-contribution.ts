import type { JsonObject } from '@timeline/kernel';
import {
  COUNTED_EVENT_TYPES,
  EVENT_TYPE_FACTS,
  type CountedEventType,
  type OrganisedCrimeGroupLink,
  type StoredEventDataByType,
} from '@timeline/events';
import {
  COMPACT_GRADING_PATTERN,
  type HandlingCode,
  type IntelligenceGrade,
  type SourceGrade,
} from '@timeline/events/vocabulary/intelligence.vocabulary';
import {
  entitledAgencies,
  isWithheldData,
  restrictionOfIntelligence,
} from '@timeline/events/handling/handling-code.restriction';
import { isDrugType, type QuantityUnit } from '@timeline/events/vocabulary/drug.vocabulary';
import type { FirearmCategory, OtherPropertyKind } from '@timeline/events/vocabulary/firearm.vocabulary';
import { UK_AGENCIES, isUkAgencyCode } from '@timeline/events/vocabulary/agency.vocabulary';
import { EventDataReader } from '../core/event-data.reader';
import { counterIdOf } from './counters';
import { WITHHELD, breakdownKey, drugKey, firearmKey, type CounterKey } from './counter-keys';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';

/** Drug quantities in kg are kept as integer milligrams so that corrections subtract exactly. */
export const MILLIGRAMS_PER_KG = 1_000_000;

/**
 * What one event adds to the picture: counters (flat keys such as `arrests` or
 * `drugs.cocaine.kg`, declared in counter-keys.ts) and amounts, attributed to one
 * agency and one region. The picture is the sum of the current contributions of
 * all events not retracted, so a correction is "subtract the old contribution,
 * add the new one".
 */
export interface Contribution {
  readonly agency: string;
  readonly region: string;
  /**
   * The organised crime group the event is counted for: named in its data (a
   * raid's `ocgId`), or the group of the raid it was made at, as that raid stands
   * when the event is counted (its facts' `organisedCrimeGroup`); null for none.
   */
  readonly ocg: string | null;
  readonly keys: readonly CounterKey[];
  /** The keys' numbers (`counterIdOf`), what the counters are indexed by. */
  readonly ids: readonly number[];
  readonly amounts: readonly number[];
  /**
   * Who may see what this contribution counts: null for everyone; for a C-coded
   * report the agencies entitled to it, sorted and comma-joined
   * (`entitledAgencies`); `WITHHELD_AUDIENCE` for a report already withheld from
   * whoever holds the log being folded (a redacted export).
   */
  readonly audience: string | null;
}

/** The audience of a report folded from a withheld marker: no reader of this fold may see its details. */
export const WITHHELD_AUDIENCE = '';

/**
 * The region a withheld report is counted in (where it was is one of its
 * details), as its details are in every breakdown of them (counter-keys.ts).
 */
export { WITHHELD };

/** Where the contributing event happened: the operation's view of agencies' regions. */
export type RegionOf = (agency: string) => string | undefined;

/**
 * The organised crime groups of the operation's raids and arrests, as they stand
 * now: a raid's is the group its data names, an arrest's that of the raid it was
 * made at (null: none, or not known).
 */
export interface GroupsOfOperation {
  ofRaid(raidId: string): string | null;
  ofArrest(arrestId: string): string | null;
}

/** No raid or arrest has a group (an event counted on its own). */
export const NO_GROUPS: GroupsOfOperation = { ofRaid: () => null, ofArrest: () => null };

const OCG_FIELD = new Map<string, string>();
const OCG_VIA_RAID = new Map<string, string>();
const OCG_VIA_ARREST = new Map<string, string>();
for (const facts of EVENT_TYPE_FACTS) {
  const link: OrganisedCrimeGroupLink<Record<string, string>> | null = facts.organisedCrimeGroup;
  if (link === null) continue;
  if ('field' in link) OCG_FIELD.set(facts.type, link.field);
  else if ('viaRaid' in link) OCG_VIA_RAID.set(facts.type, link.viaRaid);
  else OCG_VIA_ARREST.set(facts.type, link.viaArrest);
}

/** Whether events of `type` are counted for the group of the raid they were made at. */
export function isCountedForRaid(type: string): boolean {
  return OCG_VIA_RAID.has(type);
}

/** The raid an event of `type` was made at, when its facts count it for the raid's group. */
export function raidOf(type: string, data: JsonObject): string | null {
  return linkedId(OCG_VIA_RAID, type, data);
}

/** The arrest an event of `type` follows, when its facts count it for the arrest's group. */
export function arrestOf(type: string, data: JsonObject): string | null {
  return linkedId(OCG_VIA_ARREST, type, data);
}

function linkedId(links: ReadonlyMap<string, string>, type: string, data: JsonObject): string | null {
  const field = links.get(type);
  if (field === undefined) return null;
  const id = data[field];
  return typeof id === 'string' ? id : null;
}

function ocgOf(reader: EventDataReader, type: string, groups: GroupsOfOperation): string | null {
  const field = OCG_FIELD.get(type);
  if (field !== undefined) return reader.optionalText(field);
  const raidField = OCG_VIA_RAID.get(type);
  if (raidField !== undefined) {
    const raidId = reader.optionalText(raidField);
    return raidId === null ? null : groups.ofRaid(raidId);
  }
  const arrestField = OCG_VIA_ARREST.get(type);
  if (arrestField === undefined) return null;
  const arrestId = reader.optionalText(arrestField);
  return arrestId === null ? null : groups.ofArrest(arrestId);
}

/**
 * The event types that add to the picture's counters (lifecycle and membership
 * events do not), as their facts declare (`counted`).
 */
export const COUNTED_TYPES: ReadonlySet<string> = new Set(COUNTED_EVENT_TYPES);

export function isCountedType(type: string): type is CountedEventType {
  return COUNTED_TYPES.has(type);
}

/**
 * A text field of an event's data that the contract restricts to a vocabulary,
 * typed as the type's data class declares it: the contract checked the value when
 * the event was recorded, so the picture counts it under the key of that value.
 */
function term<T extends CountedEventType, F extends keyof StoredEventDataByType[T] & string>(
  reader: EventDataReader,
  _type: T,
  field: F,
): Extract<StoredEventDataByType[T][F], string> {
  return reader.text(field) as Extract<StoredEventDataByType[T][F], string>;
}

function grading(reader: EventDataReader): {
  source: SourceGrade;
  intelligence: IntelligenceGrade;
  handling: HandlingCode;
} {
  const value = reader.data.grading;
  // Stored v1 events carry the compact form "1/A/P"; v2 a structured grading.
  // Either was checked against the 3x5x2 vocabulary when it was recorded.
  if (typeof value === 'string') {
    const match = COMPACT_GRADING_PATTERN.exec(value);
    if (!match) reader.fail(`data.grading "${value}" is not a 3x5x2 grading`);
    return {
      source: Number(match[1]) as SourceGrade,
      intelligence: match[2] as IntelligenceGrade,
      handling: match[3] as HandlingCode,
    };
  }
  const structured = reader.object('grading');
  return {
    source: reader.numberIn(structured, 'grading', null, 'source') as SourceGrade,
    intelligence: reader.textIn(structured, 'grading', null, 'intelligence') as IntelligenceGrade,
    handling: reader.textIn(structured, 'grading', null, 'handling') as HandlingCode,
  };
}

/**
 * The contribution of an event of a counted type with the given data (the
 * original data, or a correction's replacement). `envelope` is the event being
 * counted: its recording agency stands for the acting agency when the data names none.
 * `versionAgency` recorded this version of the data (a correction's agency; by
 * default the envelope's): with the data it decides who is entitled to a C-coded report.
 */
export function contributionOf(
  type: CountedEventType,
  data: JsonObject,
  envelope: Pick<StoredTimelineEvent, 'eventId' | 'agency'>,
  regionOf: RegionOf,
  groups: GroupsOfOperation,
  versionAgency: string = envelope.agency,
): Contribution {
  const reader: EventDataReader = new EventDataReader(envelope.eventId, type, data);
  const keys: CounterKey[] = [];
  const ids: number[] = [];
  const amounts: number[] = [];
  const add = (counter: CounterKey, amount: number) => {
    if (amount === 0) return;
    keys.push(counter);
    ids.push(counterIdOf(counter));
    amounts.push(amount);
  };
  let agency = envelope.agency;
  let region: string | null = null;
  let audience: string | null = null;
  switch (type) {
    case 'EncryptionCracked':
      add('encryptionCracked', 1);
      add(breakdownKey('encryptionCracked', term(reader, type, 'platform')), 1);
      break;
    case 'IntelligenceReceived': {
      if (isWithheldData(data)) {
        // Only that it exists, and that it is C-coded, is known of a withheld report.
        add('intelligence', 1);
        add(breakdownKey('intelligence.handling', 'C'), 1);
        region = WITHHELD;
        audience = WITHHELD_AUDIENCE;
        break;
      }
      const restriction = restrictionOfIntelligence(data, versionAgency);
      if (restriction !== null) audience = entitledAgencies(restriction).join(',');
      const { source, intelligence, handling } = grading(reader);
      const priority = term(reader, type, 'priority');
      region = reader.text('region');
      add('intelligence', 1);
      add(breakdownKey('intelligence.grading', `${source}/${intelligence}/${handling}`), 1);
      add(breakdownKey('intelligence.source', source), 1);
      add(breakdownKey('intelligence.intelligence', intelligence), 1);
      add(breakdownKey('intelligence.handling', handling), 1);
      add(breakdownKey('intelligence.priority', priority), 1);
      if (reader.boolean('threatToLife')) add('intelligence.threatToLife', 1);
      break;
    }
    case 'IntelligenceDisseminated':
      add('disseminations', 1);
      if (reader.boolean('sanitised')) add('disseminations.sanitised', 1);
      add(breakdownKey('disseminations.to', term(reader, type, 'toAgency')), 1);
      break;
    case 'OrganisedCrimeGroupIdentified':
      agency = reader.text('leadForce');
      add('ocgs', 1);
      add(breakdownKey('ocgs.band', term(reader, type, 'band')), 1);
      break;
    case 'RaidConducted':
      agency = reader.text('force');
      add('raids', 1);
      add('raids.officers', reader.number('officers'));
      break;
    case 'ArrestMade':
      agency = reader.text('force');
      add('arrests', 1);
      break;
    case 'ChargeBrought':
      add('charges', 1);
      add(breakdownKey('charges.decidedBy', term(reader, type, 'decidedBy')), 1);
      if (reader.boolean('remandedInCustody')) add('charges.remandedInCustody', 1);
      break;
    case 'ChargeOutcomeRecorded': {
      const outcome = term(reader, type, 'outcome');
      add('outcomes', 1);
      add(breakdownKey('outcomes', outcome), 1);
      if (outcome === 'convicted') {
        const sentence = term(reader, type, 'sentence');
        add(breakdownKey('outcomes.sentence', sentence), 1);
        if (sentence === 'custodial') add('outcomes.custodialMonths', reader.number('custodialMonths'));
      }
      break;
    }
    case 'SeizureRecorded': {
      agency = reader.text('seizedBy');
      add('seizures', 1);
      const drugs = reader.lines('drugs');
      for (let index = 0; index < drugs.length; index += 1) {
        const line = drugs[index];
        const drugType = reader.textIn(line, 'drugs', index, 'drugType');
        if (!isDrugType(drugType))
          reader.fail(`data.drugs[${index}].drugType "${drugType}" is not a known drug`);
        const unit = reader.textIn(line, 'drugs', index, 'unit') as QuantityUnit;
        const quantity = reader.numberIn(line, 'drugs', index, 'quantity');
        add(drugKey(drugType, unit), unit === 'kg' ? Math.round(quantity * MILLIGRAMS_PER_KG) : quantity);
      }
      const firearms = reader.lines('firearms');
      for (let index = 0; index < firearms.length; index += 1) {
        const category = reader.textIn(firearms[index], 'firearms', index, 'category') as FirearmCategory;
        add(firearmKey(category, 'count'), reader.numberIn(firearms[index], 'firearms', index, 'count'));
        add(firearmKey(category, 'rounds'), reader.numberIn(firearms[index], 'firearms', index, 'rounds'));
      }
      const cash = reader.lines('cash');
      for (let index = 0; index < cash.length; index += 1)
        add('cash.pence', reader.numberIn(cash[index], 'cash', index, 'amountPence'));
      const other = reader.lines('other');
      for (let index = 0; index < other.length; index += 1) {
        add(
          breakdownKey('other', reader.textIn(other[index], 'other', index, 'kind') as OtherPropertyKind),
          reader.numberIn(other[index], 'other', index, 'count'),
        );
      }
      break;
    }
    case 'ThreatToLifeMitigated':
      agency = reader.text('force');
      add('threatsToLifeMitigated', 1);
      add(breakdownKey('threatsToLifeMitigated.action', term(reader, type, 'action')), 1);
      break;
    default: {
      const exhaustive: never = type;
      reader.fail(`the operational picture does not count ${String(exhaustive)}`);
    }
  }
  return {
    agency,
    region: region ?? regionOf(agency) ?? (isUkAgencyCode(agency) ? UK_AGENCIES[agency].region : 'unknown'),
    ocg: ocgOf(reader, type, groups),
    keys,
    ids,
    amounts,
    audience,
  };
}
