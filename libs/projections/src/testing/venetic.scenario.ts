import type { JsonObject } from '@timeline/kernel';
import type { EventSpec } from './timeline-event.builders';
import { eventIdOf } from './timeline-event.builders';

/** Event ids of the scenario, by what they are. */
export const VENETIC_IDS = {
  launch: eventIdOf(1),
  nwpJoined: eventIdOf(2),
  gmpJoined: eventIdOf(3),
  cracked: eventIdOf(4),
  int001: eventIdOf(5),
  disseminated: eventIdOf(6),
  ocg: eventIdOf(7),
  raid1: eventIdOf(8),
  arrest1: eventIdOf(9),
  arrest2: eventIdOf(10),
  seizure1: eventIdOf(11),
  ttl: eventIdOf(12),
  raid2: eventIdOf(13),
  arrest3: eventIdOf(14),
  seizure2: eventIdOf(15),
  int002: eventIdOf(16),
  seizure3: eventIdOf(17),
  charge: eventIdOf(18),
  correction: eventIdOf(19),
  retraction: eventIdOf(20),
  phaseEnded: eventIdOf(21),
} as const;

const seizure1Original: JsonObject & { drugs: JsonObject[] } = {
  seizureId: 'S-0001',
  raidId: 'R-0001',
  seizedBy: 'NWP',
  postcodeDistrict: 'LL11',
  drugs: [
    { drugType: 'cocaine', quantity: 2.4, unit: 'kg', purity: { testStatus: 'untested' } },
    { drugType: 'cannabis', quantity: 300, unit: 'plants', purity: { testStatus: 'untested' } },
  ],
  cash: [{ amountPence: 5_400_000, power: 'poca-s294' }],
};

/**
 * A small Operation Venetic, in recording order (position n = event n). Two raids,
 * three arrests, one charge; seizures of cocaine (2.4 kg, corrected to 2.5 kg),
 * cannabis 300 plants, £54,000.00 cash and 2 s5 firearms with 40 rounds; a duplicate
 * £10,000 cash seizure that is retracted. Another operation gets other ids with another `idBase`. Raid R-0002 and its arrest and seizure
 * happened on 12 June but were recorded on 14 June (late); INT-0002 is dated 1 May
 * but recorded on 15 June (back-dated).
 */
