import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, type EventStore } from '@timeline/event-store';
import {
  foldEvents,
  operationalPictureProjection,
  snapshotParts,
  timelineProjection,
  toStoredTimelineEvent,
  type StoredTimelineEvent,
} from '@timeline/projections';
import { eventToAppend } from '@timeline/projections/testing/timeline-event.builders';
import { veneticScenario } from '@timeline/projections/testing/venetic.scenario';
import { foldRawRows, forEachRawStoredEvent } from '../bench/support/raw-projection-fold';

/**
 * bench:projections compares the runner with a raw read + parse + fold of the same log; the
 * ratio only measures the runner's overhead if the reference hands the folds the very events
 * the runner does (bench/README.md, Projections).
 */
describe("bench:projections' raw reference", () => {
  let directory: string;
  let file: string;
  let store: EventStore;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'timeline-raw-reference-'));
    file = join(directory, 'events.db');
    store = await createEventStore({ kind: 'sqlite', file });
    // Two operations, interleaved, and a stream that is no operation's: the runner reads only the operations'.
    const venetic = veneticScenario('venetic');
    const other = veneticScenario('other', 1_000);
    for (let index = 0; index < venetic.length; index += 1) {
      await store.append('operation-venetic', [eventToAppend(venetic[index], index)]);
      await store.append('operation-other', [eventToAppend(other[index], index)]);
      if (index % 7 === 0)
        await store.append(`audit-${index}`, [eventToAppend({ type: 'Note', data: { index } })]);
    }
  });

  afterAll(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function runnerEvents(): Promise<StoredTimelineEvent[]> {
    const recorded = await store.readAll({ filter: { streamNamePrefixes: ['operation-'] } });
    return recorded.map(toStoredTimelineEvent);
  }

  it('hands the folds the events the runner reads, in the same order', async () => {
    const raw: StoredTimelineEvent[] = [];
    const count = forEachRawStoredEvent(file, (event) => raw.push(event));
    const expected = await runnerEvents();
    expect(count).toBe(expected.length);
    expect(expected.length).toBe(2 * veneticScenario().length);
    expect(raw).toEqual(expected);
  });

  it('folds the same picture and timeline as the folds over the runner’s events', async () => {
    const expected = await runnerEvents();
    const { picture, timeline, events } = foldRawRows(file);
    expect(events).toBe(expected.length);
    expect(snapshotParts(operationalPictureProjection.toSnapshot(picture))).toEqual(
      snapshotParts(
        operationalPictureProjection.toSnapshot(foldEvents(operationalPictureProjection, expected)),
      ),
    );
    expect(snapshotParts(timelineProjection.toSnapshot(timeline))).toEqual(
      snapshotParts(timelineProjection.toSnapshot(foldEvents(timelineProjection, expected))),
    );
  });
});
