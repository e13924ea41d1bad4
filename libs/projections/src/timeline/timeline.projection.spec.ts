import fc from 'fast-check';
import { canonicalJson } from '@timeline/kernel';
import { positionOf } from '@timeline/event-store';
import { foldEvents, snapshotParts } from '../core/projection';
import { UnfoldableEventError } from '../core/projection.errors';
import { expectSnapshotsTakenAtTheCall } from '../testing/snapshot-at-the-call';
import { storedEvents, eventIdOf } from '../testing/timeline-event.builders';
import { VENETIC_IDS, veneticScenario } from '../testing/venetic.scenario';
import { compareEntries, settle, timelineProjection } from './timeline.projection';
import { TimelineEntry, type OperationTimelineState } from './timeline.state';
import {
  dailySeries,
  InvalidTimelineQueryError,
  selectTimelinePage,
  timelinePage,
  type TimelineSelection,
} from './timeline.query';
import { eventPayloads } from './timeline.payloads';
import { entryFactsOf } from './entry-facts';

const fold = (specs = veneticScenario()) => foldEvents(timelineProjection, storedEvents(specs));
const idsOf = (page: TimelineSelection | null) => page!.entries.map(({ entry }) => entry.eventId);
/** Every scenario event's data, where a rendered page reads it from. */
const scenarioPayloads = () => eventPayloads(storedEvents(veneticScenario()));
const n = (...numbers: number[]) => numbers.map(eventIdOf);

