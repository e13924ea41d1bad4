import { foldEvents } from '../core/projection';
import { eventIdOf, storedEvents, type EventSpec } from '../testing/timeline-event.builders';
import { veneticScenario } from '../testing/venetic.scenario';
import { dailySeries, timelinePage } from '../timeline/timeline.query';
import { eventPayloads } from '../timeline/timeline.payloads';
import { timelineProjection } from '../timeline/timeline.projection';
import { operationalPictureProjection } from './operational-picture.projection';
import { operationalPictureView } from './operational-picture.view';

/** Court outcomes in the picture's counters and on the timeline. */
const CONVICTION = eventIdOf(201);
const at = (occurredAt: string) => ({ occurredAt, recordedAt: '2021-03-12T12:00:00.000Z', agency: 'NWP' });

/** A-0001 was charged on 15 June 2020 in the scenario; A-0002 and A-0003 get charges here. */
function withOutcomes(): EventSpec[] {
  const charge = (n: number, arrestId: string): EventSpec => ({
    type: 'ChargeBrought',
    eventId: eventIdOf(n),
    ...at('2020-06-16T09:00:00.000Z'),
    data: { arrestId, offences: ['money-laundering'], decidedBy: 'police', remandedInCustody: false },
  });
  return [
    ...veneticScenario(),
    charge(202, 'A-0002'),
    charge(203, 'A-0003'),
    {
      type: 'ChargeOutcomeRecorded',
      eventId: CONVICTION,
      ...at('2021-03-12T10:00:00.000Z'),
      data: { arrestId: 'A-0001', outcome: 'convicted', sentence: 'custodial', custodialMonths: 162 },
    },
    {
      type: 'ChargeOutcomeRecorded',
      eventId: eventIdOf(204),
      ...at('2021-03-12T11:00:00.000Z'),
      data: { arrestId: 'A-0002', outcome: 'acquitted' },
    },
    {
      type: 'ChargeOutcomeRecorded',
      eventId: eventIdOf(205),
      ...at('2021-01-20T09:00:00.000Z'),
      data: { arrestId: 'A-0003', outcome: 'discontinued' },
    },
  ];
}

const picture = (specs: EventSpec[]) =>
  operationalPictureView(foldEvents(operationalPictureProjection, storedEvents(specs)), 'venetic')!;

describe('court outcomes in the picture', () => {
  it('counts convictions, acquittals, discontinuances and custodial months', () => {
    const view = picture(withOutcomes());
    expect(view.totals.courtOutcomes).toEqual({
      total: 3,
      convictions: 1,
      acquittals: 1,
      discontinuances: 1,
      custodialSentences: 1,
      nonCustodialSentences: 0,
      custodialMonths: 162,
    });
    // Attributed to the recording agency, as charges are.
    expect(view.byAgency['NWP']!.courtOutcomes.total).toBe(3);
    expect(view.byRegion['wales']!.courtOutcomes.custodialMonths).toBe(162);
  });

  it('follows a correction of the sentence and a retraction of the outcome', () => {
    const corrected: EventSpec = {
      type: 'EventCorrected',
      eventId: eventIdOf(206),
      ...at('2021-05-01T10:00:00.000Z'),
      data: {
        correctsEventId: CONVICTION,
        correctedType: 'ChargeOutcomeRecorded',
        replacementSchemaVersion: 1,
        reason: 'Sentence reduced on appeal',
        replacement: { arrestId: 'A-0001', outcome: 'convicted', sentence: 'non-custodial' },
      },
    };
    const afterAppeal = picture([...withOutcomes(), corrected]).totals.courtOutcomes;
    expect(afterAppeal).toMatchObject({ convictions: 1, custodialSentences: 0, nonCustodialSentences: 1 });
    expect(afterAppeal.custodialMonths).toBe(0);
    const retracted: EventSpec = {
      type: 'EventRetracted',
      eventId: eventIdOf(207),
      ...at('2021-05-02T10:00:00.000Z'),
      data: { retractsEventId: CONVICTION, reason: 'entered-in-error' },
    };
    expect(picture([...withOutcomes(), corrected, retracted]).totals.courtOutcomes).toMatchObject({
      total: 2,
      convictions: 0,
    });
  });
});

describe('court outcomes on the timeline', () => {
  const events = () => storedEvents(withOutcomes());
  const state = () => foldEvents(timelineProjection, events());

  it('lists each outcome as an entry, in the order of its date', async () => {
    const page = await timelinePage(
      state(),
      'venetic',
      { types: ['ChargeOutcomeRecorded'] },
      eventPayloads(events()),
    );
    expect(page!.entries.map((entry) => [entry.occurredAt, entry.data['outcome']])).toEqual([
      ['2021-01-20T09:00:00.000Z', 'discontinued'],
      ['2021-03-12T10:00:00.000Z', 'convicted'],
      ['2021-03-12T11:00:00.000Z', 'acquitted'],
    ]);
  });

  it('counts them by day in the series', () => {
    const days = dailySeries(state(), 'venetic', { types: ['ChargeOutcomeRecorded'] })!.days;
    expect(days.map((day) => [day.date, day.byType['ChargeOutcomeRecorded'], day.cumulative.events])).toEqual(
      [
        ['2021-01-20', 1, 1],
        ['2021-03-12', 2, 3],
      ],
    );
  });
});
