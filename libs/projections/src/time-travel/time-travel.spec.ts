import { StreamNotFoundError } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { eventIdOf, eventToAppend } from '../testing/timeline-event.builders';
import { VENETIC_IDS, veneticScenario } from '../testing/venetic.scenario';
import { UnknownProjectionError } from '../core/projection.errors';
import { operationalPictureProjection } from '../picture/operational-picture.projection';
import { operationalPictureView } from '../picture/operational-picture.view';
import { READ_MODELS } from '../read-models';
import { recordingProjection } from '../testing/recording.projection';
import { InvalidTimeTravelError, TimeTravel } from './time-travel';

async function veneticStore(): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  for (const [revision, spec] of veneticScenario().entries())
    await store.append('operation-venetic', [eventToAppend(spec, revision)]);
  return store;
}

const n = (...numbers: number[]) => numbers.map(eventIdOf);

describe('time travel', () => {
  let travel: TimeTravel;
  beforeAll(async () => {
    travel = new TimeTravel(await veneticStore());
  });

  it('answers "what did we know on 13 June 2020?" without the late, back-dated and later amended facts', async () => {
    const known = await travel.at('venetic', { kind: 'known-at', recordedAt: '2020-06-13T23:59:59Z' });
    const picture = known.picture!;
    expect(picture.asOf).toEqual({
      position: '12',
      eventCount: 12,
      lastRecordedAt: '2020-06-13T12:10:00.000Z',
    });
    expect(picture.operation.status).toBe('open');
    expect(picture.totals).toMatchObject({
      raids: { total: 1, officers: 12 },
      arrests: 2,
      charges: { total: 0 },
      seizures: 1,
      cash: { pence: 5_400_000, pounds: '54000.00' },
      firearms: { total: 0, rounds: 0 },
      intelligence: { received: 1, byGrading: { '1/A/P': 1 } },
      threatsToLifeMitigated: { total: 1 },
    });
    expect(picture.totals.drugs.byType).toEqual({
      cannabis: { class: 'B', kg: 0, doses: 0, plants: 300 },
      cocaine: { class: 'A', kg: 2.4, doses: 0, plants: 0 },
    });
    const timeline = (await known.timeline({ limit: 100 }))!;
    expect(timeline.entries.map((entry) => entry.eventId)).toEqual(n(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    expect(timeline.entries[10]).toMatchObject({
      eventId: VENETIC_IDS.seizure1,
      status: 'recorded',
      history: [{ version: 1 }],
    });
  });

  it('shows the duplicate cash seizure as known between its recording and its retraction', async () => {
    const known = await travel.at('venetic', { kind: 'known-at', recordedAt: '2020-06-15T12:30:00Z' });
    expect(known.picture!.totals).toMatchObject({
      seizures: 3,
      cash: { pence: 6_400_000, pounds: '64000.00' },
      firearms: { total: 2, rounds: 40 },
    });
    expect(known.picture!.asOf.position).toBe('17');
  });

  it('cuts at a global position', async () => {
    const known = await travel.at('venetic', { kind: 'known-at', position: '15' });
    expect(known.picture!.asOf).toEqual({
      position: '15',
      eventCount: 15,
      lastRecordedAt: '2020-06-14T08:10:00.000Z',
    });
    expect(known.picture!.totals).toMatchObject({
      raids: { total: 2 },
      arrests: 3,
      seizures: 2,
      intelligence: { received: 1 },
    });
  });

  it('answers "what had happened by 13 June?" with everything known now, corrections and retractions of those events included', async () => {
    const happened = await travel.at('venetic', { kind: 'happened-by', occurredAt: '2020-06-13T23:59:59Z' });
    const picture = happened.picture!;
    expect(picture.asOf).toEqual({
      position: '20',
      eventCount: 19,
      lastRecordedAt: '2020-06-16T11:00:00.000Z',
    });
    expect(picture.operation.status).toBe('open');
    expect(picture.totals).toMatchObject({
      raids: { total: 2, officers: 32 },
      arrests: 3,
      charges: { total: 0 },
      seizures: 2,
      cash: { pence: 5_400_000, pounds: '54000.00' },
      firearms: { total: 2, rounds: 40 },
      intelligence: { received: 2, byGrading: { '1/A/P': 1, '2/B/C': 1 } },
    });
    expect(picture.totals.drugs.byType.cocaine).toEqual({ class: 'A', kg: 2.5, doses: 0, plants: 0 });
    const entries = (await happened.timeline({ limit: 100 }))!.entries;
    expect(entries.map((entry) => entry.eventId)).toEqual(
      n(1, 2, 3, 4, 16, 5, 6, 7, 13, 14, 15, 8, 9, 10, 11, 17, 12),
    );
    expect(entries.find((entry) => entry.eventId === VENETIC_IDS.seizure3)!.status).toBe('retracted');
    expect(
      happened.dailySeries({ types: ['ArrestMade'] })!.days.map((day) => [day.date, day.events]),
    ).toEqual([
      ['2020-06-12', 1],
      ['2020-06-13', 2],
    ]);
  });

  it('answers nothing before the operation existed, and refuses bad selections and unknown operations', async () => {
    const before = await travel.at('venetic', { kind: 'known-at', recordedAt: '2020-01-01T00:00:00Z' });
    expect(before.picture).toBeNull();
    expect(await before.timeline()).toBeNull();
    await expect(travel.at('venetic', { kind: 'known-at', recordedAt: 'yesterday' })).rejects.toMatchObject({
      field: 'recordedAt',
      category: 'invalid-input',
    });
    await expect(travel.at('venetic', { kind: 'known-at', position: '-1' })).rejects.toBeInstanceOf(
      InvalidTimeTravelError,
    );
    await expect(travel.at('venetic', { kind: 'happened-by', occurredAt: '' })).rejects.toMatchObject({
      field: 'occurredAt',
    });
    await expect(
      travel.at('unknown', { kind: 'happened-by', occurredAt: '2020-06-13' }),
    ).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('folds every registered projection over the selection, each state found by its own handle', async () => {
    const store = await veneticStore();
    const recording = recordingProjection();
    const known = await new TimeTravel(store, [...READ_MODELS, recording]).at('venetic', {
      kind: 'known-at',
      position: '5',
    });
    const firstFive = (await store.readStream('operation-venetic')).slice(0, 5).map((event) => event.eventId);
    expect(known.state(recording).ids).toEqual(firstFive);
    expect(operationalPictureView(known.state(operationalPictureProjection), 'venetic')).toEqual(
      known.picture,
    );
    expect(() => known.state(recordingProjection())).toThrow(UnknownProjectionError);
    const withoutIt = await travel.at('venetic', { kind: 'known-at', position: '5' });
    expect(() => withoutIt.state(recording)).toThrow(UnknownProjectionError);
  });
});
