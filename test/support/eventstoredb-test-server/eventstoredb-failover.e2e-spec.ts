import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '@timeline/event-store';
import { bearerFor } from '../auth.tokens';
import { intelligenceReport } from '../event-bodies';
import { startTestApp, type TestApp } from '../test-app';
import { EventStoreDbTestCluster } from './eventstoredb-test-cluster';

// The api on a 3-node cluster whose leader dies under load (README.md, "Running on
// EventStoreDB / KurrentDB"): 50 connections keep posting; the election must cost
// latency, at worst a 503 with Retry-After that the caller retries with the same event
// ids, and never an acknowledged event lost or an event stored twice.
jest.setTimeout(120_000);

const CONNECTIONS = 50;
const REQUESTS_PER_CONNECTION = 8;
const NO_LEADER_MS = 1500;

interface Outcome {
  readonly status: number;
  readonly retryAfter: string | null;
}

describe('The api on an EventStoreDB cluster whose leader dies under load', () => {
  let cluster: EventStoreDbTestCluster;
  let test: TestApp;
  let base: string;

  beforeAll(async () => {
    cluster = await EventStoreDbTestCluster.start();
    test = await startTestApp({
      env: { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: cluster.connectionString },
    });
    await test.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(test.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await test?.close();
    await cluster?.stop();
  });

  it('loses no acknowledged event, stores none twice, and answers at worst 503 with Retry-After', async () => {
    const outcomes: Outcome[] = [];
    const acknowledged = new Map<string, string[]>();
    let started = 0;
    let killing: Promise<void> | null = null;

    /** Posts until acknowledged; a 503 is retried with the same body, as Retry-After invites. */
    const post = async (operationId: string, authorization: string, events: unknown[]) => {
      for (;;) {
        const response = await fetch(`${base}/operations/${operationId}/events`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        });
        await response.arrayBuffer();
        outcomes.push({ status: response.status, retryAfter: response.headers.get('retry-after') });
        if (response.status !== 503) return response.status;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    await Promise.all(
      Array.from({ length: CONNECTIONS }, async (_, connection) => {
        const operationId = `failover-${connection}-${randomUUID().slice(0, 8)}`;
        const authorization = bearerFor({
          role: 'recorder',
          agency: 'NCA',
          subject: `officer-${connection}`,
        });
        const ids: string[] = [];
        acknowledged.set(operationId, ids);
        const launch = {
          type: 'OperationLaunched',
          eventId: randomUUID(),
          occurredAt: '2020-03-26T09:00:00Z',
          data: {
            codename: `VENETIC-${connection}`,
            leadAgency: 'NCA',
            startedAt: '2020-03-26T09:00:00Z',
            description: 'EncroChat',
          },
        };
        if ((await post(operationId, authorization, [launch])) < 300) ids.push(launch.eventId);
        for (let n = 0; n < REQUESTS_PER_CONNECTION; n++) {
          // A third of the way in, the leader dies; the cluster has no leader for 1.5 s.
          if (++started === Math.floor((CONNECTIONS * REQUESTS_PER_CONNECTION) / 3)) {
            killing = cluster.killLeader(NO_LEADER_MS);
          }
          const report = {
            ...intelligenceReport(`VEN-INT-${connection}-${n}`, `SUBJ-${n}`, 'wales'),
            eventId: randomUUID(),
          };
          if ((await post(operationId, authorization, [report])) < 300) ids.push(report.eventId);
        }
      }),
    );
    await killing;

    expect(cluster.elections).toHaveLength(1);
    // Every answer was an acknowledgement or a 503 carrying Retry-After; nothing else.
    const statuses = [...new Set(outcomes.map((outcome) => outcome.status))].sort();
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.status === 503 && !outcome.retryAfter)).toEqual([]);

    const store = test.app.get<EventStore>(EVENT_STORE);
    for (const [operationId, ids] of acknowledged) {
      expect(ids).toHaveLength(REQUESTS_PER_CONNECTION + 1);
      const stored = (await store.readStream(`operation-${operationId}`)).map((event) => event.eventId);
      // Exactly what was acknowledged, in order: none lost, none twice.
      expect(stored).toEqual(ids);
    }
    const all = cluster.log.allEvents().filter((event) => event.streamName.startsWith('operation-failover-'));
    expect(new Set(all.map((event) => event.eventId)).size).toBe(all.length);
  });
});
