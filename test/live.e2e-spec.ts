import type { AddressInfo } from 'node:net';
import { EVENT_STORE, formatPosition, type EventStore } from '@timeline/event-store';
import { launch } from '@timeline/application/testing/record-events.fixtures';
import { apiClient, type ApiClient } from './support/api-client';
import { bearerFor } from './support/auth.tokens';
import { connectSse, type SseConnection } from './support/sse-client';
import { intelligenceReport } from './support/event-bodies';
import { startTestApp, type TestApp } from './support/test-app';

const NCA = { role: 'recorder', agency: 'NCA' } as const;
const ANALYST = { role: 'analyst', agency: 'NCA' } as const;
const OUTSIDER = { role: 'analyst', agency: 'GMP' } as const;
const ADMIN = { role: 'admin', agency: 'NCA' } as const;

/** A seeded generator, so a failing run can be repeated exactly. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const report = (n: number) => intelligenceReport(`VEN-INT-${n}`, `SUBJ-${n}`);

describe('Live pushes over Server-Sent Events', () => {
  let test: TestApp;
  let api: ApiClient;
  let base: string;
  let store: EventStore;
  let launchPosition: string;

  beforeAll(async () => {
    test = await startTestApp();
    await test.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(test.app.getHttpServer().address() as AddressInfo).port}`;
    api = apiClient(test.app);
    store = test.app.get<EventStore>(EVENT_STORE);
    const launched = await api
      .as(NCA)
      .post('/operations/venetic/events')
      .send({ events: [launch()] });
    expect(launched.status).toBe(201);
    launchPosition = (launched.body as { position: string }).position;
  });

  afterAll(async () => {
    await test.close();
  });

  const live = (
    path: string,
    principal: { role: 'analyst'; agency: string } = ANALYST,
    lastEventId?: string,
  ): Promise<SseConnection> =>
    connectSse(`${base}${path}`, {
      authorization: bearerFor({
        ...principal,
        subject: `${principal.role}@${principal.agency}`.toLowerCase(),
      }),
      ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
    });

  it('delivers every stored event exactly once, in order, across random disconnects and resumptions', async () => {
    const next = random(20200613);
    const total = 1500;
    let written = 0;
    const writing = (async () => {
      while (written < total) {
        const size = Math.min(total - written, 1 + Math.floor(next() * 8));
        const events = Array.from({ length: size }, (_, index) => report(written + index));
        const response = await api.as(NCA).post('/operations/venetic/events').send({ events });
        expect(response.status).toBe(201);
        written += size;
      }
    })();

    const received: string[] = [];
    let lastId: string | undefined = launchPosition;
    let connections = 0;
    while (received.length < total) {
      const connection = await live('/events/live', ANALYST, lastId);
      connections += 1;
      expect(connection.status).toBe(200);
      expect(connection.headers['content-type']).toMatch(/^text\/event-stream/);
      const dropAfter = 1 + Math.floor(next() * 200);
      for (let count = 0; count < dropAfter && received.length < total; count += 1) {
        const message = await connection.next();
        if (message === null) break;
        const event = JSON.parse(message.data) as { position: string; type: string };
        expect(message.id).toBe(event.position);
        received.push(message.id!);
        lastId = message.id;
      }
      connection.close();
    }
    await writing;

    const stored = (await store.readAll())
      .filter((event) => event.streamName === 'operation-venetic')
      .slice(1);
    expect(received).toEqual(stored.map((event) => formatPosition(event.position)));
    expect(new Set(received).size).toBe(received.length);
    expect(connections).toBeGreaterThan(3);
  });

  it('pushes timeline entries after Last-Event-ID, filtered by type, and the picture when it changes', async () => {
    const before = (await store.readAll()).at(-1)!;
    const timeline = await live(
      '/operations/venetic/timeline/live?type=IntelligenceReceived',
      ANALYST,
      formatPosition(before.position),
    );
    const picture = await live('/operations/venetic/picture/live');
    const first = await picture.next();
    const initial = JSON.parse(first!.data) as {
      asOf: { position: string };
      totals: { intelligence: { received: number } };
    };
    expect(first!.id).toBe(formatPosition(before.position));
    expect(initial.totals.intelligence.received).toBe(1500);

    const response = await api
      .as(NCA)
      .post('/operations/venetic/events')
      .send({ events: [report(9001), report(9002)] });
    expect(response.status).toBe(201);

    const entries = [await timeline.next(), await timeline.next()].map(
      (message) =>
        JSON.parse(message!.data) as {
          kind: string;
          entry: { type: string; data: { reportRef: string } };
        },
    );
    expect(entries.map((change) => [change.kind, change.entry.data.reportRef])).toEqual([
      ['appended', 'VEN-INT-9001'],
      ['appended', 'VEN-INT-9002'],
    ]);
    // A correction pushes the changed entry: its current value and every version, read from the log.
    const [first9001] = (response.body as { events: { eventId: string }[] }).events;
    const corrected = await api
      .as(NCA)
      .post('/operations/venetic/events')
      .send({
        events: [
          {
            type: 'EventCorrected',
            occurredAt: '2020-04-21T10:00:00Z',
            data: {
              correctsEventId: first9001.eventId,
              correctedType: 'IntelligenceReceived',
              reason: 'wrong priority',
              replacement: { ...report(9001).data, priority: 'HIGH' },
            },
          },
        ],
      });
    expect(corrected.status).toBe(201);
    const change = JSON.parse((await timeline.next())!.data) as {
      kind: string;
      entry: {
        eventId: string;
        status: string;
        data: { priority: string };
        history: { data: { priority: string } }[];
      };
    };
    expect([change.kind, change.entry.eventId, change.entry.status, change.entry.data.priority]).toEqual([
      'changed',
      first9001.eventId,
      'corrected',
      'HIGH',
    ]);
    expect(change.entry.history.map((version) => version.data.priority)).toEqual(['LOW', 'HIGH']);
    let latest = JSON.parse((await picture.next())!.data) as {
      asOf: { position: string };
      totals: { intelligence: { received: number } };
    };
    while (latest.asOf.position !== (corrected.body as { position: string }).position) {
      latest = JSON.parse((await picture.next())!.data) as typeof latest;
    }
    expect(latest.totals.intelligence.received).toBe(1502);
    timeline.close();
    picture.close();
  });

  it('serves clients alike from one shared feed and clients with another filter from their own, each exactly its stream', async () => {
    const sharedFeeds = async (): Promise<number> => {
      const metrics = await api.as(ADMIN).get('/metrics');
      return Number(/^timeline_live_shared_feeds (\d+)$/m.exec(metrics.text)?.[1]);
    };
    const before = await sharedFeeds();
    const everything = [await live('/events/live'), await live('/events/live')];
    const launches = await live('/events/live?type=OperationLaunched');
    // The same set of types, written otherwise: the same feed.
    const reports = [
      await live('/events/live?type=IntelligenceReceived,IntelligenceReceived'),
      await live('/events/live?type=IntelligenceReceived'),
    ];
    expect(await sharedFeeds()).toBe(before + 3);

    const launched = await api
      .as(NCA)
      .post('/operations/shared-feeds/events')
      .send({ events: [launch()] });
    expect(launched.status).toBe(201);
    const reported = await api
      .as(NCA)
      .post('/operations/venetic/events')
      .send({ events: [report(9101)] });
    expect(reported.status).toBe(201);
    const positions = [launched, reported].map(
      (response) => (response.body as { position: string }).position,
    );

    const received = async (connection: SseConnection, count: number): Promise<string[]> => {
      const messages: string[] = [];
      for (let n = 0; n < count; n += 1) {
        const message = (await connection.next())!;
        messages.push(`${message.id} ${(JSON.parse(message.data) as { type: string }).type}`);
      }
      return messages;
    };
    for (const connection of everything) {
      expect(await received(connection, 2)).toEqual([
        `${positions[0]} OperationLaunched`,
        `${positions[1]} IntelligenceReceived`,
      ]);
    }
    expect(await received(launches, 1)).toEqual([`${positions[0]} OperationLaunched`]);
    for (const connection of reports)
      expect(await received(connection, 1)).toEqual([`${positions[1]} IntelligenceReceived`]);

    // A feed goes once its last client has left.
    for (const connection of [...everything, launches, ...reports]) connection.close();
    let after = await sharedFeeds();
    for (let attempt = 0; attempt < 100 && after !== before; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await sharedFeeds();
    }
    expect(after).toBe(before);
  });

  it('refuses a malformed Last-Event-ID before streaming, and hides operations of other agencies', async () => {
    const bad = await live('/events/live', ANALYST, 'yesterday');
    expect(bad.status).toBe(400);
    bad.close();
    const hidden = await live('/operations/venetic/timeline/live', OUTSIDER);
    expect(hidden.status).toBe(404);
    hidden.close();
  });

  it('refuses a Last-Event-ID the api never sent, before reading the log from it', async () => {
    const head = (await store.describe()).headPosition!;
    // Beyond the log, and (on EventStoreDB, where positions are log bytes) inside an event's record.
    const beyond = formatPosition({ commit: head.commit + 1_000n, prepare: head.commit + 1_000n });
    const candidates = [beyond, `${head.commit}/${head.commit + 1n}`];
    if (test.eventStoreDb)
      candidates.push(formatPosition({ commit: head.commit - 1n, prepare: head.commit - 1n }));
    for (const lastEventId of candidates) {
      for (const path of ['/events/live', '/operations/venetic/timeline/live']) {
        const refused = await live(path, ANALYST, lastEventId);
        expect([lastEventId, path, refused.status]).toEqual([lastEventId, path, 400]);
        refused.close();
      }
    }
    // The ids it did send resume as before (the exact resumption is proved above).
    const resumed = await live('/events/live', ANALYST, launchPosition);
    expect(resumed.status).toBe(200);
    resumed.close();
  });
});
