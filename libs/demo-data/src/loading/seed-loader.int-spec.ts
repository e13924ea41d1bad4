import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RECORDING_OPTIONS, RecordEventsHandler } from '@timeline/application';
import { operationDecider } from '@timeline/domain';
import { createEventStore, type EventStore, type GlobalPosition } from '@timeline/event-store';
import { verifyLog } from '@timeline/integrity';
import {
  operationalPictureProjection,
  operationalPictureView,
  toStoredTimelineEvent,
  type OperationalPictureState,
} from '@timeline/projections';
import { DemoDataset } from '../generator/demo-dataset';
import type { SeedSubmission } from '../generator/seed-submission';
import { comparePicture } from '../totals/picture-comparison';
import { loadSubmissions, SeedLoadError } from './seed-loader';
import { LoadingClock, WriteHandlerSeedWriter } from './write-handler.seed-writer';

/** The picture as the projections compute it from the whole log. */
async function pictureOf(store: EventStore): Promise<OperationalPictureState> {
  let state = operationalPictureProjection.initialState();
  let after: GlobalPosition | undefined;
  for (;;) {
    const page = await store.readAll({
      after,
      maxCount: 5_000,
      filter: { streamNamePrefixes: ['operation-'] },
    });
    for (const recorded of page)
      state = operationalPictureProjection.apply(state, toStoredTimelineEvent(recorded));
    if (page.length < 5_000) return state;
    after = page[page.length - 1].position;
  }
}

function pick(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { recordedAt: metadata.recordedAt, recordedBy: metadata.recordedBy, agency: metadata.agency };
}

function writerFor(store: EventStore): WriteHandlerSeedWriter {
  const clock = new LoadingClock();
  const handler = new RecordEventsHandler(store, operationDecider, clock, DEFAULT_RECORDING_OPTIONS);
  return new WriteHandlerSeedWriter(handler, clock);
}

// Loading writes thousands of durable appends; the machine is shared.
jest.setTimeout(120_000);

describe('loading generated operations through the write handler into SQLite', () => {
  let directory: string;
  let store: EventStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'timeline-seed-'));
    store = await createEventStore({ kind: 'sqlite', file: join(directory, 'events.db') });
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores every event once, with its simulated recording time, sealed, and the picture equals the expected totals (wide, scaled down)', async () => {
    const dataset = new DemoDataset({ variant: 'wide', operations: 3, scale: 0.1, seed: 11 });
    const report = await loadSubmissions(dataset, writerFor(store));
    const expected = dataset.expected();

    expect(report.replayed).toBe(expected.national.retriedSubmissions);
    expect(report.events).toBe(expected.national.events);
    expect((await store.describe()).headPosition?.commit).toBe(BigInt(expected.national.events));

    const state = await pictureOf(store);
    for (const operation of expected.operations) {
      const view = operationalPictureView(state, operation.operationId);
      expect(view).not.toBeNull();
      expect(comparePicture(view!, operation)).toEqual([]);
    }

    const verification = await verifyLog(store);
    expect(verification.ok).toBe(true);
    expect(verification.events).toBe(expected.national.events);

    // Stored in recording order with the recording times the generator chose.
    const events = await store.readAll({ maxCount: 200 });
    const recordedAt = events.map((event) => String(event.metadata.recordedAt));
    expect(recordedAt[0]).toBe('2020-04-01T08:10:00.000Z');
    expect([...recordedAt].sort()).toEqual(recordedAt);
  });

  it('writes many submissions per append, each decided in order with its own principal and exact recording time; client retries are replays, stored once', async () => {
    const dataset = new DemoDataset({ scale: 0.2, seed: 3 });
    const submissions = [...dataset];
    const append = jest.spyOn(store, 'append');
    const report = await loadSubmissions(submissions, writerFor(store));
    const appends = append.mock.calls.length;
    append.mockRestore();

    const retries = submissions.filter((submission) => submission.retry);
    expect(retries.length).toBeGreaterThan(0);
    expect(report.replayed).toBe(retries.length);
    // The first submission of each event id is the one stored (a retry repeats it).
    const original = new Map<string, SeedSubmission>();
    for (const submission of submissions)
      for (const event of submission.events)
        if (!original.has(event.eventId)) original.set(event.eventId, submission);
    const stored = await store.readStream(`operation-${submissions[0].operationId}`);
    expect(stored.map((event) => event.eventId)).toEqual([...original.keys()]);
    expect(appends).toBeLessThan(submissions.length - retries.length);
    for (const event of stored) {
      const submission = original.get(event.eventId)!;
      expect({ id: event.eventId, ...pick(event.metadata) }).toEqual({
        id: event.eventId,
        recordedAt: submission.recordedAt,
        recordedBy: submission.subject,
        agency: submission.agency,
      });
    }
    const verification = await verifyLog(store);
    expect(verification.ok).toBe(true);
    expect(verification.events).toBe(stored.length);
  });

  it('deep variant, scaled down: one long operation loads and its picture equals the expected totals', async () => {
    const dataset = new DemoDataset({ variant: 'deep', scale: 0.01, seed: 5 });
    await loadSubmissions(dataset, writerFor(store), { maxInFlight: 256 });
    const [expected] = dataset.expected().operations;
    const view = operationalPictureView(await pictureOf(store), expected.operationId)!;
    expect(comparePicture(view, expected)).toEqual([]);
    expect(view.asOf.lastRecordedAt! > '2023-03-01').toBe(true);
  });

  it('loading the same seed again writes nothing; a different seed into the same operation is refused with the rule named', async () => {
    const first = new DemoDataset({ scale: 0.02, seed: 1 });
    await loadSubmissions(first, writerFor(store));
    const head = (await store.describe()).headPosition;

    const again = await loadSubmissions(new DemoDataset({ scale: 0.02, seed: 1 }), writerFor(store));
    expect(again.events).toBe(0);
    expect((await store.describe()).headPosition).toEqual(head);

    const other = loadSubmissions(new DemoDataset({ scale: 0.02, seed: 2 }), writerFor(store));
    await expect(other).rejects.toBeInstanceOf(SeedLoadError);
    await expect(other).rejects.toMatchObject({
      index: 0,
      details: { cause: { code: 'operation.already-launched' } },
    });
    expect((await store.describe()).headPosition).toEqual(head);
  });
});
