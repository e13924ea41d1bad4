import { canonicalJson, type JsonValue } from '@timeline/kernel';
import { foldEvents, snapshotParts } from '../core/projection';
import { UnfoldableEventError } from '../core/projection.errors';
import { expectSnapshotsTakenAtTheCall } from '../testing/snapshot-at-the-call';
import { storedEvents } from '../testing/timeline-event.builders';
import { VENETIC_IDS, veneticScenario } from '../testing/venetic.scenario';
import veneticPictureSnapshot from '../testing/venetic.picture-snapshot.json';
import { Counters } from './counters';
import { operationalPictureProjection } from './operational-picture.projection';
import {
  nationalPictureView,
  operationalPictureView,
  penceToPounds,
  totalsOf,
  type PictureTotals,
} from './operational-picture.view';

const fold = (specs = veneticScenario()) => foldEvents(operationalPictureProjection, storedEvents(specs));

const none = { kg: 0, doses: 0, plants: 0 };
function totals(overrides: Partial<PictureTotals>): PictureTotals {
  return { ...totalsOf(new Counters()), ...overrides };
}

describe('operational picture fold', () => {
  it('counts the Venetic scenario exactly, with the correction and the retraction applied', () => {
    const view = operationalPictureView(fold(), 'venetic')!;
    expect(view.asOf).toEqual({ position: '21', eventCount: 21, lastRecordedAt: '2020-07-02T09:00:00.000Z' });
    expect(view.operation).toEqual({
      codename: 'VENETIC',
      leadAgency: 'NCA',
      startedAt: '2020-03-01T09:00:00.000Z',
      description: 'UK response to the EncroChat compromise',
      status: 'phase-ended',
      phaseEndedAt: '2020-07-02T00:00:00.000Z',
      closedAt: null,
      agencies: [
        {
          agency: 'GMP',
          region: 'north-west',
          localOperationName: null,
          joinedAt: '2020-03-03T09:00:00.000Z',
        },
        {
          agency: 'NWP',
          region: 'wales',
          localOperationName: 'TANTALUM',
          joinedAt: '2020-03-02T09:00:00.000Z',
        },
      ],
    });
    expect(view.totals).toEqual({
      arrests: 3,
      charges: { total: 1, byDecider: { cps: 1 }, remandedInCustody: 1 },
      courtOutcomes: {
        total: 0,
        convictions: 0,
        acquittals: 0,
        discontinuances: 0,
        custodialSentences: 0,
        nonCustodialSentences: 0,
        custodialMonths: 0,
      },
      raids: { total: 2, officers: 32 },
      intelligence: {
        received: 2,
        withheld: 0,
        threatToLife: 1,
        byGrading: { '1/A/P': 1, '2/B/C': 1 },
        bySource: { '1': 1, '2': 1 },
        byIntelligence: { A: 1, B: 1 },
        byHandling: { C: 1, P: 1 },
        byPriority: { HIGH: 1, MEDIUM: 1 },
      },
      disseminations: { total: 1, sanitised: 1, byRecipient: { GMP: 1 } },
      seizures: 2,
      drugs: {
        byClass: { A: { kg: 2.5, doses: 0, plants: 0 }, B: { kg: 0, doses: 0, plants: 300 }, C: none },
        byType: {
          cannabis: { class: 'B', kg: 0, doses: 0, plants: 300 },
          cocaine: { class: 'A', kg: 2.5, doses: 0, plants: 0 },
        },
      },
      firearms: { total: 2, rounds: 40, byCategory: { 's5-prohibited': { count: 2, rounds: 40 } } },
      cash: { pence: 5_400_000, pounds: '54000.00' },
      otherProperty: {},
      threatsToLifeMitigated: { total: 1, byAction: { 'warning-notice': 1 } },
      ocgsIdentified: { total: 1, byBand: { high: 1 } },
      encryptionCracked: { total: 1, byPlatform: { EncroChat: 1 } },
    });
  });

  it('breaks the totals down by acting agency and by region', () => {
    const view = operationalPictureView(fold(), 'venetic')!;
    expect(Object.keys(view.byAgency)).toEqual(['GMP', 'NCA', 'NWP']);
    expect(view.byAgency.NWP).toEqual(
      totals({
        arrests: 2,
        charges: { total: 1, byDecider: { cps: 1 }, remandedInCustody: 1 },
        raids: { total: 1, officers: 12 },
        intelligence: {
          received: 1,
          withheld: 0,
          threatToLife: 1,
          byGrading: { '1/A/P': 1 },
          bySource: { '1': 1 },
          byIntelligence: { A: 1 },
          byHandling: { P: 1 },
          byPriority: { HIGH: 1 },
        },
        seizures: 1,
        drugs: {
          byClass: { A: { kg: 2.5, doses: 0, plants: 0 }, B: { kg: 0, doses: 0, plants: 300 }, C: none },
          byType: {
            cannabis: { class: 'B', kg: 0, doses: 0, plants: 300 },
            cocaine: { class: 'A', kg: 2.5, doses: 0, plants: 0 },
          },
        },
        cash: { pence: 5_400_000, pounds: '54000.00' },
        threatsToLifeMitigated: { total: 1, byAction: { 'warning-notice': 1 } },
        ocgsIdentified: { total: 1, byBand: { high: 1 } },
      }),
    );
    expect(view.byAgency.GMP).toMatchObject({
      arrests: 1,
      raids: { total: 1, officers: 20 },
      seizures: 1,
      cash: { pence: 0, pounds: '0.00' },
      firearms: { total: 2, rounds: 40 },
    });
    expect(view.byAgency.NCA).toMatchObject({
      arrests: 0,
      disseminations: { total: 1 },
      encryptionCracked: { total: 1 },
    });
    expect(Object.keys(view.byRegion)).toEqual(['national', 'north-west', 'wales']);
    expect(view.byRegion.wales).toEqual(view.byAgency.NWP);
    expect(view.byRegion['north-west']).toEqual(view.byAgency.GMP);
  });

  it('adds up operations into the national picture', () => {
    const other = veneticScenario('tantalum', 1000).slice(0, 11);
    const state = fold([...veneticScenario(), ...other]);
    const national = nationalPictureView(state);
    expect(national.asOf).toEqual({
      position: '32',
      eventCount: 32,
      lastRecordedAt: '2020-07-02T09:00:00.000Z',
    });
    expect(national.operations).toEqual([
      { operationId: 'tantalum', codename: 'VENETIC', status: 'open', eventCount: 11 },
      { operationId: 'venetic', codename: 'VENETIC', status: 'phase-ended', eventCount: 21 },
    ]);
    expect(national.totals.arrests).toBe(5);
    expect(national.totals.raids.total).toBe(3);
    expect(national.totals.cash).toEqual({ pence: 10_800_000, pounds: '108000.00' });
    expect(national.totals.drugs.byType.cocaine).toEqual({ class: 'A', kg: 4.9, doses: 0, plants: 0 });
    expect(operationalPictureView(state, 'tantalum')!.asOf).toEqual({
      position: '32',
      eventCount: 11,
      lastRecordedAt: '2020-06-13T10:00:00.000Z',
    });
    expect(operationalPictureView(state, 'unknown')).toBeNull();

    // Across some operations only (those an agency takes part in): their counters and their events.
    const tantalum = operationalPictureView(state, 'tantalum')!;
    const some = nationalPictureView(state, new Set(['tantalum', 'not-an-operation']));
    expect(some.operations.map((operation) => operation.operationId)).toEqual(['tantalum']);
    expect(some.asOf).toEqual(tantalum.asOf);
    expect({ totals: some.totals, byAgency: some.byAgency, byRegion: some.byRegion }).toEqual({
      totals: tantalum.totals,
      byAgency: tantalum.byAgency,
      byRegion: tantalum.byRegion,
    });
    expect(national.totals.arrests).toBe(
      tantalum.totals.arrests + operationalPictureView(state, 'venetic')!.totals.arrests,
    );
    expect(nationalPictureView(state, new Set()).totals.arrests).toBe(0);
  });

  it('keeps kg exact through corrections (integer milligrams)', () => {
    const specs = veneticScenario().slice(0, 11);
    const seizure = specs[10];
    const corrections = [0.1, 0.2, 0.3].map((quantity, index) => ({
      type: 'EventCorrected',
      eventId: `00000000-0000-4000-a000-00000000000${index}`,
      data: {
        correctsEventId: VENETIC_IDS.seizure1,
        correctedType: 'SeizureRecorded',
        reason: 'reweighed',
        replacement: {
          ...seizure.data,
          drugs: [{ drugType: 'cocaine', quantity, unit: 'kg', purity: { testStatus: 'untested' } }],
        },
      },
    }));
    const view = operationalPictureView(fold([...specs, ...corrections]), 'venetic')!;
    expect(view.totals.drugs.byType).toEqual({ cocaine: { class: 'A', kg: 0.3, doses: 0, plants: 0 } });
  });

  it('refuses, without changing anything, a correction of an unknown event, of another type, or of a retracted one', () => {
    const base = veneticScenario().slice(0, 20);
    const state = fold(base);
    const before = canonicalJson(snapshotParts(operationalPictureProjection.toSnapshot(state)));
    const [unknownTarget, wrongType, retracted] = storedEvents(
      [
        {
          type: 'EventCorrected',
          data: {
            correctsEventId: '00000000-0000-4000-8000-0000000000ff',
            correctedType: 'ArrestMade',
            replacement: {},
            reason: 'x',
          },
        },
        {
          type: 'EventCorrected',
          data: {
            correctsEventId: VENETIC_IDS.arrest1,
            correctedType: 'RaidConducted',
            replacement: {},
            reason: 'x',
          },
        },
        { type: 'EventRetracted', data: { retractsEventId: VENETIC_IDS.seizure3, reason: 'duplicate' } },
      ],
      21,
    );
    expect(() => operationalPictureProjection.apply(state, unknownTarget)).toThrow(UnfoldableEventError);
    expect(() => operationalPictureProjection.apply(state, wrongType)).toThrow(
      'it corrects a ArrestMade as if it were a RaidConducted',
    );
    expect(() => operationalPictureProjection.apply(state, retracted)).toThrow('which is retracted');
    const [badSeizure] = storedEvents(
      [
        {
          type: 'SeizureRecorded',
          data: { seizureId: 'S-9', seizedBy: 'NWP', drugs: [{ drugType: 'cocaine', unit: 'kg' }] },
        },
      ],
      21,
    );
    expect(() => operationalPictureProjection.apply(state, badSeizure)).toThrow(
      'data.drugs[0].quantity is not a number',
    );
    const [unknownType] = storedEvents([{ type: 'SomethingNew', data: {} }], 21);
    expect(() => operationalPictureProjection.apply(state, unknownType)).toThrow(
      'the operational picture does not know this type',
    );
    expect(canonicalJson(snapshotParts(operationalPictureProjection.toSnapshot(state)))).toBe(before);
  });

  it('reads stored v1 intelligence with the compact grading', () => {
    const [launch] = veneticScenario();
    const view = operationalPictureView(
      fold([
        launch,
        {
          type: 'IntelligenceReceived',
          data: {
            reportRef: 'INT-9',
            fromAgency: 'NCA',
            grading: '3/E/C',
            handlingConditions: 'none',
            priority: 'LOW',
            threatToLife: false,
            subjects: [],
            region: 'london',
          },
        },
      ]),
      'venetic',
    )!;
    expect(view.totals.intelligence.byGrading).toEqual({ '3/E/C': 1 });
    expect(Object.keys(view.byRegion)).toEqual(['london']);
  });

  it('snapshots the state at the call, however the state changes while the parts are read', () => {
    // Later events (corrections and retractions of earlier ones among them) land before the parts are read.
    const appliedAfter = expectSnapshotsTakenAtTheCall(
      operationalPictureProjection,
      storedEvents(veneticScenario()),
    );
    expect([...appliedAfter]).toEqual(expect.arrayContaining(['EventCorrected', 'EventRetracted']));
  });

  it('restores from its snapshot to a byte-identical state that folds on identically', () => {
    const events = storedEvents(veneticScenario());
    const state = foldEvents(operationalPictureProjection, events.slice(0, 15));
    const restored = operationalPictureProjection.fromSnapshot(
      JSON.parse(JSON.stringify(snapshotParts(operationalPictureProjection.toSnapshot(state)))),
    );
    for (const event of events.slice(15)) {
      operationalPictureProjection.apply(state, event);
      operationalPictureProjection.apply(restored, event);
    }
    expect(canonicalJson(snapshotParts(operationalPictureProjection.toSnapshot(restored)))).toBe(
      canonicalJson(snapshotParts(operationalPictureProjection.toSnapshot(state))),
    );
    expect(operationalPictureView(restored, 'venetic')).toEqual(operationalPictureView(state, 'venetic'));
  });

  it('writes and reads the version-4 checkpoint format unchanged (Venetic: C-coded reports apart by audience, groups by raid and arrest)', () => {
    const written = veneticPictureSnapshot as unknown as JsonValue[];
    const state = fold();
    expect(canonicalJson(snapshotParts(operationalPictureProjection.toSnapshot(state)))).toBe(
      canonicalJson(written),
    );
    const restored = operationalPictureProjection.fromSnapshot(written);
    expect(operationalPictureView(restored, 'venetic')).toEqual(operationalPictureView(state, 'venetic'));
    expect(nationalPictureView(restored)).toEqual(nationalPictureView(state));
  });

  it('formats pence as pounds exactly', () => {
    expect([0, 5, 99, 100, 5_400_000, 7_691_457_500, -250].map(penceToPounds)).toEqual([
      '0.00',
      '0.05',
      '0.99',
      '1.00',
      '54000.00',
      '76914575.00',
      '-2.50',
    ]);
  });
});
