import fc from 'fast-check';
import type { JsonObject, JsonValue } from '@timeline/kernel';
import { foldEvents, snapshotParts } from '../core/projection';
import { eventIdOf, storedEvents, type EventSpec } from '../testing/timeline-event.builders';
import { VENETIC_IDS, veneticScenario } from '../testing/venetic.scenario';
import { operationalPictureProjection } from './operational-picture.projection';
import { operationalPictureView, type PictureTotals } from './operational-picture.view';

/** The picture's breakdown by organised crime group: direct (the group, its raids) and through a raid. */
const fold = (specs: EventSpec[]) => foldEvents(operationalPictureProjection, storedEvents(specs));
const byOcg = (specs: EventSpec[]) => operationalPictureView(fold(specs), 'venetic')!.byOrganisedCrimeGroup;

const at = (occurredAt: string, agency = 'NWP') => ({
  occurredAt,
  recordedAt: '2020-06-20T09:00:00.000Z',
  agency,
});

function counts(totals: PictureTotals | undefined) {
  return (
    totals && {
      ocgs: totals.ocgsIdentified.total,
      raids: totals.raids.total,
      officers: totals.raids.officers,
      arrests: totals.arrests,
      seizures: totals.seizures,
      cashPence: totals.cash.pence,
    }
  );
}

/** What the group's court figures are: charges brought, outcomes recorded, convictions. */
function courtCounts(totals: PictureTotals | undefined) {
  return (
    totals && {
      charges: totals.charges.total,
      outcomes: totals.courtOutcomes.total,
      convictions: totals.courtOutcomes.convictions,
    }
  );
}

const secondGroup: EventSpec = {
  type: 'OrganisedCrimeGroupIdentified',
  eventId: eventIdOf(101),
  ...at('2020-06-18T09:00:00.000Z'),
  data: {
    ocgId: 'OCG-0002',
    codename: 'RAVEN',
    leadForce: 'GMP',
    band: 'medium',
    threatScore: 55,
    activities: ['drug-supply'],
  },
};

/** A correction of raid R-0002 (GMP, no group in the scenario) naming a group. */
function raid2Correction(ocgId: string | undefined, n: number): EventSpec {
  return {
    type: 'EventCorrected',
    eventId: eventIdOf(n),
    ...at('2020-06-18T10:00:00.000Z', 'GMP'),
    data: {
      correctsEventId: VENETIC_IDS.raid2,
      correctedType: 'RaidConducted',
      replacementSchemaVersion: 1,
      reason: 'Target group confirmed',
      replacement: {
        raidId: 'R-0002',
        force: 'GMP',
        postcodeDistrict: 'M14',
        legalPower: 'pace-s18',
        startedAt: '2020-06-12T04:00:00.000Z',
        endedAt: '2020-06-12T07:00:00.000Z',
        officers: 20,
        ...(ocgId === undefined ? {} : { ocgId }),
      },
    },
  };
}

