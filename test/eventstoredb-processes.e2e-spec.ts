import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessRecordHash, type AccessRecord } from '@timeline/integrity';
import { startApiProcess } from './support/api-process';
import { bearerFor, type TestPrincipal } from './support/auth.tokens';
import { EventStoreDbTestServer } from './support/eventstoredb-test-server/eventstoredb-test-server';
import { connectSse } from './support/sse-client';

// Two api PROCESSES on one EventStoreDB, as behind the cluster compose file's load balancer
// (docs/eventstoredb.md, "Several api instances"): nothing is shared between them but the
// store. A write through A is read on B with minPosition and pushed on B's live feed; the
// access audit both write is one hash chain; RATE_LIMIT_REQUESTS is one budget across both.
jest.setTimeout(180_000);

const RATE_LIMIT_REQUESTS = 10;
const INSTANCES = 2;

const RECORDER: TestPrincipal = { role: 'recorder', agency: 'NCA', subject: 'officer-a' };
const ANALYST: TestPrincipal = { role: 'analyst', agency: 'NCA', subject: 'analyst-b' };

interface ApiProcess {
  readonly child: ChildProcess;
  readonly base: string;
  readonly dataDir: string;
  readonly output: string[];
}

interface StoredAuditRecord extends AccessRecord {
  readonly sequence: number;
  readonly prevHash: string;
  readonly hash: string;
}

describe('Two api processes on one EventStoreDB', () => {
  let server: EventStoreDbTestServer;
  const processes: ApiProcess[] = [];
  const operationId = `processes-${randomUUID().slice(0, 8)}`;

  const call = (instance: number, path: string, principal: TestPrincipal, body?: unknown) =>
    fetch(`${processes[instance].base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: bearerFor(principal), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await EventStoreDbTestServer.start();
    const started = await Promise.all(
      Array.from({ length: INSTANCES }, async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'timeline-processes-'));
        const output: string[] = [];
        const { child, port } = await startApiProcess(dataDir, output, {
          EVENT_STORE: 'eventstoredb',
          EVENTSTORE_URL: server.connectionString,
          RATE_LIMIT_REQUESTS: String(RATE_LIMIT_REQUESTS),
          RATE_LIMIT_INSTANCES: String(INSTANCES),
        });
        return { child, base: `http://127.0.0.1:${port}`, dataDir, output };
      }),
    );
    processes.push(...started);
  });

  afterAll(async () => {
    await Promise.all(
      processes.map(async ({ child, dataDir }) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dataDir, { recursive: true, force: true });
      }),
    );
    await server?.stop();
  });

  it('reads a write made through A on B (minPosition) and pushes the next one on B’s live feed', async () => {
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

    const live = await connectSse(`${processes[1].base}/events/live`, {
      authorization: bearerFor(ANALYST),
      'last-event-id': position,
    });
    expect(live.status).toBe(200);
    const eventId = randomUUID();
    const report = await call(0, `/operations/${operationId}/events`, RECORDER, {
      events: [
        {
          type: 'IntelligenceReceived',
          eventId,
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
    expect(JSON.parse(pushed!.data)).toMatchObject({ eventId, type: 'IntelligenceReceived', operationId });
  });

  it('chains the access audit of both processes into one verifiable hash chain', async () => {
    const auditors = [0, 1].map((instance): TestPrincipal => ({
      role: 'auditor',
      agency: 'NCA',
      subject: `auditor-${instance}`,
    }));
    // Interleaved, so that each process meets the other's records ahead of its own head.
    for (const instance of [0, 1, 0, 1]) {
      const history = await call(instance, `/operations/${operationId}/events`, auditors[instance]);
      expect(history.status).toBe(200);
    }
    const pages = await Promise.all(
      [0, 1].map(async (instance) => {
        const response = await call(instance, `/audit/access?operationId=${operationId}`, auditors[instance]);
        expect(response.status).toBe(200);
        return ((await response.json()) as { records: StoredAuditRecord[] }).records;
      }),
    );
    expect(pages[1]).toEqual(pages[0]);
    const reads = pages[0].filter((record) => record.path === `/operations/${operationId}/events`);
    expect(reads.map((record) => record.subject)).toEqual([
      'auditor-0',
      'auditor-1',
      'auditor-0',
      'auditor-1',
    ]);

    // The whole stream, from its first record: every hash recomputed, every link checked.
    const all: StoredAuditRecord[] = [];
    for (let after: number | null = -1; after !== null;) {
      const query: string = after < 0 ? '' : `?after=${after}`;
      const response = await call(1, `/audit/access${query}`, auditors[1]);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { records: StoredAuditRecord[]; next: number | null };
      all.push(...page.records);
      after = page.next;
    }
    const stream = server.log.stream('access-audit') ?? [];
    expect(all.map((record) => record.sequence)).toEqual(all.map((_, index) => all[0].sequence + index));
    expect(all[all.length - 1].sequence).toBe(stream.length - 1);
    all.forEach(({ sequence, prevHash, hash, ...record }, index) => {
      if (index > 0) expect(prevHash).toBe(all[index - 1].hash);
      expect(accessRecordHash(record, sequence, prevHash)).toBe(hash);
    });
  });

  it('holds RATE_LIMIT_REQUESTS as one budget of a principal across both processes', async () => {
    const caller: TestPrincipal = { role: 'analyst', agency: 'NCA', subject: `budget-${randomUUID()}` };
    const statuses: number[][] = [[], []];
    let retryAfter: string | null = null;
    for (let round = 0; round < RATE_LIMIT_REQUESTS; round++) {
      for (const instance of [0, 1]) {
        const response = await call(instance, '/auth/me', caller);
        statuses[instance].push(response.status);
        if (response.status === 429) retryAfter ??= response.headers.get('retry-after');
      }
    }
    const share = RATE_LIMIT_REQUESTS / INSTANCES;
    for (const seen of statuses) {
      expect(seen).toEqual([
        ...Array<number>(share).fill(200),
        ...Array<number>(RATE_LIMIT_REQUESTS - share).fill(429),
      ]);
    }
    expect(statuses.flat().filter((status) => status === 200)).toHaveLength(RATE_LIMIT_REQUESTS);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
