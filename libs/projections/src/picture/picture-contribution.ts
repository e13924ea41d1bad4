import type { JsonObject } from '@timeline/kernel';
import { COMPACT_GRADING_PATTERN } from '@timeline/events/vocabulary/intelligence.vocabulary';
import { isDrugType } from '@timeline/events/vocabulary/drug.vocabulary';
import { UK_AGENCIES, isUkAgencyCode } from '@timeline/events/vocabulary/agency.vocabulary';
import { EventDataReader } from '../core/event-data.reader';
import type { StoredTimelineEvent } from '../core/stored-timeline-event';

/** Drug quantities in kg are kept as integer milligrams so that corrections subtract exactly. */
export const MILLIGRAMS_PER_KG = 1_000_000;

/**
 * What one event adds to the picture: counters (flat keys such as `arrests` or
 * `drugs.cocaine.kg`) and amounts, attributed to one agency and one region. The
 * picture is the sum of the current contributions of all events not retracted, so
 * a correction is "subtract the old contribution, add the new one".
 */
export interface Contribution {
  readonly agency: string;
  readonly region: string;
  readonly keys: readonly string[];
  readonly amounts: readonly number[];
}

/** Where the contributing event happened: the operation's view of agencies' regions. */
export type RegionOf = (agency: string) => string | undefined;

// Keys are built from a small vocabulary; interning them keeps one string per key
// however many events contribute to it.
const interned = new Map<string, string>();
function key(...parts: readonly (string | number)[]): string {
  const text = parts.join('.');
  let shared = interned.get(text);
  if (shared === undefined) {
    shared = text;
    interned.set(text, shared);
  }
  return shared;
}

/** The event types that add to the picture's counters (lifecycle and membership events do not). */
export const COUNTED_TYPES = new Set([
  'EncryptionCracked',
  'IntelligenceReceived',
  'IntelligenceDisseminated',
  'OrganisedCrimeGroupIdentified',
  'RaidConducted',
  'ArrestMade',
  'ChargeBrought',
  'SeizureRecorded',
  'ThreatToLifeMitigated',
]);

function grading(reader: EventDataReader): { source: number; intelligence: string; handling: string } {
  const value = reader.data.grading;
  // Stored v1 events carry the compact form "1/A/P"; v2 a structured grading.
  if (typeof value === 'string') {
    const match = COMPACT_GRADING_PATTERN.exec(value);
    if (!match) reader.fail(`data.grading "${value}" is not a 3x5x2 grading`);
    return { source: Number(match[1]), intelligence: match[2], handling: match[3] };
  }
  const structured = reader.object('grading');
  return {
    source: reader.number('source', structured, 'grading.source'),
    intelligence: reader.textIn(structured, 'intelligence', 'grading'),
    handling: reader.textIn(structured, 'handling', 'grading'),
  };
}

/**
 * The contribution of an event of a counted type with the given data (the
 * original data, or a correction's replacement). `envelope` is the event being
 * counted: its recording agency stands for the acting agency when the data names none.
 */
export function contributionOf(
  type: string,
  data: JsonObject,
  envelope: Pick<StoredTimelineEvent, 'eventId' | 'agency'>,
  regionOf: RegionOf,
): Contribution {
  const reader = new EventDataReader(envelope.eventId, type, data);
  const keys: string[] = [];
  const amounts: number[] = [];
  const add = (counter: string, amount: number) => {
    if (amount === 0) return;
    keys.push(counter);
    amounts.push(amount);
  };
  let agency = envelope.agency;
  let region: string | null = null;
  switch (type) {
    case 'EncryptionCracked':
      add(key('encryptionCracked'), 1);
      add(key('encryptionCracked', reader.text('platform')), 1);
      break;
    case 'IntelligenceReceived': {
      const { source, intelligence, handling } = grading(reader);
      const priority = reader.text('priority');
      region = reader.text('region');
      add(key('intelligence'), 1);
      add(key('intelligence.grading', `${source}/${intelligence}/${handling}`), 1);
      add(key('intelligence.source', source), 1);
      add(key('intelligence.intelligence', intelligence), 1);
      add(key('intelligence.handling', handling), 1);
      add(key('intelligence.priority', priority), 1);
      if (reader.boolean('threatToLife')) add(key('intelligence.threatToLife'), 1);
      break;
    }
    case 'IntelligenceDisseminated':
      add(key('disseminations'), 1);
      if (reader.boolean('sanitised')) add(key('disseminations.sanitised'), 1);
      add(key('disseminations.to', reader.text('toAgency')), 1);
      break;
    case 'OrganisedCrimeGroupIdentified':
      agency = reader.text('leadForce');
      add(key('ocgs'), 1);
      add(key('ocgs.band', reader.text('band')), 1);
      break;
    case 'RaidConducted':
      agency = reader.text('force');
      add(key('raids'), 1);
      add(key('raids.officers'), reader.number('officers'));
      break;
    case 'ArrestMade':
      agency = reader.text('force');
      add(key('arrests'), 1);
      break;
    case 'ChargeBrought':
      add(key('charges'), 1);
      add(key('charges.decidedBy', reader.text('decidedBy')), 1);
      if (reader.boolean('remandedInCustody')) add(key('charges.remandedInCustody'), 1);
      break;
    case 'SeizureRecorded':
      agency = reader.text('seizedBy');
      add(key('seizures'), 1);
      for (const [index, line] of reader.lines('drugs').entries()) {
        const drugType = reader.textIn(line, 'drugType', `drugs[${index}]`);
        if (!isDrugType(drugType))
          reader.fail(`data.drugs[${index}].drugType "${drugType}" is not a known drug`);
        const unit = reader.textIn(line, 'unit', `drugs[${index}]`);
        const quantity = reader.number('quantity', line, `drugs[${index}].quantity`);
        add(
          key('drugs', drugType, unit),
          unit === 'kg' ? Math.round(quantity * MILLIGRAMS_PER_KG) : quantity,
        );
      }
      for (const [index, line] of reader.lines('firearms').entries()) {
        const category = reader.textIn(line, 'category', `firearms[${index}]`);
        add(key('firearms', category, 'count'), reader.number('count', line, `firearms[${index}].count`));
        add(key('firearms', category, 'rounds'), reader.number('rounds', line, `firearms[${index}].rounds`));
      }
      for (const [index, line] of reader.lines('cash').entries()) {
        add(key('cash.pence'), reader.number('amountPence', line, `cash[${index}].amountPence`));
      }
      for (const [index, line] of reader.lines('other').entries()) {
        const kind = reader.textIn(line, 'kind', `other[${index}]`);
        add(key('other', kind), reader.number('count', line, `other[${index}].count`));
      }
      break;
    case 'ThreatToLifeMitigated':
      agency = reader.text('force');
      add(key('threatsToLifeMitigated'), 1);
      add(key('threatsToLifeMitigated.action', reader.text('action')), 1);
      break;
    default:
      reader.fail('the operational picture does not count this type');
  }
  return {
    agency,
    region: region ?? regionOf(agency) ?? (isUkAgencyCode(agency) ? UK_AGENCIES[agency].region : 'unknown'),
    keys,
    amounts,
  };
}
