import type { JsonValue } from '@timeline/kernel';
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
});
