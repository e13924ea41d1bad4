import type { AddressInfo } from 'node:net';
import { EVENT_STORE, formatPosition, type EventStore } from '@timeline/event-store';
import { apiClient, type ApiClient } from '../api-client';
import { bearerFor } from '../auth.tokens';
import { intelligenceReport } from '../event-bodies';
import { connectSse } from '../sse-client';
import { FixedClock, startTestApp, type TestApp } from '../test-app';
import { EventStoreDbTestServer } from './eventstoredb-test-server';

// gRPC round trips on a shared, loaded machine: far above Jest's 5 s default, far below a hang.
jest.setTimeout(60_000);

// The api as production runs it (EVENT_STORE=eventstoredb), over the gRPC protocol:
// the write path, the read models with read-your-writes, the live feed resumed by
// Last-Event-ID, history and health.

const NCA = { role: 'recorder', agency: 'NCA' } as const;
const NWP = { role: 'recorder', agency: 'NWP' } as const;
const ANALYST_NWP = { role: 'analyst', agency: 'NWP' } as const;
const id = (n: number): string => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

const launch = [
  {
    type: 'OperationLaunched',
    eventId: id(1),
    occurredAt: '2020-03-26T09:00:00Z',
    data: {
      codename: 'VENETIC',
      leadAgency: 'NCA',
      startedAt: '2020-03-26T09:00:00Z',
      description: 'EncroChat',
    },
  },
  {
    type: 'AgencyJoined',
    eventId: id(2),
    occurredAt: '2020-04-01T09:00:00Z',
    data: { agency: 'NWP', localOperationName: 'Operation Cnocell', region: 'wales' },
  },
];
const raid = [
  {
    type: 'RaidConducted',
    eventId: id(3),
    occurredAt: '2020-06-15T05:30:00Z',
    data: {
      raidId: 'RAID-1',
      force: 'NWP',
      postcodeDistrict: 'LL11',
      legalPower: 'mda-s23-warrant',
      startedAt: '2020-06-15T05:30:00Z',
      endedAt: '2020-06-15T09:00:00Z',
      officers: 20,
    },
  },
  {
    type: 'ArrestMade',
    eventId: id(4),
    occurredAt: '2020-06-15T06:00:00Z',
    data: {
      arrestId: 'ARR-1',
      subjectId: 'SUBJ-1',
      suspectedOffences: ['conspiracy-to-supply-class-a'],
      raidId: 'RAID-1',
      force: 'NWP',
      postcodeDistrict: 'LL11',
    },
  },
];

describe('The api over EventStoreDB (protocol test server)', () => {
  let server: EventStoreDbTestServer;
  let test: TestApp;
  let api: ApiClient;
  let store: EventStore;
  const clock = new FixedClock(new Date('2020-06-15T12:00:00.000Z'));

  beforeAll(async () => {
    server = await EventStoreDbTestServer.start();
    test = await startTestApp({
      clock,
      env: { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: server.connectionString },
    });
    await test.app.listen(0, '127.0.0.1');
    api = apiClient(test.app);
    store = test.app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await test?.close();
    await server?.stop();
  });

  it('records events with the store’s positions, replays a retry, and refuses a stale revision', async () => {
    const first = await api.as(NCA).post('/operations/venetic/events').send({ events: launch });
    expect(first.status).toBe(201);
    const firstBody = first.body as { streamRevision: number; position: string; replayed: boolean };
    expect(firstBody).toMatchObject({ streamRevision: 1, replayed: false });
    const stored = await store.readStream('operation-venetic');
    expect(stored.map((e) => e.eventId)).toEqual([id(1), id(2)]);
    // The position the api hands out is the store's own, commit and prepare included.
    expect(firstBody.position).toBe(String(stored[1].position.commit));

    const retry = await api.as(NCA).post('/operations/venetic/events').send({ events: launch });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ streamRevision: 1, position: firstBody.position, replayed: true });

    const stale = await api
      .as(NWP)
      .post('/operations/venetic/events')
      .set('If-Match', '"0"')
      .send({ events: raid });
    expect(stale.status).toBe(412);
    expect((await store.readStream('operation-venetic')).length).toBe(2);
  });

  it('serves the picture once it reflects the write, and the history with the same positions', async () => {
    const written = await api.as(NWP).post('/operations/venetic/events').send({ events: raid });
    expect(written.status).toBe(201);
    const position = (written.body as { position: string }).position;

    const picture = await api.as(ANALYST_NWP).get(`/operations/venetic/picture?minPosition=${position}`);
    expect({
      status: picture.status,
      body: picture.status === 200 ? null : (picture.body as unknown),
    }).toEqual({ status: 200, body: null });
    const body = picture.body as {
      asOf: { position: string; eventCount: number };
      totals: { raids: { total: number }; arrests: number };
    };
    expect(body.asOf).toMatchObject({ position, eventCount: 4 });
    expect(body.totals.raids.total).toBe(1);
    expect(body.totals.arrests).toBe(1);

    const recorded = await store.readAll({ filter: { streamNamePrefixes: ['operation-venetic'] } });
    expect(recorded.map((e) => e.type)).toEqual([
      'OperationLaunched',
      'AgencyJoined',
      'RaidConducted',
      'ArrestMade',
    ]);
    expect(String(recorded[3].position.commit)).toBe(position);
  });

  it('resumes the live feed from Last-Event-ID with the store’s positions, without a gap or a duplicate', async () => {
    const before = (await store.readAll({ filter: { streamNamePrefixes: ['operation-venetic'] } })).at(-1)!;
    const reports = Array.from({ length: 12 }, (_, n) =>
      intelligenceReport(`VEN-INT-${n}`, `SUBJ-${n}`, 'wales'),
    );
    for (let n = 0; n < reports.length; n += 3) {
      const response = await api
        .as(NCA)
        .post('/operations/venetic/events')
        .send({ events: reports.slice(n, n + 3) });
      expect(response.status).toBe(201);
    }
    const stored = (
      await store.readAll({ after: before.position, filter: { streamNamePrefixes: ['operation-venetic'] } })
    ).map((event) => formatPosition(event.position));
    const base = `http://127.0.0.1:${(test.app.getHttpServer().address() as AddressInfo).port}`;
    const authorization = bearerFor({ ...ANALYST_NWP, subject: 'analyst@nwp' });

    const received: string[] = [];
    let lastEventId = formatPosition(before.position);
    for (const take of [5, 7]) {
      const connection = await connectSse(`${base}/events/live`, {
        authorization,
        'last-event-id': lastEventId,
      });
      expect(connection.status).toBe(200);
      for (let i = 0; i < take; i++) {
        const message = await connection.next();
        received.push(message!.id!);
        lastEventId = message!.id!;
      }
      connection.close();
    }

    expect(received).toEqual(stored);
  });

  it('reports the EventStoreDB node it is connected to in its health details', async () => {
    const response = await api.as({ role: 'admin', agency: 'NCA' }).get('/health/details');
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).toContain(server.endpoint);
    expect(JSON.stringify(response.body)).toContain('eventstoredb');
  });
});
