import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { JsonObject } from '@timeline/kernel';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import type { EventStore, ReadStreamOptions } from '@timeline/event-store';
import { eventToAppend, storedEvents } from '../testing/timeline-event.builders';
import { veneticScenario } from '../testing/venetic.scenario';
import { StoreTimelinePayloads, revisionRanges, withEventsInHand } from './timeline.payloads';

const V1_EXAMPLE = join(__dirname, '../../../../events/catalogue/IntelligenceReceived/v1.example.json');

describe('timeline payloads', () => {
  it('groups revisions into ranges that cover each exactly once, merging small gaps', () => {
    expect(revisionRanges([])).toEqual([]);
    expect(revisionRanges([7, 3, 3, 4, 5])).toEqual([[3, 5]]);
    expect(revisionRanges([0, 100, 16, 33])).toEqual([
      [0, 17],
      [33, 1],
      [100, 1],
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5_000 }), { maxLength: 200 }), (revisions) => {
        const ranges = revisionRanges(revisions);
        const covered = ranges.flatMap(([first, count]) =>
          Array.from({ length: count }, (_, i) => first + i),
        );
        for (const revision of revisions) expect(covered).toContain(revision);
        expect(new Set(covered).size).toBe(covered.length);
        // Ranges are ordered and apart by more than the merged gap; none starts or ends on a revision not asked for.
        for (let i = 1; i < ranges.length; i += 1)
          expect(ranges[i][0] - (ranges[i - 1][0] + ranges[i - 1][1] - 1)).toBeGreaterThan(16);
        for (const [first, count] of ranges) {
          expect(revisions).toContain(first);
          expect(revisions).toContain(first + count - 1);
        }
      }),
    );
  });

  it('reads the data at the asked revisions from the log, in few reads, brought to the current version', async () => {
    const store = new InMemoryEventStore();
    const specs = veneticScenario();
    await store.append(
      'operation-venetic',
      specs.map((spec, revision) => eventToAppend(spec, revision)),
    );
    const reads: ReadStreamOptions[] = [];
    const counting: EventStore = Object.create(store) as EventStore;
    counting.readStream = (stream, options) => {
      reads.push(options ?? {});
      return store.readStream(stream, options);
    };
    const expected = storedEvents(specs);
    const data = await new StoreTimelinePayloads(counting).dataAt('venetic', [19, 2, 0, 3]);
    expect([...data.keys()].sort((a, b) => a - b)).toEqual([0, 2, 3, 19]);
    for (const revision of [0, 2, 3, 19]) expect(data.get(revision)).toEqual(expected[revision].data);
    expect(reads).toEqual([{ fromRevision: 0, maxCount: 20 }]);
    // Nothing there, nothing answered (the page then reports the log as missing it).
    expect((await new StoreTimelinePayloads(store).dataAt('venetic', [999])).size).toBe(0);

    // A stored v1 event (the contract's published v1 example) is shown as the folds saw it: upcast.
    const v1 = {
      type: 'IntelligenceReceived',
      schemaVersion: 1,
      occurredAt: '2020-06-20T10:00:00.000Z',
      data: JSON.parse(readFileSync(V1_EXAMPLE, 'utf8')) as JsonObject,
    };
    await store.append('operation-venetic', [eventToAppend(v1, specs.length)]);
    const upcast = await new StoreTimelinePayloads(store).dataAt('venetic', [specs.length]);
    expect(upcast.get(specs.length)).toMatchObject({
      reportRef: v1.data.reportRef,
      grading: { source: 1, intelligence: 'B', handling: 'C', conditions: v1.data.handlingConditions },
    });
    expect(upcast.get(specs.length)).not.toHaveProperty('handlingConditions');
  });

  it('answers from the events in hand first and reads only the rest', async () => {
    const events = storedEvents(veneticScenario());
    const asked: number[][] = [];
    const fallback = {
      dataAt: (_operationId: string, revisions: readonly number[]) => {
        asked.push([...revisions]);
        return Promise.resolve(new Map(revisions.map((revision) => [revision, { from: 'log', revision }])));
      },
    };
    const payloads = withEventsInHand([events[5]], fallback);
    const data = await payloads.dataAt('venetic', [5]);
    expect(data.get(5)).toBe(events[5].data);
    expect(asked).toEqual([]);
    const mixed = await payloads.dataAt('venetic', [5, 9]);
    expect(mixed.get(5)).toBe(events[5].data);
    expect(mixed.get(9)).toEqual({ from: 'log', revision: 9 });
    expect(asked).toEqual([[9]]);
  });
});
