import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixedId } from '@timeline/application/testing/record-events.fixtures';
import {
  EVENT_STORE,
  formatPosition,
  isAfter,
  parsePosition,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store';
import { GENESIS_HASH, type EventEnvelope } from '@timeline/events';
import { computeEventHash } from '@timeline/integrity';
import { apiClient, type ApiClient } from './support/api-client';
import { e2eEventStore } from './support/e2e-event-store';
import { FixedClock, startTestApp, type TestApp } from './support/test-app';

// A busy machine (the suite shares two cores) must not turn slow start-ups into failures.
jest.setTimeout(60_000);

const CATALOGUE = join(__dirname, '..', 'events', 'catalogue');
/** Example files read so far, as `<Type>/v<N>.example.json`. */
const examplesUsed = new Set<string>();

/** The published example payload of a type and version (events/catalogue). */
function example(type: string, version = 1): Record<string, unknown> {
  examplesUsed.add(`${type}/v${version}.example.json`);
  return JSON.parse(readFileSync(join(CATALOGUE, type, `v${version}.example.json`), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** Every example file the contract publishes. */
function publishedExamples(): string[] {
  return readdirSync(CATALOGUE)
    .flatMap((type) =>
      readdirSync(join(CATALOGUE, type))
        .filter((file) => file.endsWith('.example.json'))
        .map((file) => `${type}/${file}`),
    )
    .sort();
}

const ARREST_EVENT_ID = '2b0c8f0e-6d1f-4a59-9a3e-5f1e2d7c4b10'; // corrected by the EventCorrected example
const DUPLICATE_SEIZURE_EVENT_ID = '9d4e7a21-3c5b-4f0e-8a71-0c6b2e9f8d33'; // retracted by the EventRetracted example
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * SQLite numbers the global log 1, 2, 3, …, so the nth event this suite writes is at "n".
 * EventStoreDB has positions of its own (log offsets): there the test checks what the
 * contract promises instead — they parse, strictly increase, and are what reads report.
 */
const sqlitePosition = (sequence: number): unknown =>
  e2eEventStore() === 'sqlite' ? String(sequence) : expect.any(String);

describe('Recording Operation Venetic over HTTP', () => {
  let test: TestApp;
  let api: ApiClient;
  let store: EventStore;
  const clock = new FixedClock(new Date('2020-07-10T12:00:00.000Z'));

  const NCA = { role: 'recorder', agency: 'NCA' } as const;
  const NWP = { role: 'recorder', agency: 'NWP' } as const;
  const MERPOL = { role: 'recorder', agency: 'MERPOL' } as const;

  beforeAll(async () => {
    test = await startTestApp({ clock });
    api = apiClient(test.app);
    store = test.app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await test.close();
  });

  const stream = (operationId: string): Promise<RecordedEvent[]> =>
    store.readStream(`operation-${operationId}`).catch(() => []);

  /** Every position the story's writes returned, in order, and the last of them parsed. */
  const storyPositions: string[] = [];
  let storyHead: GlobalPosition | null = null;

  /**
   * Posts one event (or a batch) and expects it recorded at the next revisions, with exact
   * response and ETag, at positions after every earlier write's and in batch order.
   */
  async function record(
    as: typeof NCA | typeof NWP | typeof MERPOL,
    events: {
      type: string;
      eventId: string;
      occurredAt: string;
      data: Record<string, unknown>;
      schemaVersion?: number;
    }[],
    firstRevision: number,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const response = await api.as(as).post('/operations/venetic/events').set(headers).send({ events });
    const last = firstRevision + events.length - 1;
    expect({
      status: response.status,
      etag: response.headers['etag'],
      body: response.body as unknown,
    }).toEqual({
      status: 201,
      etag: `"${last}"`,
      body: {
        operationId: 'venetic',
        streamRevision: last,
        position: sqlitePosition(last + 1),
        replayed: false,
        events: events.map((event, index) => ({
          eventId: event.eventId,
          type: event.type,
          streamRevision: firstRevision + index,
          position: sqlitePosition(firstRevision + index + 1),
        })),
      },
    });
    const body = response.body as { position: string; events: { position: string }[] };
    for (const { position } of body.events) {
      const parsed = parsePosition(position);
      expect({
        position,
        parses: parsed !== null,
        afterPrevious: parsed !== null && isAfter(parsed, storyHead),
      }).toEqual({
        position,
        parses: true,
        afterPrevious: true,
      });
      storyHead = parsed;
      storyPositions.push(position);
    }
    expect(body.position).toBe(body.events.at(-1)!.position);
  }

  it('records the story from launch to closure, every catalogue example included, with exact responses', async () => {
    await record(
      NCA,
      [
        {
          type: 'OperationLaunched',
          eventId: fixedId(1),
          occurredAt: '2020-03-26T09:00:00Z',
          data: example('OperationLaunched'),
        },
      ],
      0,
    );
    // Two agencies join in one atomic batch, conditional on the revision just returned.
    await record(
      NCA,
      [
        {
          type: 'AgencyJoined',
          eventId: fixedId(2),
          occurredAt: '2020-04-01T09:00:00Z',
          data: example('AgencyJoined'),
        },
        {
          type: 'AgencyJoined',
          eventId: fixedId(3),
          occurredAt: '2020-04-01T09:30:00Z',
          data: { agency: 'MERPOL', region: 'north-west' },
        },
      ],
      1,
      { 'If-Match': '"0"' },
    );
    await record(
      NCA,
      [
        {
          type: 'EncryptionCracked',
          eventId: fixedId(4),
          occurredAt: '2020-04-01T00:00:00Z',
          data: example('EncryptionCracked'),
        },
      ],
      3,
    );
    // A report in the older v1 shape is upcast on write; the v2 one is current.
    await record(
      NCA,
      [
        {
          type: 'IntelligenceReceived',
          schemaVersion: 1,
          eventId: fixedId(5),
          occurredAt: '2020-04-20T08:00:00Z',
          data: example('IntelligenceReceived', 1),
        },
      ],
      4,
    );
    await record(
      NCA,
      [
        {
          type: 'IntelligenceReceived',
          eventId: fixedId(6),
          occurredAt: '2020-04-21T08:00:00Z',
          data: example('IntelligenceReceived', 2),
        },
      ],
      5,
    );
    await record(
      NCA,
      [
        {
          type: 'IntelligenceDisseminated',
          eventId: fixedId(7),
          occurredAt: '2020-04-22T08:00:00Z',
          data: example('IntelligenceDisseminated'),
        },
      ],
      6,
    );
    await record(
      MERPOL,
      [
        {
          type: 'OrganisedCrimeGroupIdentified',
          eventId: fixedId(8),
          occurredAt: '2020-05-01T08:00:00Z',
          data: example('OrganisedCrimeGroupIdentified'),
        },
      ],
      7,
    );
    await record(
      NWP,
      [
        {
          type: 'RaidConducted',
          eventId: fixedId(9),
          occurredAt: '2020-06-15T05:30:00Z',
          data: example('RaidConducted'),
        },
      ],
      8,
    );
    await record(
      NWP,
      [
        {
          type: 'ArrestMade',
          eventId: ARREST_EVENT_ID,
          occurredAt: '2020-06-15T06:10:00Z',
          data: example('ArrestMade'),
        },
      ],
      9,
    );
    await record(
      NWP,
      [
        {
          type: 'SeizureRecorded',
          eventId: fixedId(10),
          occurredAt: '2020-06-15T07:00:00Z',
          data: example('SeizureRecorded'),
        },
      ],
      10,
    );
    const duplicate = { ...example('SeizureRecorded'), seizureId: 'SZ-NWP-0020' };
    await record(
      NWP,
      [
        {
          type: 'SeizureRecorded',
          eventId: DUPLICATE_SEIZURE_EVENT_ID,
          occurredAt: '2020-06-15T07:05:00Z',
          data: duplicate,
        },
      ],
      11,
    );
    await record(
      MERPOL,
      [
        {
          type: 'ThreatToLifeMitigated',
          eventId: fixedId(11),
          occurredAt: '2020-06-16T10:00:00Z',
          data: example('ThreatToLifeMitigated'),
        },
      ],
      12,
    );
    await record(
      NWP,
      [
        {
          type: 'EventCorrected',
          eventId: fixedId(12),
          occurredAt: '2020-06-18T09:00:00Z',
          data: example('EventCorrected'),
        },
      ],
      13,
    );
    await record(
      NWP,
      [
        {
          type: 'EventRetracted',
          eventId: fixedId(13),
          occurredAt: '2020-06-18T09:30:00Z',
          data: example('EventRetracted'),
        },
      ],
      14,
    );
    await record(
      NWP,
      [
        {
          type: 'ChargeBrought',
          eventId: fixedId(14),
          occurredAt: '2020-06-19T16:00:00Z',
          data: example('ChargeBrought'),
        },
      ],
      15,
    );
    await record(
      NWP,
      [
        {
          type: 'ChargeOutcomeRecorded',
          eventId: fixedId(16),
          occurredAt: '2020-06-30T10:00:00Z',
          data: example('ChargeOutcomeRecorded'),
        },
      ],
      16,
    );
    await record(
      NCA,
      [
        {
          type: 'OperationalPhaseEnded',
          eventId: fixedId(15),
          occurredAt: '2020-07-01T18:00:00Z',
          data: example('OperationalPhaseEnded'),
        },
      ],
      17,
    );

    // No raid once the operational phase has ended: 409 with the rule's code, and nothing stored.
    const late = await api
      .as(NWP)
      .post('/operations/venetic/events')
      .send({
        events: [
          {
            type: 'RaidConducted',
            occurredAt: '2020-07-02T05:00:00Z',
            data: { ...example('RaidConducted'), raidId: 'RAID-NWP-0099' },
          },
        ],
      });
    expect(late.status).toBe(409);
    expect(late.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(late.body).toMatchObject({
      type: 'urn:operation-timeline:problem:operation.operational-phase-ended',
      title: 'Conflict',
      status: 409,
      instance: '/operations/venetic/events',
      code: 'operation.operational-phase-ended',
    });

    // Closure, with a server-generated (UUIDv7) event id.
    const closed = await api
      .as(NCA)
      .post('/operations/venetic/events')
      .send({
        events: [
          { type: 'OperationClosed', occurredAt: '2020-07-02T09:00:00Z', data: example('OperationClosed') },
        ],
      });
    expect(closed.status).toBe(201);
    expect(closed.body.streamRevision).toBe(18);
    expect(closed.body.events[0].eventId).toMatch(UUID_V7);
    expect(isAfter(parsePosition(closed.body.position as string)!, storyHead)).toBe(true);

    const events = await stream('venetic');
    // The positions the writes returned are the ones reads report, the refused raid taking none.
    expect(events.map((event) => formatPosition(event.position))).toEqual([
      ...storyPositions,
      closed.body.position,
    ]);
    expect(
      events.map((event) => [
        event.revision,
        event.type,
        (event.metadata as unknown as EventEnvelope).agency,
      ]),
    ).toEqual([
      [0, 'OperationLaunched', 'NCA'],
      [1, 'AgencyJoined', 'NCA'],
      [2, 'AgencyJoined', 'NCA'],
      [3, 'EncryptionCracked', 'NCA'],
      [4, 'IntelligenceReceived', 'NCA'],
      [5, 'IntelligenceReceived', 'NCA'],
      [6, 'IntelligenceDisseminated', 'NCA'],
      [7, 'OrganisedCrimeGroupIdentified', 'MERPOL'],
      [8, 'RaidConducted', 'NWP'],
      [9, 'ArrestMade', 'NWP'],
      [10, 'SeizureRecorded', 'NWP'],
      [11, 'SeizureRecorded', 'NWP'],
      [12, 'ThreatToLifeMitigated', 'MERPOL'],
      [13, 'EventCorrected', 'NWP'],
      [14, 'EventRetracted', 'NWP'],
      [15, 'ChargeBrought', 'NWP'],
      [16, 'ChargeOutcomeRecorded', 'NWP'],
      [17, 'OperationalPhaseEnded', 'NCA'],
      [18, 'OperationClosed', 'NCA'],
    ]);
    // The envelope is the server's: principal from the token, time from the clock, markings from the rules.
    const raid = events[8].metadata as unknown as EventEnvelope;
    expect({ ...raid, hash: undefined, prevHash: undefined, correlationId: undefined }).toEqual({
      schemaVersion: 1,
      operationId: 'venetic',
      occurredAt: '2020-06-15T05:30:00.000Z',
      recordedAt: '2020-07-10T12:00:00.000Z',
      recordedBy: 'recorder@nwp',
      agency: 'NWP',
      causationId: null,
      classification: 'OFFICIAL',
      streamRevision: 8,
      hash: undefined,
      prevHash: undefined,
      correlationId: undefined,
    });
    expect((events[4].metadata as unknown as EventEnvelope).classification).toBe('OFFICIAL-SENSITIVE');
    // The v1 report is stored in the current (v2) shape.
    expect((events[4].metadata as unknown as EventEnvelope).schemaVersion).toBe(2);
    expect(events[4].data['grading']).toEqual({
      source: 1,
      intelligence: 'B',
      handling: 'C',
      conditions: example('IntelligenceReceived', 1)['handlingConditions'],
    });
    // Drug classes are derived by the server.
    expect(
      (events[10].data['drugs'] as { drugType: string; drugClass: string }[]).map((line) => [
        line.drugType,
        line.drugClass,
      ]),
    ).toEqual([
      ['cocaine', 'A'],
      ['cannabis', 'B'],
      ['etizolam', 'C'],
    ]);
    // Every example the contract publishes was posted and accepted.
    expect([...examplesUsed].sort()).toEqual(publishedExamples());
    // The chain links every event to the one before and each hash is the event's own.
    events.forEach((event, index) => {
      const envelope = event.metadata as unknown as EventEnvelope;
      expect(envelope.prevHash).toBe(
        index === 0 ? GENESIS_HASH : (events[index - 1].metadata as unknown as EventEnvelope).hash,
      );
      expect(computeEventHash({ eventId: event.eventId, type: event.type, data: event.data, envelope })).toBe(
        envelope.hash,
      );
    });
  });

  it('stamps the correlation id of the request, echoes it, and lets an event carry its own', async () => {
    const response = await api
      .as(NCA)
      .post('/operations/correlated/events')
      .set('X-Correlation-Id', 'ops-room-42')
      .send({
        events: [
          {
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: example('OperationLaunched'),
          },
          {
            type: 'AgencyJoined',
            occurredAt: '2020-04-01T09:00:00Z',
            data: example('AgencyJoined'),
            correlationId: 'join-7',
            causationId: fixedId(100),
          },
        ],
      });
    // The causation names no event of the operation: refused by the rules, nothing stored.
    expect(response.status).toBe(422);
    expect(response.headers['x-correlation-id']).toBe('ops-room-42');
    expect(response.body.code).toBe('operation.unknown-causation');
    expect(await stream('correlated')).toEqual([]);

    const accepted = await api
      .as(NCA)
      .post('/operations/correlated/events')
      .set('X-Correlation-Id', 'ops-room-42')
      .send({
        events: [
          {
            type: 'OperationLaunched',
            eventId: fixedId(101),
            occurredAt: '2020-03-26T09:00:00Z',
            data: example('OperationLaunched'),
          },
          {
            type: 'AgencyJoined',
            occurredAt: '2020-04-01T09:00:00Z',
            data: example('AgencyJoined'),
            correlationId: 'join-7',
            causationId: fixedId(101),
          },
        ],
      });
    expect(accepted.status).toBe(201);
    const events = await stream('correlated');
    expect(
      events.map((event) => {
        const envelope = event.metadata as unknown as EventEnvelope;
        return [envelope.correlationId, envelope.causationId];
      }),
    ).toEqual([
      ['ops-room-42', null],
      ['join-7', fixedId(101)],
    ]);
    const generated = await api.as(NCA).get('/health');
    expect(generated.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('idempotent retries', () => {
    it('answers a re-sent request with the same event ids with the original result, 200, and writes nothing', async () => {
      const request = {
        events: [
          {
            type: 'OperationLaunched',
            eventId: fixedId(201),
            occurredAt: '2020-03-26T09:00:00Z',
            data: example('OperationLaunched'),
          },
          {
            type: 'AgencyJoined',
            eventId: fixedId(202),
            occurredAt: '2020-04-01T09:00:00Z',
            data: example('AgencyJoined'),
          },
        ],
      };
      const first = await api.as(NCA).post('/operations/retried/events').send(request);
      expect(first.status).toBe(201);
      const again = await api.as(NCA).post('/operations/retried/events').send(request);
      expect(again.status).toBe(200);
      expect(again.headers['etag']).toBe('"1"');
      expect(again.body).toEqual({ ...first.body, replayed: true });
      expect((await stream('retried')).length).toBe(2);

      const changed = await api
        .as(NCA)
        .post('/operations/retried/events')
        .send({
          events: [{ ...request.events[0], data: { ...example('OperationLaunched'), codename: 'ORIGAMI' } }],
        });
      expect(changed.status).toBe(409);
      expect(changed.body).toEqual({
        type: 'urn:operation-timeline:problem:request.idempotency-conflict',
        title: 'Conflict',
        status: 409,
        detail: `Event id ${fixedId(201)} is already recorded with different content (data); use a new event id for a new event`,
        instance: '/operations/retried/events',
        code: 'request.idempotency-conflict',
        operationId: 'retried',
        eventId: fixedId(201),
        differs: 'data',
      });
      expect((await stream('retried')).length).toBe(2);
    });

    it('gives an Idempotency-Key the same guarantee for requests without event ids', async () => {
      const request = {
        events: [
          {
            type: 'OperationLaunched',
            occurredAt: '2020-03-26T09:00:00Z',
            data: example('OperationLaunched'),
          },
        ],
      };
      const first = await api
        .as(NCA)
        .post('/operations/keyed/events')
        .set('Idempotency-Key', 'launch-venetic-1')
        .send(request);
      const again = await api
        .as(NCA)
        .post('/operations/keyed/events')
        .set('Idempotency-Key', 'launch-venetic-1')
        .send(request);
      expect([first.status, again.status]).toEqual([201, 200]);
      expect(again.body).toEqual({ ...first.body, replayed: true });
      const other = await api
        .as(NCA)
        .post('/operations/keyed/events')
        .set('Idempotency-Key', 'launch-venetic-1')
        .send({ events: [{ ...request.events[0], occurredAt: '2020-03-27T09:00:00Z' }] });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('request.idempotency-conflict');
      expect((await stream('keyed')).length).toBe(1);
    });
  });

  describe('optimistic concurrency', () => {
    beforeAll(async () => {
      const launched = await api
        .as(NCA)
        .post('/operations/raced/events')
        .send({
          events: [
            {
              type: 'OperationLaunched',
              occurredAt: '2020-03-26T09:00:00Z',
              data: example('OperationLaunched'),
            },
            { type: 'AgencyJoined', occurredAt: '2020-04-01T09:00:00Z', data: example('AgencyJoined') },
          ],
        });
      expect(launched.status).toBe(201);
    });

    it('states expected and actual revision: 409 for a body expectedRevision, 412 for If-Match', async () => {
      const raid = (raidId: string) => ({
        type: 'RaidConducted',
        occurredAt: '2020-06-15T05:30:00Z',
        data: { ...example('RaidConducted'), raidId, ocgId: undefined, intelligenceRefs: undefined },
      });
      const stale = await api
        .as(NWP)
        .post('/operations/raced/events')
        .send({ events: [raid('RAID-C1')], expectedRevision: 0 });
      expect(stale.status).toBe(409);
      expect(stale.body).toEqual({
        type: 'urn:operation-timeline:problem:operation.revision-conflict',
        title: 'Conflict',
        status: 409,
        detail: 'Operation raced was expected at revision 0 but is at revision 1',
        instance: '/operations/raced/events',
        code: 'operation.revision-conflict',
        operationId: 'raced',
        expectedRevision: 0,
        actualRevision: 1,
      });
      const conditional = await api
        .as(NWP)
        .post('/operations/raced/events')
        .set('If-Match', '"0"')
        .send({ events: [raid('RAID-C1')] });
      expect(conditional.status).toBe(412);
      expect(conditional.body).toMatchObject({
        title: 'Precondition Failed',
        status: 412,
        expectedRevision: 0,
        actualRevision: 1,
      });
      const contradicting = await api
        .as(NWP)
        .post('/operations/raced/events')
        .set('If-Match', '"1"')
        .send({ events: [raid('RAID-C1')], expectedRevision: 0 });
      expect(contradicting.status).toBe(400);
      expect(contradicting.body.errors).toEqual([
        {
          path: 'expectedRevision',
          constraint: 'matchesIfMatch',
          message: 'expectedRevision (0) contradicts If-Match (1)',
        },
      ]);
      expect((await stream('raced')).length).toBe(2);
    });

    it('lets exactly one of concurrent writers win each revision; the others get 409, nothing lost or duplicated', async () => {
      const winners: { revision: number; raidId: string }[] = [];
      for (let round = 0; round < 5; round += 1) {
        const revision = (await stream('raced')).length - 1;
        const responses = await Promise.all(
          Array.from({ length: 8 }, (_, writer) =>
            api
              .as(NWP)
              .post('/operations/raced/events')
              .send({
                expectedRevision: revision,
                events: [
                  {
                    type: 'RaidConducted',
                    occurredAt: '2020-06-15T05:30:00Z',
                    data: {
                      ...example('RaidConducted'),
                      raidId: `RAID-R${round}-W${writer}`,
                      ocgId: undefined,
                      intelligenceRefs: undefined,
                    },
                  },
                ],
              }),
          ),
        );
        const created = responses.filter((response) => response.status === 201);
        const refused = responses.filter((response) => response.status === 409);
        expect([created.length, refused.length]).toEqual([1, 7]);
        expect(created[0].body.streamRevision).toBe(revision + 1);
        for (const response of refused) {
          expect(response.body).toMatchObject({
            code: 'operation.revision-conflict',
            expectedRevision: revision,
            actualRevision: revision + 1,
          });
        }
        const winner = responses.indexOf(created[0]);
        winners.push({ revision: revision + 1, raidId: `RAID-R${round}-W${winner}` });
      }
      const events = await stream('raced');
      expect(
        events.slice(2).map((event) => ({ revision: event.revision, raidId: event.data['raidId'] })),
      ).toEqual(winners);
      expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
    });

    it('without an expected revision, concurrent writers are all recorded, each once', async () => {
      const before = (await stream('raced')).length;
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, writer) =>
          api
            .as(NWP)
            .post('/operations/raced/events')
            .send({
              events: [
                {
                  type: 'RaidConducted',
                  occurredAt: '2020-06-15T05:30:00Z',
                  data: {
                    ...example('RaidConducted'),
                    raidId: `RAID-F${writer}`,
                    ocgId: undefined,
                    intelligenceRefs: undefined,
                  },
                },
              ],
            }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 20 }, () => 201));
      const revisions = responses
        .map((response) => response.body.streamRevision as number)
        .sort((a, b) => a - b);
      expect(revisions).toEqual(Array.from({ length: 20 }, (_, index) => before + index));
      const events = await stream('raced');
      expect(events.length).toBe(before + 20);
      expect(new Set(events.slice(before).map((event) => event.data['raidId'])).size).toBe(20);
    });
  });
});
