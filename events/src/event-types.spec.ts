import { getMetadataStorage } from 'class-validator';
import { EVENT_CATALOGUE } from './event-catalogue';
import {
  AFTER_CLOSURE_EVENT_TYPES,
  AMENDMENT_EVENT_TYPES,
  CORRECTABLE_EVENT_TYPES,
  COUNTED_EVENT_TYPES,
  EVENT_FACTS,
  EVENT_TYPE_FACTS,
  EVENT_TYPES,
  FACT_EVENT_TYPES,
  MAY_PREDATE_LAUNCH_EVENT_TYPES,
  OPERATIONAL_EVENT_TYPES,
  RETRACTABLE_EVENT_TYPES,
  identityFieldOf,
  isEventType,
} from './event-types';

// The lists as they were written by hand before each type declared its facts: the derivation keeps them.
const STORY = [
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
];

describe('event type facts', () => {
  it('declares facts for every type, once, under its own name', () => {
    expect(EVENT_TYPE_FACTS.map((facts) => facts.type)).toEqual([...EVENT_TYPES]);
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    for (const type of EVENT_TYPES) {
      expect(EVENT_FACTS[type].type).toBe(type);
      expect(isEventType(type)).toBe(true);
    }
    expect(isEventType('toString')).toBe(false);
    expect(isEventType('RaidPlanned')).toBe(false);
  });

  it('derives the lists the contract published by hand', () => {
    // Types added since (court outcomes) come in where the story puts them; the old ones keep their order.
    expect(EVENT_TYPES.filter((type) => STORY.includes(type))).toEqual(STORY);
    expect(EVENT_TYPES.slice(-4)).toEqual([
      'EventCorrected',
      'EventRetracted',
      'OperationalPhaseEnded',
      'OperationClosed',
    ]);
    expect(CORRECTABLE_EVENT_TYPES.filter((type) => STORY.includes(type))).toEqual(STORY);
    expect(RETRACTABLE_EVENT_TYPES.filter((type) => STORY.includes(type))).toEqual(
      STORY.filter((type) => type !== 'OperationLaunched' && type !== 'AgencyJoined'),
    );
    expect(OPERATIONAL_EVENT_TYPES).toEqual(['RaidConducted', 'ArrestMade', 'SeizureRecorded']);
    expect(AMENDMENT_EVENT_TYPES).toEqual(['EventCorrected', 'EventRetracted']);
    expect(FACT_EVENT_TYPES).toEqual(
      EVENT_TYPES.filter((type) => !(AMENDMENT_EVENT_TYPES as readonly string[]).includes(type)),
    );
    // The picture counted exactly the retractable types: a retraction takes back what its target counted.
    expect(COUNTED_EVENT_TYPES).toEqual(RETRACTABLE_EVENT_TYPES);
    expect(MAY_PREDATE_LAUNCH_EVENT_TYPES).toEqual(['EncryptionCracked', 'IntelligenceReceived']);
    for (const type of ['ChargeBrought', 'EventCorrected', 'EventRetracted'] as const)
      expect(AFTER_CLOSURE_EVENT_TYPES).toContain(type);
  });

  it('keeps the identity fields the operation has always read', () => {
    const identities = Object.fromEntries(
      STORY.map((type) => [type, identityFieldOf(type as (typeof EVENT_TYPES)[number])]),
    );
    expect(identities).toEqual({
      OperationLaunched: 'leadAgency',
      AgencyJoined: 'agency',
      EncryptionCracked: null,
      IntelligenceReceived: 'reportRef',
      IntelligenceDisseminated: null,
      OrganisedCrimeGroupIdentified: 'ocgId',
      RaidConducted: 'raidId',
      ArrestMade: 'arrestId',
      ChargeBrought: 'arrestId',
      SeizureRecorded: 'seizureId',
      ThreatToLifeMitigated: 'ttlId',
    });
  });

  it('holds the rules between the facts', () => {
    for (const facts of EVENT_TYPE_FACTS) {
      // A retraction takes back what its target counted, and what can be withdrawn can be corrected.
      expect([facts.type, facts.counted]).toEqual([facts.type, facts.retractable]);
      if (facts.retractable) expect([facts.type, facts.correctable]).toEqual([facts.type, true]);
      // Amendments and the lifecycle are neither corrected nor counted.
      if (facts.amendment)
        expect([facts.type, facts.correctable, facts.counted]).toEqual([facts.type, false, false]);
    }
  });

  it('names only fields the current data class declares', () => {
    for (const facts of EVENT_TYPE_FACTS) {
      const definition = EVENT_CATALOGUE[facts.type];
      const dataClass = definition.versions[definition.currentVersion - 1]!.dataClass;
      const declared = Object.keys(new dataClass());
      const named: string[] = [
        ...(facts.identityField === null ? [] : [facts.identityField]),
        ...facts.agencyFields,
        // A link has one member, its kind, naming the field: `{ field }`, `{ viaRaid }` or `{ viaArrest }`.
        ...(facts.organisedCrimeGroup === null ? [] : Object.values(facts.organisedCrimeGroup)),
      ];
      // Class fields without initialisers are not own properties: read the validation metadata instead.
      const validated = getMetadataStorage()
        .getTargetValidationMetadatas(dataClass, '', true, false)
        .map((metadata) => metadata.propertyName);
      for (const field of named)
        expect([facts.type, field, [...declared, ...validated].includes(field)]).toEqual([
          facts.type,
          field,
          true,
        ]);
    }
  });
});
