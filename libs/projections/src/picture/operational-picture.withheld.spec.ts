import fc from 'fast-check';
import type { JsonObject } from '@timeline/kernel';
import { agencyMayView, restrictionOf, withheldData } from '@timeline/events';
import { foldEvents } from '../core/projection';
import { storedEvents, type EventSpec } from '../testing/timeline-event.builders';
import { veneticScenario } from '../testing/venetic.scenario';
import { operationalPictureProjection } from './operational-picture.projection';
import { nationalPictureView, operationalPictureView } from './operational-picture.view';

/**
 * Handling code C in the picture: a reader not entitled to a C-coded report sees
 * the same picture whatever the report's details are (grading, priority, region,
 * threat to life, source, conditions naming others), corrected or not; a reader
 * entitled to it sees them. A redacted export (withheld markers in place of the
 * data) folds to the picture its reader is shown.
 */
const REPORT_ID = '00000000-0000-4000-8000-0000000c0001';
const CORRECTION_ID = '00000000-0000-4000-8000-0000000c0002';
const OUTSIDER = 'NWP'; // joined the scenario's operation; never named by the reports below

const details: fc.Arbitrary<Details> = fc.record({
  source: fc.constantFrom(1, 2, 3),
  intelligence: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
  conditions: fc.constantFrom('No onward disclosure', 'Share with GMP only', 'Share with TARIAN and GMP'),
  priority: fc.constantFrom('LOW', 'MEDIUM', 'HIGH'),
  threatToLife: fc.boolean(),
  region: fc.constantFrom('north-west', 'wales', 'london', 'national'),
  fromAgency: fc.constantFrom('NCA', 'GMP', 'FR-GN'),
});
interface Details {
  readonly source: number;
  readonly intelligence: string;
  readonly conditions: string;
  readonly priority: string;
  readonly threatToLife: boolean;
  readonly region: string;
  readonly fromAgency: string;
}

function reportData(d: Details): JsonObject {
  return {
    reportRef: 'INT-C-0001',
    fromAgency: d.fromAgency,
    grading: { source: d.source, intelligence: d.intelligence, handling: 'C', conditions: d.conditions },
    priority: d.threatToLife ? 'HIGH' : d.priority,
    threatToLife: d.threatToLife,
    subjects: ['SUBJ-C'],
    region: d.region,
  };
}

/** The scenario, then a C-coded report recorded by GMP and, optionally, GMP's correction of it. */
function specs(report: Details, correction: { details: Details; reason: string } | null): EventSpec[] {
  const at = { occurredAt: '2020-06-20T10:00:00.000Z', recordedAt: '2020-06-20T11:00:00.000Z' };
  return [
    ...veneticScenario(),
    {
      type: 'IntelligenceReceived',
      eventId: REPORT_ID,
      agency: 'GMP',
      ...at,
      data: reportData(report),
    },
    ...(correction === null
      ? []
      : [
          {
            type: 'EventCorrected',
            eventId: CORRECTION_ID,
            agency: 'GMP',
            ...at,
            data: {
              correctsEventId: REPORT_ID,
              correctedType: 'IntelligenceReceived',
              reason: correction.reason,
              replacement: reportData(correction.details),
            },
          },
        ]),
  ];
}

const fold = (events: EventSpec[]) => foldEvents(operationalPictureProjection, storedEvents(events));

describe('the picture and handling code C', () => {
  it('is the same for a reader not entitled to a report, whatever its details (property)', () => {
    const corrected = fc.option(fc.record({ details, reason: fc.string() }), { nil: null });
    fc.assert(
      fc.property(details, details, corrected, corrected, (a, b, correctionA, correctionB) => {
        const [first, second] = [fold(specs(a, correctionA)), fold(specs(b, correctionB))];
        // Correction or not is not a withheld detail: both draws make the same kind of change.
        if ((correctionA === null) !== (correctionB === null)) return;
        expect(operationalPictureView(second, 'venetic', { agency: OUTSIDER })).toEqual(
          operationalPictureView(first, 'venetic', { agency: OUTSIDER }),
        );
        expect(nationalPictureView(second, undefined, { agency: OUTSIDER })).toEqual(
          nationalPictureView(first, undefined, { agency: OUTSIDER }),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('shows a withheld report in a bucket of its own, and in full to an agency entitled to it', () => {
    const report: Details = {
      source: 2,
      intelligence: 'B',
      conditions: 'Share with TARIAN only',
      priority: 'HIGH',
      threatToLife: true,
      region: 'london',
      fromAgency: 'FR-GN',
    };
    const state = fold(specs(report, null));
    const outsider = operationalPictureView(state, 'venetic', { agency: OUTSIDER })!;
    // The scenario's own C-coded report (NCA's, recorded by GMP) is withheld from NWP too.
    expect(outsider.totals.intelligence).toEqual({
      received: 3,
      withheld: 2,
      threatToLife: 1,
      byGrading: { '1/A/P': 1, withheld: 2 },
      bySource: { '1': 1, withheld: 2 },
      byIntelligence: { A: 1, withheld: 2 },
      byHandling: { C: 2, P: 1 },
      byPriority: { HIGH: 1, withheld: 2 },
    });
    expect(outsider.byRegion.withheld.intelligence.received).toBe(2);
    expect(outsider.byRegion.london).toBeUndefined();
    expect(outsider.byAgency.GMP.intelligence.withheld).toBe(2);
    const entitled = operationalPictureView(state, 'venetic', { agency: 'TARIAN' })!;
    expect(entitled.totals.intelligence.byGrading).toEqual({ '1/A/P': 1, '2/B/C': 1, withheld: 1 });
    expect(entitled.byRegion.london.intelligence).toMatchObject({ received: 1, threatToLife: 1 });
    const everything = operationalPictureView(state, 'venetic')!;
    expect(everything.totals.intelligence).toMatchObject({ received: 3, withheld: 0, threatToLife: 2 });
  });

  it('folds a redacted export to the picture its reader is shown (property)', () => {
    const corrected = fc.option(fc.record({ details, reason: fc.string() }), { nil: null });
    fc.assert(
      fc.property(
        details,
        corrected,
        fc.constantFrom('NWP', 'GMP', 'NCA', 'TARIAN'),
        (report, correction, agency) => {
          const events = specs(report, correction);
          const redacted = events.map((spec): EventSpec =>
            isWithheldFrom(spec, agency) ? { ...spec, data: { ...withheldData(spec) } } : spec,
          );
          expect(operationalPictureView(fold(redacted), 'venetic')).toEqual(
            operationalPictureView(fold(events), 'venetic', { agency }),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** What an export made for `agency` withholds: the rule the api applies (README, Security). */
function isWithheldFrom(spec: EventSpec, agency: string): boolean {
  return !agencyMayView(
    agency,
    restrictionOf({ type: spec.type, data: spec.data, agency: spec.agency ?? 'NCA' }),
  );
}