describe('operational picture by organised crime group', () => {
  it('counts a group, the raids targeting it and the arrests and seizures made at them', () => {
    const groups = byOcg(veneticScenario());
    expect(Object.keys(groups)).toEqual(['OCG-0001']);
    // R-0001 targets OCG-0001: its two arrests and seizure S-0001 (as corrected) count there; R-0002 names no group.
    expect(counts(groups['OCG-0001'])).toEqual({
      ocgs: 1,
      raids: 1,
      officers: 12,
      arrests: 2,
      seizures: 1,
      cashPence: 5_400_000,
    });
    expect(groups['OCG-0001']!.drugs.byType['cocaine']!.kg).toBe(2.5);
  });

  it("moves a raid's arrests and seizures with a correction of the raid's group, and back", () => {
    const regrouped = [...veneticScenario(), secondGroup, raid2Correction('OCG-0002', 102)];
    expect(counts(byOcg(regrouped)['OCG-0002'])).toEqual({
      ocgs: 1,
      raids: 1,
      officers: 20,
      arrests: 1,
      seizures: 1,
      cashPence: 0,
    });
    expect(byOcg(regrouped)['OCG-0002']!.firearms.total).toBe(2);
    expect(counts(byOcg(regrouped)['OCG-0001'])).toEqual(counts(byOcg(veneticScenario())['OCG-0001']));
    // Corrected again to name no group: the group keeps only its identification.
    const ungrouped = [...regrouped, raid2Correction(undefined, 103)];
    expect(counts(byOcg(ungrouped)['OCG-0002'])).toEqual({
      ocgs: 1,
      raids: 0,
      officers: 0,
      arrests: 0,
      seizures: 0,
      cashPence: 0,
    });
  });

  it('moves an arrest corrected to another raid, and takes back a retracted one', () => {
    const moved: EventSpec = {
      type: 'EventCorrected',
      eventId: eventIdOf(104),
      ...at('2020-06-18T11:00:00.000Z'),
      data: {
        correctsEventId: VENETIC_IDS.arrest2,
        correctedType: 'ArrestMade',
        replacementSchemaVersion: 1,
        reason: 'Arrested at the second address',
        replacement: {
          arrestId: 'A-0002',
          subjectId: 'SUBJ-2',
          suspectedOffences: ['possession-with-intent'],
          raidId: 'R-0002',
          force: 'NWP',
        },
      },
    };
    const specs = [...veneticScenario(), secondGroup, moved];
    expect(counts(byOcg(specs)['OCG-0001'])?.arrests).toBe(1);
    // R-0002 now joins OCG-0002: the moved arrest goes with it; R-0001 regrouped later leaves it be.
    const regrouped = [...specs, raid2Correction('OCG-0002', 105)];
    expect(counts(byOcg(regrouped)['OCG-0002'])?.arrests).toBe(2);
    expect(counts(byOcg(regrouped)['OCG-0001'])?.arrests).toBe(1);
    const retracted: EventSpec = {
      type: 'EventRetracted',
      eventId: eventIdOf(106),
      ...at('2020-06-18T12:00:00.000Z'),
      data: { retractsEventId: VENETIC_IDS.arrest2, reason: 'entered-in-error' },
    };
    expect(counts(byOcg([...regrouped, retracted])['OCG-0002'])?.arrests).toBe(1);
  });

  it('restores the breakdown from a checkpoint and keeps regrouping after it', () => {
    const before = [...veneticScenario(), secondGroup];
    const state = fold(before);
    const parts = JSON.parse(
      JSON.stringify(snapshotParts(operationalPictureProjection.toSnapshot(state))),
    ) as JsonValue[];
    const restored = operationalPictureProjection.fromSnapshot(parts);
    const [correction] = storedEvents([...before, raid2Correction('OCG-0002', 107)]).slice(-1);
    const continued = operationalPictureProjection.apply(restored, correction!);
    expect(operationalPictureView(continued, 'venetic')).toEqual(
      operationalPictureView(fold([...before, raid2Correction('OCG-0002', 107)]), 'venetic'),
    );
  });

  it('counts a charge and court outcome for the group of their arrest, and moves them with it', () => {
    const outcome: EventSpec = {
      type: 'ChargeOutcomeRecorded',
      eventId: eventIdOf(110),
      ...at('2021-03-12T10:00:00.000Z'),
      data: { arrestId: 'A-0001', outcome: 'convicted', sentence: 'custodial', custodialMonths: 162 },
    };
    // The scenario charges A-0001, arrested at R-0001, which targets OCG-0001.
    const charged = [...veneticScenario(), secondGroup, outcome];
    expect(courtCounts(byOcg(charged)['OCG-0001'])).toEqual({ charges: 1, outcomes: 1, convictions: 1 });
    // A-0001 corrected to have been arrested at R-0002, then R-0002 regrouped: the charge goes along each time.
    const moved: EventSpec = {
      type: 'EventCorrected',
      eventId: eventIdOf(111),
      ...at('2021-03-13T10:00:00.000Z'),
      data: {
        correctsEventId: VENETIC_IDS.arrest1,
        correctedType: 'ArrestMade',
        replacementSchemaVersion: 1,
        reason: 'Arrested at the second address',
        replacement: {
          arrestId: 'A-0001',
          subjectId: 'SUBJ-1',
          suspectedOffences: ['conspiracy-to-supply'],
          raidId: 'R-0002',
          force: 'NWP',
        },
      },
    };
    const atUngroupedRaid = byOcg([...charged, moved]);
    expect(courtCounts(atUngroupedRaid['OCG-0001'])).toEqual({ charges: 0, outcomes: 0, convictions: 0 });
    const regrouped = byOcg([...charged, moved, raid2Correction('OCG-0002', 112)]);
    expect(courtCounts(regrouped['OCG-0002'])).toEqual({ charges: 1, outcomes: 1, convictions: 1 });
    expect(courtCounts(regrouped['OCG-0001'])).toEqual({ charges: 0, outcomes: 0, convictions: 0 });
  });

  it('counts every live event for the group its history ends with, whatever the corrections (property)', () => {
    // The same facts recorded straight, each event with its final data and the retracted left out, must
    // break down by group exactly as the history that reached them through corrections and retractions.
    const groups = ['OCG-A', 'OCG-B', null] as const;
    const raids = ['R-1', 'R-2', 'R-3'];
    const arrests = ['A-1', 'A-2', 'A-3', 'A-4'];
    const raidData = (raidId: string, ocg: string | null): JsonObject => ({
      raidId,
      force: 'NWP',
      postcodeDistrict: 'LL11',
      legalPower: 'mda-s23-warrant',
      startedAt: '2020-06-13T05:00:00.000Z',
      endedAt: '2020-06-13T08:00:00.000Z',
      officers: 10,
      ...(ocg === null ? {} : { ocgId: ocg }),
    });
    const arrestData = (arrestId: string, raidId: string | null): JsonObject => ({
      arrestId,
      subjectId: `SUBJ-${arrestId}`,
      suspectedOffences: ['conspiracy-to-supply'],
      force: 'NWP',
      ...(raidId === null ? {} : { raidId }),
    });
    const chargeData = (arrestId: string, remanded: boolean): JsonObject => ({
      arrestId,
      offences: ['conspiracy-to-supply'],
      decidedBy: 'cps',
      remandedInCustody: remanded,
    });
    const outcomeData = (arrestId: string): JsonObject => ({ arrestId, outcome: 'acquitted' });
    const seizureData = (seizureId: string, raidId: string | null): JsonObject => ({
      seizureId,
      seizedBy: 'NWP',
      ...(raidId === null ? {} : { raidId }),
      drugs: [],
      firearms: [],
      cash: [{ amountPence: 100, power: 'poca-s294' }],
      other: [],
    });
    const raidOrNone = fc.constantFrom<string | null>(...raids, null);
    const amendment = fc.oneof(
      fc.record({
        kind: fc.constant('regroup' as const),
        raid: fc.constantFrom(...raids),
        ocg: fc.constantFrom(...groups),
      }),
      fc.record({
        kind: fc.constant('move' as const),
        arrest: fc.constantFrom(...arrests),
        raid: raidOrNone,
      }),
      fc.record({
        kind: fc.constant('recharge' as const),
        arrest: fc.constantFrom(...arrests),
        remanded: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('retract' as const),
        arrest: fc.constantFrom(...arrests),
        what: fc.constantFrom('charge', 'outcome', 'seizure'),
      }),
    );
    fc.assert(
      fc.property(
        fc.tuple(...raids.map(() => fc.constantFrom(...groups))),
        fc.tuple(
          ...arrests.map(() => fc.record({ raid: raidOrNone, charged: fc.boolean(), outcome: fc.boolean() })),
        ),
        fc.array(amendment, { maxLength: 12 }),
        (raidGroups, arrestFacts, amendments) => {
          let n = 1_000;
          const nextId = () => eventIdOf((n += 1));
          // Each original event: its id, type, and data as it stands (kept up to date below).
          const originals: { eventId: string; type: string; data: JsonObject; retracted: boolean }[] = [];
          const history: EventSpec[] = [];
          const record = (type: string, data: JsonObject) => {
            const eventId = nextId();
            originals.push({ eventId, type, data, retracted: false });
            history.push({ type, eventId, ...at('2020-06-13T09:00:00.000Z'), data });
            return eventId;
          };
          for (const ocg of ['OCG-A', 'OCG-B'])
            record('OrganisedCrimeGroupIdentified', {
              ocgId: ocg,
              codename: ocg,
              leadForce: 'NWP',
              band: 'high',
              threatScore: 80,
              activities: ['drug-supply'],
            });
          const raidEvents = raids.map((raidId, index) =>
            record('RaidConducted', raidData(raidId, raidGroups[index]!)),
          );
          const arrestEvents = new Map<string, string>();
          const chargeEvents = new Map<string, string>();
          const outcomeEvents = new Map<string, string>();
          const seizureEvents = new Map<string, string>();
          arrests.forEach((arrestId, index) => {
            const facts = arrestFacts[index]!;
            arrestEvents.set(arrestId, record('ArrestMade', arrestData(arrestId, facts.raid)));
            seizureEvents.set(arrestId, record('SeizureRecorded', seizureData(`S-${arrestId}`, facts.raid)));
            if (facts.charged) {
              chargeEvents.set(arrestId, record('ChargeBrought', chargeData(arrestId, false)));
              if (facts.outcome)
                outcomeEvents.set(arrestId, record('ChargeOutcomeRecorded', outcomeData(arrestId)));
            }
          });
          const original = (eventId: string) => originals.find((event) => event.eventId === eventId)!;
          const correct = (eventId: string, replacement: JsonObject) => {
            const target = original(eventId);
            if (target.retracted) return;
            target.data = replacement;
            history.push({
              type: 'EventCorrected',
              eventId: nextId(),
              ...at('2020-06-20T09:00:00.000Z'),
              data: {
                correctsEventId: eventId,
                correctedType: target.type,
                replacementSchemaVersion: 1,
                reason: 'Corrected',
                replacement,
              },
            });
          };
          for (const change of amendments) {
            if (change.kind === 'regroup')
              correct(raidEvents[raids.indexOf(change.raid)]!, raidData(change.raid, change.ocg));
            else if (change.kind === 'move')
              correct(arrestEvents.get(change.arrest)!, arrestData(change.arrest, change.raid));
            else if (change.kind === 'recharge') {
              const charge = chargeEvents.get(change.arrest);
              if (charge !== undefined) correct(charge, chargeData(change.arrest, change.remanded));
            } else {
              const events = { charge: chargeEvents, outcome: outcomeEvents, seizure: seizureEvents }[
                change.what
              ];
              const target = events.get(change.arrest);
              if (target === undefined || original(target).retracted) continue;
              original(target).retracted = true;
              history.push({
                type: 'EventRetracted',
                eventId: nextId(),
                ...at('2020-06-20T09:00:00.000Z'),
                data: { retractsEventId: target, reason: 'entered-in-error' },
              });
            }
          }
          const straight: EventSpec[] = originals
            .filter((event) => !event.retracted)
            .map((event) => ({
              type: event.type,
              eventId: event.eventId,
              ...at('2020-06-13T09:00:00.000Z'),
              data: event.data,
            }));
          expect(byOcg(history)).toEqual(byOcg(straight));
          // And from a checkpoint taken part-way, before the amendments.
          const stored = storedEvents(history);
          const cut = originals.length;
          const parts = JSON.parse(
            JSON.stringify(
              snapshotParts(
                operationalPictureProjection.toSnapshot(
                  foldEvents(operationalPictureProjection, stored.slice(0, cut)),
                ),
              ),
            ),
          ) as JsonValue[];
          let restored = operationalPictureProjection.fromSnapshot(parts);
          for (const event of stored.slice(cut))
            restored = operationalPictureProjection.apply(restored, event);
          expect(operationalPictureView(restored, 'venetic')!.byOrganisedCrimeGroup).toEqual(byOcg(straight));
        },
      ),
      { numRuns: 300 },
    );
  });
});
