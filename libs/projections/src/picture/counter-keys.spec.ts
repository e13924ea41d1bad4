import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { JsonObject } from '@timeline/kernel';
import {
  COUNTED_EVENT_TYPES,
  EVENT_CATALOGUE,
  toStoredEventData,
  validateEventData,
  type CountedEventType,
} from '@timeline/events';
import { UK_AGENCY_CODES } from '@timeline/events/vocabulary/agency.vocabulary';
import { DRUG_TYPES, unitsAllowedFor } from '@timeline/events/vocabulary/drug.vocabulary';
import { FIREARM_CATEGORIES, OTHER_PROPERTY_KINDS } from '@timeline/events/vocabulary/firearm.vocabulary';
import {
  HANDLING_CODES,
  INTELLIGENCE_GRADES,
  OCG_BANDS,
  PRIORITIES,
  SOURCE_GRADES,
  THREAT_TO_LIFE_ACTIONS,
} from '@timeline/events/vocabulary/intelligence.vocabulary';
import { CHARGE_DECIDERS, ENCRYPTED_PLATFORMS } from '@timeline/events/vocabulary/legal.vocabulary';
import {
  COURT_OUTCOMES,
  SENTENCE_KINDS,
} from '@timeline/events/charge-outcome-recorded/charge-outcome-recorded.v1';
import { foldEvents } from '../core/projection';
import { storedEvents, type EventSpec } from '../testing/timeline-event.builders';
import { veneticScenario } from '../testing/venetic.scenario';
import { breakdownKey, counterKeysOf, firearmKey, type CounterKey } from './counter-keys';
import { Counters } from './counters';
import { operationalPictureProjection } from './operational-picture.projection';
import { WITHHELD_COUNTER_KEYS, totalsOf } from './operational-picture.view';
import { NO_GROUPS, contributionOf } from './picture-contribution';

/**
 * The picture's counter vocabulary (counter-keys.ts) against its writer and its
 * reader: every key a contribution writes is declared for its event type, every
 * declared key is written, and the view reads every one of them. With the keys
 * typed on both sides, a counter written but never read, or read but never
 * written, fails here.
 */

const pick = <T>(values: readonly T[], n: number): T => values[n % values.length];

const example = (type: string, version = 1): JsonObject =>
  JSON.parse(
    readFileSync(
      join(__dirname, '..', '..', '..', '..', 'events', 'catalogue', type, `v${version}.example.json`),
      'utf8',
    ),
  ) as JsonObject;

/**
 * Data of a counted type, contract-valid, varied by `n` so that n = 0, 1, 2, …
 * goes through every value of each vocabulary the type's counters are keyed by
 * (and every 3x5x2 grading, every drug in each of its units).
 */
function dataOf(type: CountedEventType, n: number): JsonObject {
  switch (type) {
    case 'EncryptionCracked':
      return { ...example(type), platform: pick(ENCRYPTED_PLATFORMS, n) };
    case 'IntelligenceReceived': {
      const handling = pick(HANDLING_CODES, n);
      const priority = pick(PRIORITIES, n);
      return {
        ...example(type, 2),
        grading: {
          source: pick(SOURCE_GRADES, n),
          intelligence: pick(INTELLIGENCE_GRADES, n),
          handling,
          ...(handling === 'C' ? { conditions: 'No onward disclosure' } : {}),
        },
        priority,
        threatToLife: priority === 'HIGH',
      };
    }
    case 'IntelligenceDisseminated':
      return { ...example(type), toAgency: pick(UK_AGENCY_CODES, n), sanitised: n % 2 === 0 };
    case 'OrganisedCrimeGroupIdentified':
      return { ...example(type), band: pick(OCG_BANDS, n) };
    case 'RaidConducted':
      return { ...example(type), officers: 1 + (n % 40) };
    case 'ArrestMade':
      return example(type);
    case 'ChargeBrought':
      return { ...example(type), decidedBy: pick(CHARGE_DECIDERS, n), remandedInCustody: n % 2 === 1 };
    case 'ChargeOutcomeRecorded': {
      const outcome = pick(COURT_OUTCOMES, n);
      if (outcome !== 'convicted') return { arrestId: 'ARR-NWP-0012', outcome };
      const sentence = pick(SENTENCE_KINDS, Math.floor(n / COURT_OUTCOMES.length));
      return {
        arrestId: 'ARR-NWP-0012',
        outcome,
        sentence,
        ...(sentence === 'custodial' ? { custodialMonths: 1 + (n % 300) } : {}),
      };
    }
    case 'SeizureRecorded': {
      const drugType = pick(DRUG_TYPES, n);
      const unit = pick(unitsAllowedFor(drugType), Math.floor(n / DRUG_TYPES.length));
      return {
        ...example(type),
        drugs: [{ drugType, unit, quantity: unit === 'kg' ? 1.25 : 40, purity: { testStatus: 'untested' } }],
        firearms: [{ category: pick(FIREARM_CATEGORIES, n), count: 1 + (n % 3), rounds: 1 + (n % 50) }],
        cash: [{ amountPence: 100_000 + n, power: 'poca-s294' }],
        other: [{ kind: pick(OTHER_PROPERTY_KINDS, n), count: 1, description: 'Seized at the premises' }],
      };
    }
    case 'ThreatToLifeMitigated':
      return { ...example(type), action: pick(THREAT_TO_LIFE_ACTIONS, n) };
    default: {
      const exhaustive: never = type;
      throw new Error(`no data for ${String(exhaustive)}`);
    }
  }
}

