import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { v7 as uuidv7 } from 'uuid';
import { EventStoreModule } from './event-store.module';
import { createEventStore } from './event-store.factory';
import { EVENT_STORE, type EventStore } from './event-store.port';
import { EventStoreUnavailableError } from './event-store.errors';

describe('EventStoreModule', () => {
  const directory = mkdtempSync(join(tmpdir(), 'timeline-store-module-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('binds the sqlite store to EVENT_STORE and closes it on shutdown after the appends in flight', async () => {
    const file = join(directory, 'nested', 'events.db');
    const moduleRef = await Test.createTestingModule({
      imports: [EventStoreModule.forRoot({ kind: 'sqlite', file })],
    }).compile();
    await moduleRef.init();
    const store = moduleRef.get<EventStore>(EVENT_STORE);
    expect(await store.describe()).toEqual({ kind: 'sqlite', location: file, headPosition: null });

    const inFlight = Array.from({ length: 10 }, (_, i) =>
      store.append('s', [{ eventId: uuidv7(), type: 'A', data: { i }, metadata: {} }]),
    );
    await moduleRef.close();

    expect((await Promise.all(inFlight)).map((r) => r.nextExpectedRevision).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    await expect(
      store.append('s', [{ eventId: uuidv7(), type: 'A', data: {}, metadata: {} }]),
    ).rejects.toBeInstanceOf(EventStoreUnavailableError);
    const reopened = await createEventStore({ kind: 'sqlite', file });
    expect((await reopened.readStream('s')).map((e) => e.data.i)).toHaveLength(10);
    await reopened.close();
  });

  it('resolves its options from other providers with forRootAsync', async () => {
    const file = join(directory, 'async.db');
    const moduleRef = await Test.createTestingModule({
      imports: [EventStoreModule.forRootAsync({ useFactory: async () => ({ kind: 'sqlite', file }) })],
    }).compile();
    const store = moduleRef.get<EventStore>(EVENT_STORE);
    expect((await store.describe()).location).toBe(file);
    await moduleRef.close();
  });
});
