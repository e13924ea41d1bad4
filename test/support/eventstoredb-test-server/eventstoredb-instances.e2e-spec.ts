import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { bearerFor } from '../auth.tokens';
import { connectSse } from '../sse-client';
import { startTestApp, type TestApp } from '../test-app';
import { EventStoreDbTestCluster } from './eventstoredb-test-cluster';

// Two api instances on one EventStoreDB cluster, as behind the compose file's load
// balancer (docs/architecture.md §8): a write through A is read back on B with
// minPosition and pushed to B's live feed, and the access audit both write is one
// hash chain in the cluster.
jest.setTimeout(120_000);

const RECORDER = { role: 'recorder', agency: 'NCA', subject: 'officer-a' } as const;
const ANALYST = { role: 'analyst', agency: 'NCA', subject: 'analyst-b' } as const;
const AUDITOR = { role: 'auditor', agency: 'NCA', subject: 'auditor-1' } as const;

interface AuditRecord {
  readonly sequence: number;
  readonly prevHash: string;
  readonly hash: string;
  readonly path: string;
}

describe('Two api instances on one EventStoreDB cluster', () => {
  let cluster: EventStoreDbTestCluster;
  const instances: { test: TestApp; base: string }[] = [];
  const operationId = `instances-${randomUUID().slice(0, 8)}`;

  const call = (instance: number, path: string, principal: Parameters<typeof bearerFor>[0], body?: unknown) =>
    fetch(`${instances[instance].base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: bearerFor(principal), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    cluster = await EventStoreDbTestCluster.start();
    for (let i = 0; i < 2; i++) {
      const test = await startTestApp({
        env: { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: cluster.connectionString },
      });
      await test.app.listen(0, '127.0.0.1');
      instances.push({
        test,
        base: `http://127.0.0.1:${(test.app.getHttpServer().address() as AddressInfo).port}`,
      });
    }
  });
  afterAll(async () => {
    for (const { test } of instances) await test.close();
    await cluster?.stop();
  });

  it('reads a write made through A on B (minPosition) and pushes it on B’s live feed', async () => {
    const launch = await call(0, `/operations/${operationId}/events`, RECORDER, {
      events: [
        {
          type: 'OperationLaunched',
          eventId: randomUUID(),
          occurredAt: '2020-03-26T09:00:00Z',
          data: {
            codename: 'VENETIC',
            leadAgency: 'NCA',
            startedAt: '2020-03-26T09:00:00Z',
            description: 'EncroChat',
          },
        },
      ],
    });
    expect(launch.status).toBe(201);
    const { position } = (await launch.json()) as { position: string };

    const picture = await call(1, `/operations/${operationId}/picture?minPosition=${position}`, ANALYST);
    expect(picture.status).toBe(200);
    expect(((await picture.json()) as { asOf: { position: string } }).asOf.position).toBe(position);

    const live = await connectSse(`${instances[1].base}/events/live`, {
      authorization: bearerFor(ANALYST),
      'last-event-id': position,
    });
    expect(live.status).toBe(200);
    const report = await call(0, `/operations/${operationId}/events`, RECORDER, {
      events: [
        {
          type: 'IntelligenceReceived',
          eventId: randomUUID(),
          occurredAt: '2020-04-20T10:00:00Z',
          data: {
            reportRef: 'VEN-INT-1',
            fromAgency: 'NCA',
            grading: { source: 2, intelligence: 'B', handling: 'P' },
            priority: 'LOW',
            threatToLife: false,
            subjects: ['SUBJ-1'],
            region: 'wales',
          },
        },
      ],
    });
    expect(report.status).toBe(201);
    const written = ((await report.json()) as { position: string }).position;
    const pushed = await live.next();
    live.close();
    expect(pushed?.id).toBe(written);
  });

  it('writes the access audit of both instances into one hash chain in the cluster', async () => {
    for (const instance of [0, 1, 0, 1]) {
      const history = await call(instance, `/operations/${operationId}/events`, AUDITOR);
      expect(history.status).toBe(200);
    }
    const pages = await Promise.all(
      [0, 1].map(async (instance) => {
        const response = await call(instance, `/audit/access?operationId=${operationId}`, AUDITOR);
        expect(response.status).toBe(200);
        return ((await response.json()) as { records: AuditRecord[] }).records;
      }),
    );
    // Both instances answer from the same stream: the same records, in one sequence.
    expect(pages[1]).toEqual(pages[0]);
    const records = pages[0];
    expect(records.filter((record) => record.path === `/operations/${operationId}/events`)).toHaveLength(4);
    expect(records.map((record) => record.sequence)).toEqual(
      records.map((_, index) => records[0].sequence + index),
    );
    for (let i = 1; i < records.length; i++) expect(records[i].prevHash).toBe(records[i - 1].hash);
    expect(cluster.log.stream('access-audit')?.length).toBe(records[records.length - 1].sequence + 1);
  });
});