/** The data as stored, after the contract has accepted it. */
function stored(type: CountedEventType, data: JsonObject, version = EVENT_CATALOGUE[type].currentVersion) {
  const validation = validateEventData(type, version, data);
  if (!validation.ok) throw new Error(`${type}: ${JSON.stringify(validation.errors)}`);
  return toStoredEventData(type, validation.data as never) as unknown as JsonObject;
}

const keysWritten = (type: CountedEventType, data: JsonObject): readonly CounterKey[] =>
  contributionOf(type, stored(type, data), { eventId: 'e-1', agency: 'NCA' }, () => undefined, NO_GROUPS)
    .keys;

/** Enough variations for every value of the longest vocabulary (the UK agencies) and every combination above. */
const VARIATIONS = Math.max(UK_AGENCY_CODES.length, 2 * DRUG_TYPES.length, 30);

const ALL_DECLARED: readonly CounterKey[] = COUNTED_EVENT_TYPES.flatMap((type) => counterKeysOf(type));

describe('the picture counter keys', () => {
  it('declare every key the contribution of an event writes, under its type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COUNTED_EVENT_TYPES), fc.nat(10_000), (type, n) => {
        const declared = new Set(counterKeysOf(type));
        for (const key of keysWritten(type, dataOf(type, n))) expect(declared).toContain(key);
      }),
      { numRuns: 500 },
    );
  });

  it('are each written, by the contributions of events or by the view withholding a report', () => {
    const written = new Set<string>(WITHHELD_COUNTER_KEYS);
    for (const type of COUNTED_EVENT_TYPES)
      for (let n = 0; n < VARIATIONS; n += 1)
        for (const key of keysWritten(type, dataOf(type, n))) written.add(key);
    expect(ALL_DECLARED.filter((key) => !written.has(key))).toEqual([]);
  });

  it('are each read by the view: a counter alone shows in the totals', () => {
    const nothing = totalsOf(new Counters());
    const unread = ALL_DECLARED.filter((key) => {
      const totals = totalsOf(Counters.from([[key, 3]]));
      return JSON.stringify(totals) === JSON.stringify(nothing);
    });
    expect(unread).toEqual([]);
  });

  it('hold every counter a fold of generated events and the catalogue examples makes', () => {
    const specs: EventSpec[] = [...veneticScenario()];
    for (const type of COUNTED_EVENT_TYPES) {
      for (let n = 0; n < VARIATIONS; n += 1) specs.push({ type, data: stored(type, dataOf(type, n)) });
      for (const { version } of EVENT_CATALOGUE[type].versions)
        specs.push({ type, schemaVersion: version, data: example(type, version) });
    }
    const state = foldEvents(operationalPictureProjection, storedEvents(specs));
    const declared = new Set<string>(ALL_DECLARED);
    const undeclared = new Set<string>();
    for (const operation of state.operations.values())
      for (const scope of [operation.scope, ...operation.restricted.values()])
        for (const counters of [
          scope.totals,
          ...scope.byAgency.values(),
          ...scope.byRegion.values(),
          ...scope.byOrganisedCrimeGroup.values(),
        ])
          for (const key of counters.keys()) if (!declared.has(key)) undeclared.add(key);
    expect([...undeclared]).toEqual([]);
  });

  it('are typed on both sides: a key not declared does not compile', () => {
    const counters = new Counters();
    // @ts-expect-error a misspelt total
    counters.get('arests');
    // @ts-expect-error a breakdown spelt in the singular
    counters.get('outcome.convicted');
    // @ts-expect-error a value not in the vocabulary of court outcomes
    breakdownKey('outcomes', 'pardoned');
    // @ts-expect-error LSD is seized in doses only (DRUG_TYPES_TABLE)
    const lsdByWeight: CounterKey = 'drugs.lsd.kg';
    // @ts-expect-error firearms are counted by weapons and rounds only
    firearmKey('s1', 'calibre');
    expect([counters.get('outcomes.convicted'), lsdByWeight]).toEqual([undefined, 'drugs.lsd.kg']);
  });
});