describe('timeline fold and queries', () => {
  it('orders entries by occurredAt, back-dated and late ones in place, corrections and retractions as amendments', () => {
    const page = selectTimelinePage(fold(), 'venetic', { limit: 500 })!;
    expect(idsOf(page)).toEqual(n(1, 2, 3, 4, 16, 5, 6, 7, 13, 14, 15, 8, 9, 10, 11, 17, 12, 18, 21));
    expect(page.asOf).toEqual({ position: '21', eventCount: 21, lastRecordedAt: '2020-07-02T09:00:00.000Z' });
    expect(page.nextCursor).toBeNull();
  });

  it('breaks ties of occurredAt by global position', () => {
    const same = '2020-06-13T05:00:00.000Z';
    const specs = [0, 1, 2].map((i) => ({
      type: 'ArrestMade',
      occurredAt: same,
      data: { arrestId: `A-${i}`, subjectId: 'S', suspectedOffences: [], force: 'NWP' },
    }));
    const state = foldEvents(timelineProjection, [
      ...storedEvents([specs[2]], 30),
      ...storedEvents([specs[0]], 10),
      ...storedEvents([specs[1]], 20),
    ]);
    expect(selectTimelinePage(state, 'venetic')!.entries.map(({ entry }) => entry.position)).toEqual([
      '10',
      '20',
      '30',
    ]);
  });

  it('refuses an event id it already holds and is left exactly as it was', () => {
    const state = fold();
    const before = canonicalJson(snapshotParts(timelineProjection.toSnapshot(state)));
    const [first] = storedEvents(veneticScenario());
    const again = { ...first, globalPosition: positionOf(99), position: '99' };
    expect(() => timelineProjection.apply(state, again)).toThrow(
      new UnfoldableEventError(first.eventId, first.type, 'the timeline already holds this event id'),
    );
    expect(canonicalJson(snapshotParts(timelineProjection.toSnapshot(state)))).toBe(before);
  });

  it('shows a corrected entry with its current value and its history, and marks a retracted one', async () => {
    const page = await timelinePage(fold(), 'venetic', { types: ['SeizureRecorded'] }, scenarioPayloads());
    const entries = page!.entries;
    const [s2, s1, s3] = entries;
    expect([s2.eventId, s1.eventId, s3.eventId]).toEqual([
      VENETIC_IDS.seizure2,
      VENETIC_IDS.seizure1,
      VENETIC_IDS.seizure3,
    ]);
    expect(s1.status).toBe('corrected');
    expect((s1.data.drugs as { quantity: number }[])[0].quantity).toBe(2.5);
    expect(
      s1.history.map((version) => [
        version.version,
        version.kind,
        version.eventId,
        version.recordedBy,
        version.recordedAt,
        version.reason,
        (version.data.drugs as { quantity: number }[])[0].quantity,
      ]),
    ).toEqual([
      [1, 'recorded', VENETIC_IDS.seizure1, 'nwp-officer', '2020-06-13T10:00:00.000Z', null, 2.4],
      [
        2,
        'corrected',
        VENETIC_IDS.correction,
        'nwp-exhibits',
        '2020-06-16T10:00:00.000Z',
        'Reweighed at the laboratory',
        2.5,
      ],
    ]);
    expect(s3.status).toBe('retracted');
    expect(s3.retraction).toEqual({
      eventId: VENETIC_IDS.retraction,
      position: '20',
      occurredAt: '2020-06-16T11:00:00.000Z',
      recordedAt: '2020-06-16T11:00:00.000Z',
      recordedBy: 'gmp-officer',
      agency: 'GMP',
      reason: 'duplicate',
      note: 'Same cash as S-0001',
    });
    expect(s2.status).toBe('recorded');
    expect(s2.history).toHaveLength(1);
  });

  it('filters by type, agency and occurred date range', () => {
    const state = fold();
    expect(idsOf(selectTimelinePage(state, 'venetic', { types: ['ArrestMade', 'RaidConducted'] }))).toEqual(
      n(13, 14, 8, 9, 10),
    );
    expect(idsOf(selectTimelinePage(state, 'venetic', { agencies: ['GMP'] }))).toEqual(
      n(3, 16, 6, 13, 14, 15, 17),
    );
    expect(
      idsOf(
        selectTimelinePage(state, 'venetic', { from: '2020-06-12T00:00:00Z', to: '2020-06-13T05:30:00Z' }),
      ),
    ).toEqual(n(13, 14, 15, 8, 9));
    expect(
      idsOf(
        selectTimelinePage(state, 'venetic', {
          from: '2020-06-13',
          to: '2020-06-13T23:59:59.999Z',
          agencies: ['GMP'],
        }),
      ),
    ).toEqual(n(17));
    expect(selectTimelinePage(state, 'nope')).toBeNull();
  });

  it('pages with a stable cursor that later back-dated entries do not shift', () => {
    const state = fold(veneticScenario().slice(0, 12));
    const first = selectTimelinePage(state, 'venetic', { limit: 4 })!;
    expect(idsOf(first)).toEqual(n(1, 2, 3, 4));
    // A back-dated entry recorded between the two page requests lands before the cursor.
    const backDated = {
      ...veneticScenario()[15],
      occurredAt: '2020-03-15T10:00:00.000Z',
      eventId: eventIdOf(99),
    };
    for (const event of storedEvents([backDated], 16)) timelineProjection.apply(state, event);
    const second = selectTimelinePage(state, 'venetic', { limit: 4, cursor: first.nextCursor! })!;
    expect(idsOf(second)).toEqual(n(5, 6, 7, 8));
    const third = selectTimelinePage(state, 'venetic', { limit: 4, cursor: second.nextCursor! })!;
    expect(idsOf(third)).toEqual(n(9, 10, 11, 12));
    expect(third.nextCursor).toBeNull();
    expect(
      idsOf(
        selectTimelinePage(state, 'venetic', { limit: 2, cursor: first.nextCursor!, types: ['ArrestMade'] }),
      ),
    ).toEqual(n(9, 10));
    expect(idsOf(selectTimelinePage(state, 'venetic', { limit: 6 }))).toEqual(n(1, 2, 3, 99, 4, 5));
  });

  it('refuses bad queries with field-level invalid-input errors', () => {
    const state = fold();
    const cases: [object, string][] = [
      [{ limit: 0 }, 'limit'],
      [{ limit: 501 }, 'limit'],
      [{ limit: 2.5 }, 'limit'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '13/06/2020' }, 'to'],
      [{ from: '2020-06-14', to: '2020-06-13' }, 'to'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
    ];
    for (const [query, field] of cases) {
      let caught: unknown;
      try {
        selectTimelinePage(state, 'venetic', query);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidTimelineQueryError);
      expect((caught as InvalidTimelineQueryError).category).toBe('invalid-input');
      expect((caught as InvalidTimelineQueryError).field).toBe(field);
    }
  });

  it('gives per-day counts and seizure totals with running totals, without retracted entries', () => {
    const series = dailySeries(fold(), 'venetic', {
      types: ['RaidConducted', 'ArrestMade', 'SeizureRecorded'],
    })!;
    expect(series.days.map((day) => [day.date, day.events, day.byType, day.cumulative.events])).toEqual([
      ['2020-06-12', 3, { RaidConducted: 1, ArrestMade: 1, SeizureRecorded: 1 }, 3],
      ['2020-06-13', 4, { RaidConducted: 1, ArrestMade: 2, SeizureRecorded: 1 }, 7],
    ]);
    expect(series.days[0].seizures).toEqual({
      seizures: 1,
      cashPence: 0,
      firearms: 2,
      rounds: 40,
      drugs: {},
    });
    expect(series.days[1].seizures).toEqual({
      seizures: 1,
      cashPence: 5_400_000,
      firearms: 0,
      rounds: 0,
      drugs: { A: { kg: 2.5, doses: 0, plants: 0 }, B: { kg: 0, doses: 0, plants: 300 } },
    });
    expect(series.days[1].cumulative.seizures).toEqual({
      seizures: 2,
      cashPence: 5_400_000,
      firearms: 2,
      rounds: 40,
      drugs: { A: { kg: 2.5, doses: 0, plants: 0 }, B: { kg: 0, doses: 0, plants: 300 } },
    });
    expect(dailySeries(fold(), 'venetic')!.days.map((day) => day.date)).toEqual([
      '2020-03-01',
      '2020-03-02',
      '2020-03-03',
      '2020-04-01',
      '2020-05-01',
      '2020-06-10',
      '2020-06-11',
      '2020-06-12',
      '2020-06-13',
      '2020-06-15',
      '2020-07-02',
    ]);
  });

  it('snapshots the state at the call, however the state changes while the parts are read', () => {
    // Later events (corrections and retractions of earlier ones among them) land before the parts are read.
    const appliedAfter = expectSnapshotsTakenAtTheCall(timelineProjection, storedEvents(veneticScenario()));
    expect([...appliedAfter]).toEqual(expect.arrayContaining(['EventCorrected', 'EventRetracted']));
  });

  it('settles back-dated entries into occurred-time order, a few in place or many by merging', () => {
    const entry = (position: number, occurredAtMs: number) =>
      new TimelineEntry(
        `e${position}`,
        'RaidConducted',
        'op',
        occurredAtMs,
        null,
        0,
        null,
        'r',
        'NCA',
        'OFFICIAL',
        position,
        position,
        position,
        entryFactsOf('RaidConducted', {}),
      );
    fc.assert(
      fc.property(
        // Batches of occurred times (many ties among them), each batch settled before the next arrives.
        fc.array(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 150 }), { maxLength: 8 }),
        (batches) => {
          const operation: OperationTimelineState = {
            operationId: 'op',
            sorted: [],
            pending: [],
            stamp: { position: null, eventCount: 0, lastRecordedAt: null },
          };
          const all: TimelineEntry[] = [];
          let position = 0;
          for (const batch of batches) {
            for (const occurredAtMs of batch) {
              const next = entry((position += 1), occurredAtMs);
              all.push(next);
              const last = operation.sorted[operation.sorted.length - 1];
              if (operation.pending.length === 0 && (last === undefined || compareEntries(last, next) < 0))
                operation.sorted.push(next);
              else operation.pending.push(next);
            }
            const settled = settle(operation);
            expect(operation.pending).toEqual([]);
            expect(settled.map((e) => e.eventId)).toEqual(
              [...all].sort(compareEntries).map((e) => e.eventId),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('settles every operation when the runner asks, changing no answer', () => {
    // The scenario's records (not its amendments) folded backwards in time: each arrives back-dated.
    const records = veneticScenario().filter(
      ({ type }) => type !== 'EventCorrected' && type !== 'EventRetracted',
    );
    const state = foldEvents(timelineProjection, storedEvents(records.reverse()));
    const pendingBefore = [...state.operations.values()].reduce((sum, op) => sum + op.pending.length, 0);
    expect(pendingBefore).toBeGreaterThan(0);
    const before = canonicalJson(snapshotParts(timelineProjection.toSnapshot(state)));
    timelineProjection.settle!(state);
    expect([...state.operations.values()].map((operation) => operation.pending.length)).toEqual(
      [...state.operations.values()].map(() => 0),
    );
    expect(canonicalJson(snapshotParts(timelineProjection.toSnapshot(state)))).toBe(before);
  });

  it('restores from its snapshot to a byte-identical state', async () => {
    const events = storedEvents(veneticScenario());
    const state = foldEvents(timelineProjection, events.slice(0, 16));
    const restored = timelineProjection.fromSnapshot(
      JSON.parse(JSON.stringify(snapshotParts(timelineProjection.toSnapshot(state)))),
    );
    for (const event of events.slice(16)) {
      timelineProjection.apply(state, event);
      timelineProjection.apply(restored, event);
    }
    expect(canonicalJson(snapshotParts(timelineProjection.toSnapshot(restored)))).toBe(
      canonicalJson(snapshotParts(timelineProjection.toSnapshot(state))),
    );
    const payloads = eventPayloads(events);
    expect(await timelinePage(restored, 'venetic', { limit: 500 }, payloads)).toEqual(
      await timelinePage(state, 'venetic', { limit: 500 }, payloads),
    );
  });
});