export function veneticScenario(operationId = 'venetic', idBase = 0): EventSpec[] {
  const idOf = (n: number) => eventIdOf(idBase + n);
  const at = (
    occurredAt: string,
    recordedAt: string,
    agency: string,
    recordedBy = `${agency.toLowerCase()}-officer`,
  ) => ({
    occurredAt,
    recordedAt,
    agency,
    recordedBy,
  });
  const specs: EventSpec[] = [
    {
      type: 'OperationLaunched',
      ...at('2020-03-01T09:00:00.000Z', '2020-03-01T09:05:00.000Z', 'NCA'),
      data: {
        codename: 'VENETIC',
        leadAgency: 'NCA',
        startedAt: '2020-03-01T09:00:00.000Z',
        description: 'UK response to the EncroChat compromise',
      },
    },
    {
      type: 'AgencyJoined',
      ...at('2020-03-02T09:00:00.000Z', '2020-03-02T09:10:00.000Z', 'NWP'),
      data: { agency: 'NWP', localOperationName: 'TANTALUM', region: 'wales' },
    },
    {
      type: 'AgencyJoined',
      ...at('2020-03-03T09:00:00.000Z', '2020-03-03T09:10:00.000Z', 'GMP'),
      data: { agency: 'GMP', region: 'north-west' },
    },
    {
      type: 'EncryptionCracked',
      ...at('2020-04-01T00:00:00.000Z', '2020-04-02T08:00:00.000Z', 'NCA'),
      data: {
        platform: 'EncroChat',
        by: ['JIT-FR-NL'],
        methodSummary: 'Implant pushed as an update',
        legalBasisRef: 'TEI-2020-001',
      },
    },
    {
      type: 'IntelligenceReceived',
      ...at('2020-06-10T12:00:00.000Z', '2020-06-10T12:30:00.000Z', 'NWP'),
      data: {
        reportRef: 'INT-0001',
        fromAgency: 'NCA',
        grading: { source: 1, intelligence: 'A', handling: 'P' },
        priority: 'HIGH',
        threatToLife: true,
        subjects: ['SUBJ-1'],
        region: 'wales',
      },
    },
    {
      type: 'IntelligenceDisseminated',
      ...at('2020-06-10T15:00:00.000Z', '2020-06-10T15:05:00.000Z', 'NCA'),
      data: { reportRef: 'INT-0001', toAgency: 'GMP', sanitised: true },
    },
    {
      type: 'OrganisedCrimeGroupIdentified',
      ...at('2020-06-11T10:00:00.000Z', '2020-06-11T10:00:00.000Z', 'NWP'),
      data: {
        ocgId: 'OCG-0001',
        codename: 'COPPER',
        leadForce: 'NWP',
        band: 'high',
        threatScore: 87,
        activities: ['drug-supply', 'firearms'],
      },
    },
    {
      type: 'RaidConducted',
      ...at('2020-06-13T05:00:00.000Z', '2020-06-13T09:00:00.000Z', 'NWP'),
      data: {
        raidId: 'R-0001',
        force: 'NWP',
        postcodeDistrict: 'LL11',
        legalPower: 'mda-s23-warrant',
        startedAt: '2020-06-13T05:00:00.000Z',
        endedAt: '2020-06-13T08:00:00.000Z',
        officers: 12,
        ocgId: 'OCG-0001',
      },
    },
    {
      type: 'ArrestMade',
      ...at('2020-06-13T05:30:00.000Z', '2020-06-13T09:10:00.000Z', 'NWP'),
      data: {
        arrestId: 'A-0001',
        subjectId: 'SUBJ-1',
        suspectedOffences: ['conspiracy-to-supply'],
        raidId: 'R-0001',
        force: 'NWP',
      },
    },
    {
      type: 'ArrestMade',
      ...at('2020-06-13T05:45:00.000Z', '2020-06-13T09:20:00.000Z', 'NWP'),
      data: {
        arrestId: 'A-0002',
        subjectId: 'SUBJ-2',
        suspectedOffences: ['possession-with-intent'],
        raidId: 'R-0001',
        force: 'NWP',
      },
    },
    {
      type: 'SeizureRecorded',
      ...at('2020-06-13T06:00:00.000Z', '2020-06-13T10:00:00.000Z', 'NWP'),
      data: seizure1Original,
    },
    {
      type: 'ThreatToLifeMitigated',
      ...at('2020-06-13T12:00:00.000Z', '2020-06-13T12:10:00.000Z', 'NWP'),
      data: { ttlId: 'TTL-0001', action: 'warning-notice', force: 'NWP', reportRef: 'INT-0001' },
    },
    {
      type: 'RaidConducted',
      ...at('2020-06-12T04:00:00.000Z', '2020-06-14T08:00:00.000Z', 'GMP'),
      data: {
        raidId: 'R-0002',
        force: 'GMP',
        postcodeDistrict: 'M14',
        legalPower: 'pace-s18',
        startedAt: '2020-06-12T04:00:00.000Z',
        endedAt: '2020-06-12T07:00:00.000Z',
        officers: 20,
      },
    },
    {
      type: 'ArrestMade',
      ...at('2020-06-12T04:30:00.000Z', '2020-06-14T08:05:00.000Z', 'GMP'),
      data: {
        arrestId: 'A-0003',
        subjectId: 'SUBJ-3',
        suspectedOffences: ['firearms-possession'],
        raidId: 'R-0002',
        force: 'GMP',
      },
    },
    {
      type: 'SeizureRecorded',
      ...at('2020-06-12T05:00:00.000Z', '2020-06-14T08:10:00.000Z', 'GMP'),
      data: {
        seizureId: 'S-0002',
        raidId: 'R-0002',
        seizedBy: 'GMP',
        postcodeDistrict: 'M14',
        firearms: [{ category: 's5-prohibited', count: 2, rounds: 40 }],
      },
    },
    {
      type: 'IntelligenceReceived',
      ...at('2020-05-01T10:00:00.000Z', '2020-06-15T11:00:00.000Z', 'GMP'),
      data: {
        reportRef: 'INT-0002',
        fromAgency: 'NCA',
        grading: { source: 2, intelligence: 'B', handling: 'C', conditions: 'No onward disclosure' },
        priority: 'MEDIUM',
        threatToLife: false,
        subjects: ['SUBJ-3'],
        region: 'north-west',
      },
    },
    {
      type: 'SeizureRecorded',
      ...at('2020-06-13T07:00:00.000Z', '2020-06-15T12:00:00.000Z', 'GMP'),
      data: {
        seizureId: 'S-0003',
        seizedBy: 'GMP',
        postcodeDistrict: 'M14',
        cash: [{ amountPence: 1_000_000, power: 'poca-s294' }],
      },
    },
    {
      type: 'ChargeBrought',
      ...at('2020-06-15T16:00:00.000Z', '2020-06-15T16:30:00.000Z', 'NWP'),
      data: {
        arrestId: 'A-0001',
        offences: ['conspiracy-to-supply'],
        decidedBy: 'cps',
        remandedInCustody: true,
      },
    },
    {
      type: 'EventCorrected',
      ...at('2020-06-16T10:00:00.000Z', '2020-06-16T10:00:00.000Z', 'NWP', 'nwp-exhibits'),
      data: {
        correctsEventId: idOf(11),
        correctedType: 'SeizureRecorded',
        replacementSchemaVersion: 1,
        replacement: {
          ...seizure1Original,
          drugs: [{ ...seizure1Original.drugs[0], quantity: 2.5 }, seizure1Original.drugs[1]],
        },
        reason: 'Reweighed at the laboratory',
      },
    },
    {
      type: 'EventRetracted',
      ...at('2020-06-16T11:00:00.000Z', '2020-06-16T11:00:00.000Z', 'GMP'),
      data: { retractsEventId: idOf(17), reason: 'duplicate', note: 'Same cash as S-0001' },
    },
    {
      type: 'OperationalPhaseEnded',
      ...at('2020-07-02T00:00:00.000Z', '2020-07-02T09:00:00.000Z', 'NCA'),
      data: { reason: 'Operational phase complete' },
    },
  ];
  return specs.map((spec, index) => ({ ...spec, operationId, eventId: idOf(index + 1) }));
}
