import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EVENT_STORE, SqliteEventStore } from '@timeline/event-store';
import { apiClient, type ApiClient } from './support/api-client';
import { testAuthEnvironment } from './support/auth.tokens';
import { startTestApp, type TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const RECORDER = { role: 'recorder', agency: 'NCA' } as const;
const ANALYST = { role: 'analyst', agency: 'NCA' } as const;
/** One operation per request in the stalled-disk test, so that the requests do not queue behind each other's stream. */
const STALLED = Array.from({ length: 12 }, (_, i) => `stalled-${i}`);

const launched = {
  events: [
    {
      type: 'OperationLaunched',
      occurredAt: '2020-03-26T09:00:00Z',
      data: {
        codename: 'VENETIC',
        leadAgency: 'NCA',
        startedAt: '2020-03-26T09:00:00Z',
        description: 'EncroChat',
      },
    },
  ],
};
const raid = (n: number) => ({
  events: [
    {
      type: 'RaidConducted',
      occurredAt: '2020-06-15T05:30:00Z',
      data: {
        raidId: `RAID-${n}`,
        force: 'NCA',
        postcodeDistrict: 'LL11',
        legalPower: 'mda-s23-warrant',
        startedAt: '2020-06-15T05:30:00Z',
        endedAt: '2020-06-15T07:30:00Z',
        officers: 6,
      },
    },
  ],
});

/** Faults of the embedded store as a client and an operator see them over HTTP. */
describe('store faults over HTTP', () => {
  let testApp: TestApp;
  let api: ApiClient;
  let store: SqliteEventStore;

  beforeAll(async () => {
    testApp = await startTestApp({ env: { EVENT_STORE: 'sqlite', WRITE_QUEUE_MAX_EVENTS: '3' } });
    api = apiClient(testApp.app);
    store = testApp.app.get(EVENT_STORE);
    expect(store).toBeInstanceOf(SqliteEventStore);
    for (const operation of ['venetic', ...STALLED]) {
      expect((await api.as(RECORDER).post(`/operations/${operation}/events`).send(launched)).status).toBe(
        201,
      );
    }
    // The analyst's membership of the operation is read from the log: wait until it is known.
    for (let attempt = 0; attempt < 200; attempt++) {
      if ((await api.as(ANALYST).get('/operations/venetic/picture')).status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });
  afterAll(() => testApp.close());

  it('a full disk: writes answer 503 problem+json with Retry-After, reads and health go on, writes resume', async () => {
    store.injectWriterFaults({ diskFull: true });
    const refused = await api.as(RECORDER).post('/operations/venetic/events').send(raid(1));
    expect([
      refused.body.detail,
      refused.status,
      refused.headers['content-type'],
      refused.headers['retry-after'],
    ]).toEqual([
      expect.stringContaining('the disk is full'),
      503,
      'application/problem+json; charset=utf-8',
      '1',
    ]);
    expect(refused.body).toMatchObject({ status: 503, code: 'event-store.unavailable' });
    expect(refused.body.detail).toContain('the disk is full');

    const picture = await api.as(ANALYST).get('/operations/venetic/picture');
    expect([picture.status, picture.body.operation?.codename ?? picture.body]).toEqual([200, 'VENETIC']);
    const health = await api.anonymous().get('/health');
    expect([health.status, health.body.status, health.body.store.status]).toEqual([
      200,
      'degraded',
      'degraded',
    ]);

    store.injectWriterFaults({});
    const resumed = await api.as(RECORDER).post('/operations/venetic/events').send(raid(2));
    expect(resumed.status).toBe(201);
    const healthy = await api.anonymous().get('/health');
    expect(healthy.body.store.status).toBe('up');
    const after = await api
      .as(ANALYST)
      .get(`/operations/venetic/picture?minPosition=${resumed.body.position}`);
    expect([after.status, after.body.totals.raids.total]).toEqual([200, 1]);
  });

  it('a stalled disk: requests past the write queue bound answer 503 at once; the ones taken are all stored', async () => {
    store.injectWriterFaults({ syncDelayMs: 300 });
    const answers = await Promise.all(
      STALLED.map((operation, i) =>
        api
          .as(RECORDER)
          .post(`/operations/${operation}/events`)
          .send(raid(100 + i))
          .then((response) => ({
            operation,
            status: response.status,
            retryAfter: response.headers['retry-after'],
          })),
      ),
    );
    store.injectWriterFaults({});
    const accepted = answers.filter((answer) => answer.status === 201).map((answer) => answer.operation);
    const refused = answers.filter((answer) => answer.status === 503);
    expect(accepted.length + refused.length).toBe(12);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((answer) => answer.retryAfter === '1')).toBe(true);
    expect(store.metrics().queuedEventsHighWater).toBeLessThanOrEqual(3);

    const stored: string[] = [];
    for (const operation of STALLED) {
      const events = await store.readStream(`operation-${operation}`);
      if (events.some((event) => event.type === 'RaidConducted')) stored.push(operation);
    }
    expect(stored.sort()).toEqual(accepted.sort());
  });

  it('a second api on the same data directory stops at start-up, naming the process that holds the store', async () => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...testAuthEnvironment(),
          PORT: '0',
          HOST: '127.0.0.1',
          DATA_DIR: testApp.dataDir,
          TS_NODE_PROJECT: 'tsconfig.json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) =>
      child.once('exit', (exitCode) => resolve(exitCode)),
    );
    expect(code).toBe(1);
    // The first embedded file the api opens under DATA_DIR (the access audit's or the event store's) names its holder.
    expect(stderr).toMatch(
      new RegExp(
        `Start-up failed: The event store ${testApp.dataDir}/(events|access-audit)\\.db is in use by process ${process.pid} on `,
      ),
    );
    expect(stderr).toContain('[event-store.locked]');
    // The first api is unaffected.
    expect((await api.as(RECORDER).post('/operations/venetic/events').send(raid(3))).status).toBe(201);
  }, 60_000);
});
