import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { operationDecider } from '@timeline/domain';
import { EVENT_STORE, EventStoreModule, type EventStore } from '@timeline/event-store';
import { DemoDataModule } from './demo-data.module';
import { loadDemoIntoEmptyStore } from './first-run.loader';

jest.setTimeout(120_000);

describe('first run: the demo operation in an empty store', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'timeline-first-run-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  async function start(loadOnEmptyStore: boolean) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventStoreModule.forRoot({ kind: 'sqlite', file: join(directory, 'events.db') }),
        DemoDataModule.forRoot({ loadOnEmptyStore }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { app, store: app.get<EventStore>(EVENT_STORE) };
  }

  it('loads the whole demo during bootstrap, once: a second start leaves the store as it is', async () => {
    const first = await start(true);
    const head = (await first.store.describe()).headPosition;
    const events = await first.store.readStream('operation-venetic', { maxCount: 1 });
    await first.app.close();
    expect(head?.commit).toBe(9999n);
    expect(events[0].type).toBe('OperationLaunched');
    expect(events[0].metadata.recordedAt).toBe('2020-04-01T08:10:00.000Z');

    const second = await start(true);
    expect((await second.store.describe()).headPosition).toEqual(head);
    await second.app.close();
  });

  it('does nothing when turned off', async () => {
    const { app, store } = await start(false);
    expect((await store.describe()).headPosition).toBeNull();
    await app.close();
  });

  it('stops between submissions when asked, leaving whole submissions only', async () => {
    const { app, store } = await start(false);
    let asked = 0;
    const outcome = await loadDemoIntoEmptyStore(store, operationDecider, {
      shouldStop: () => ++asked > 10,
    });
    expect(outcome).toEqual({ loaded: false, reason: 'stopped' });
    // Ten submissions, each atomic: the launch, then the encryption cracked and the first joins (one event each).
    expect((await store.describe()).headPosition?.commit).toBe(10n);
    await app.close();
  });
});
