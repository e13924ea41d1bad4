import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agencyJoins, fixedId, launch, raid } from '@timeline/application/testing/record-events.fixtures';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@timeline/event-store';
import type { EventEnvelope } from '@timeline/events';
import { IDEMPOTENCY_RULE } from '../apps/api/src/recording/record-events.openapi';
import { apiClient, type ApiClient } from './support/api-client';
import { startTestApp, type TestApp } from './support/test-app';

// Two api instances and restarts on a machine the suite shares.
jest.setTimeout(120_000);

const NCA = { role: 'recorder', agency: 'NCA' } as const;
const NCA_OTHER_CLIENT = { role: 'recorder', agency: 'NCA', subject: 'recorder-2@nca' } as const;

const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

describe('One idempotency rule, kept in the store (two api instances, restarts)', () => {
  let first: TestApp;
  let second: TestApp;
  let a: ApiClient;
  let b: ApiClient;
  let store: EventStore;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ sharing: first });
    a = apiClient(first.app);
    b = apiClient(second.app);
    store = first.app.get<EventStore>(EVENT_STORE);
    const launched = await a
      .as(NCA)
      .post('/operations/retries/events')
      .send({ events: [launch(), agencyJoins('NWP')] });
    expect(launched.status).toBe(201);
  });

  afterAll(async () => {
    await second.close();
    await first.close();
  });

  const stream = (): Promise<RecordedEvent[]> => store.readStream('operation-retries');

  it('binds a key to the content whether or not the events carry ids; equal content in another spelling replays', async () => {
    const original = await a
      .as(NCA)
      .post('/operations/retries/events')
      .set('Idempotency-Key', 'raid-1')
      .send({ events: [raid('RAID-1', { eventId: fixedId(1) })] });
    expect(original.status).toBe(201);

    // Keys in another order, the time with milliseconds, another correlation id: the same content.
    const respelled = {
      events: [
        {
          data: { ...raid('RAID-1').data, startedAt: '2020-06-15T05:30:00.000Z' },
          occurredAt: '2020-06-15T05:30:00.000Z',
          eventId: fixedId(1),
          type: 'RaidConducted',
          schemaVersion: 1,
        },
      ],
    };
    const replayed = await b
      .as(NCA)
      .post('/operations/retries/events')
      .set('Idempotency-Key', 'raid-1')
      .set('X-Correlation-Id', 'retry-after-timeout')
      .send(respelled);
    expect({
      status: replayed.status,
      etag: replayed.headers['etag'],
      body: replayed.body as unknown,
    }).toEqual({
      status: 200,
      etag: original.headers['etag'],
      body: { ...original.body, replayed: true },
    });

    // The same key with another event id and the same data: another request (this wrote twice before).
    const otherId = await b
      .as(NCA)
      .post('/operations/retries/events')
      .set('Idempotency-Key', 'raid-1')
      .send({ events: [raid('RAID-1', { eventId: fixedId(2) })] });
    expect(otherId.status).toBe(409);
    expect(otherId.body).toEqual({
      type: 'urn:operation-timeline:problem:request.idempotency-conflict',
      title: 'Conflict',
      status: 409,
      detail:
        'Idempotency-Key raid-1 was already used for another request (stored at revisions 2–2); use a new key for a new request',
      instance: '/operations/retries/events',
      code: 'request.idempotency-conflict',
      operationId: 'retries',
      idempotencyKey: 'raid-1',
      storedRevisions: { first: 2, last: 2 },
    });

    // Other data, or another expected revision, under the same key: refused alike.
    for (const other of [
      {
        events: [
          { ...raid('RAID-1', { eventId: fixedId(1) }), data: { ...raid('RAID-1').data, officers: 25 } },
        ],
      },
      { events: [raid('RAID-1', { eventId: fixedId(1) })], expectedRevision: 1 },
    ]) {
      const refused = await a
        .as(NCA)
        .post('/operations/retries/events')
        .set('Idempotency-Key', 'raid-1')
        .send(other);
      expect([refused.status, refused.body.code]).toEqual([409, 'request.idempotency-conflict']);
    }

    // Per event, without a key: same id and content replays, other content is refused.
    const byId = await a
      .as(NCA)
      .post('/operations/retries/events')
      .send({ events: [raid('RAID-1', { eventId: fixedId(1) })] });
    expect([byId.status, byId.body]).toEqual([200, { ...original.body, replayed: true }]);
    const idReused = await a
      .as(NCA)
      .post('/operations/retries/events')
      .send({ events: [raid('RAID-9', { eventId: fixedId(1) })] });
    expect([idReused.status, idReused.body.code]).toEqual([409, 'request.idempotency-conflict']);

    // A key belongs to its principal: another client's raid-1 is another request.
    const otherClient = await a
      .as(NCA_OTHER_CLIENT)
      .post('/operations/retries/events')
      .set('Idempotency-Key', 'raid-1')
      .send({ events: [raid('RAID-2')] });
    expect([otherClient.status, otherClient.body.replayed]).toEqual([201, false]);

    const events = await stream();
    expect(events.map((event) => (event.data as { raidId?: string }).raidId ?? event.type)).toEqual([
      'OperationLaunched',
      'AgencyJoined',
      'RAID-1',
      'RAID-2',
    ]);
    expect(
      events.slice(2).map((event) => (event.metadata as unknown as EventEnvelope).idempotencyKey),
    ).toEqual(['raid-1', 'raid-1']);
  });

  it('answers concurrent retries on two instances once written, the other as a replay, and after a restart', async () => {
    const request = { events: [raid('RAID-3'), raid('RAID-4')] };
    const before = (await stream()).length;
    const [onA, onB] = await Promise.all([
      a.as(NCA).post('/operations/retries/events').set('Idempotency-Key', 'raids-3-4').send(request),
      b.as(NCA).post('/operations/retries/events').set('Idempotency-Key', 'raids-3-4').send(request),
    ]);
    expect([onA.status, onB.status].sort()).toEqual([200, 201]);
    const written = onA.status === 201 ? onA : onB;
    const replay = onA.status === 201 ? onB : onA;
    expect(replay.body).toEqual({ ...written.body, replayed: true });
    expect((await stream()).length).toBe(before + 2);

    // The second instance restarts: nothing of the key is left in its memory, the store still has it.
    await second.close();
    second = await startTestApp({ sharing: first });
    b = apiClient(second.app);
    const afterRestart = await b
      .as(NCA)
      .post('/operations/retries/events')
      .set('Idempotency-Key', 'raids-3-4')
      .send(request);
    expect([afterRestart.status, afterRestart.body]).toEqual([200, { ...written.body, replayed: true }]);
    const otherContent = await b
      .as(NCA)
      .post('/operations/retries/events')
      .set('Idempotency-Key', 'raids-3-4')
      .send({ events: [raid('RAID-3')] });
    expect([otherContent.status, otherContent.body.code]).toEqual([409, 'request.idempotency-conflict']);
    expect((await stream()).length).toBe(before + 2);
  });

  it('states the rule once: the OpenAPI document and the README say the same', async () => {
    const document = await a.as(NCA).get('/docs-json');
    const post = (
      document.body as {
        paths: Record<
          string,
          { post?: { description: string; parameters: { name: string; description: string }[] } }
        >;
      }
    ).paths['/operations/{operationId}/events'].post!;
    expect(post.description).toContain(IDEMPOTENCY_RULE);
    expect(post.parameters.find((parameter) => parameter.name === 'Idempotency-Key')?.description).toContain(
      IDEMPOTENCY_RULE,
    );
    const readme = normalise(readFileSync(join(__dirname, '..', 'README.md'), 'utf8'));
    expect(readme).toContain(normalise(IDEMPOTENCY_RULE));
  });
});
