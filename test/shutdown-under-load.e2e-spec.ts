import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore } from '@timeline/event-store';
import { postJson, startApiProcess } from './support/api-process';
import { bearerFor } from './support/auth.tokens';
import { connectSse, type ReceivedSseMessage, type SseConnection } from './support/sse-client';

/** `npm run test:shutdown` runs the full load (50 writers, 200 live subscribers); `npm test` a smaller one. */
const WRITERS = Number(process.env['SHUTDOWN_WRITERS'] ?? 10);
const SUBSCRIBERS = Number(process.env['SHUTDOWN_SUBSCRIBERS'] ?? 20);

type Status = number | 'refused';

async function post(port: number, path: string, payload: unknown, token: string): Promise<Status> {
  const answer = await postJson(port, path, payload, token);
  return answer === 'refused' ? answer : answer.status;
}

const raid = (id: string) => ({
  events: [
    {
      type: 'RaidConducted',
      occurredAt: '2020-06-15T05:30:00Z',
      data: {
        raidId: id,
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

/** Every message a live client receives until its stream ends. */
async function drain(connection: SseConnection): Promise<ReceivedSseMessage[]> {
  const messages: ReceivedSseMessage[] = [];
  for (let message = await connection.next(); message !== null; message = await connection.next()) {
    messages.push(message);
  }
  return messages;
}

/**
 * SIGTERM while writers append and live clients listen: every write is
 * acknowledged and stored, or refused (never acknowledged and lost); every live
 * client is told to reconnect; the projections' checkpoints reach the log's head;
 * the process ends by the signal within the shutdown bound (not by the forced exit).
 */
describe(`SIGTERM under load (${WRITERS} writers, ${SUBSCRIBERS} live subscribers)`, () => {
  let dataDir: string;
  let server: ChildProcess | undefined;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'timeline-shutdown-load-'));
  });
  afterAll(() => {
    if (server !== undefined && server.exitCode === null && server.signalCode === null)
      server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes or refuses every write, tells every live client to reconnect, checkpoints and exits', async () => {
    const output: string[] = [];
    const { child, port } = await startApiProcess(dataDir, output, {
      // Room for every subscriber of the load run.
      SSE_MAX_CONNECTIONS_PER_PRINCIPAL: '1000',
    });
    server = child;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const recorder = bearerFor({ role: 'recorder', agency: 'NCA', subject: 'recorder@nca' });
    const launch = {
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
    expect(await post(port, '/operations/venetic/events', launch, recorder)).toBe(201);

    const subscribers = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, (_, i) =>
        connectSse(`http://127.0.0.1:${port}/events/live`, {
          Authorization: bearerFor({ role: 'analyst', agency: 'NCA', subject: `analyst-${i % 20}@nca` }),
        }),
      ),
    );
    expect(subscribers.map((subscriber) => subscriber.status)).toEqual(subscribers.map(() => 200));
    const received = subscribers.map(drain);

    let signalled = false;
    let acknowledgedBeforeSignal = 0;
    const answers: { id: string; status: Status }[] = [];
    const writers = Array.from({ length: WRITERS }, async (_, writer) => {
      for (let n = 0; ; n++) {
        const id = `RAID-${writer}-${n}`;
        const status = await post(port, '/operations/venetic/events', raid(id), recorder);
        answers.push({ id, status });
        if (status === 201 && !signalled) acknowledgedBeforeSignal++;
        if (status !== 201) return;
      }
    });
    // Signal once the writers are in full flow.
    while (acknowledgedBeforeSignal < Math.max(20, WRITERS))
      await new Promise((resolve) => setTimeout(resolve, 5));
    signalled = true;
    child.kill('SIGTERM');
    await Promise.all(writers);
    const exit = await exited;
    const streams = await Promise.all(received);

    // Ended by the re-raised signal (or code 0), not by the forced exit past the bound (code 1).
    expect(exit.signal === 'SIGTERM' || exit.code === 0).toBe(true);
    expect(
      output.filter((line) => line.includes('"level":"error"') || line.includes('did not finish')),
    ).toEqual([]);

    for (const answer of answers) expect([201, 503, 'refused']).toContain(answer.status);
    const acknowledged = answers.filter((answer) => answer.status === 201).map((answer) => answer.id);
    // Every live client was told to reconnect before its stream ended.
    for (const messages of streams) {
      const last = messages.at(-1);
      expect(last?.event).toBe('shutdown');
      expect(JSON.parse(last!.data)).toMatchObject({ code: 'service.shutting-down' });
    }

    const store = await createEventStore({ kind: 'sqlite', file: join(dataDir, 'events.db') });
    try {
      const events = await store.readStream('operation-venetic');
      const stored = events.slice(1).map((event) => event.data['raidId'] as string);
      expect(stored.sort()).toEqual(acknowledged.sort());
      // The projections' last checkpoints reflect the whole log.
      const head = (await store.describe()).headPosition!.commit.toString();
      const checkpoints = readdirSync(join(dataDir, 'projections')).filter((name) =>
        name.endsWith('.checkpoint.ndjson'),
      );
      expect(checkpoints.length).toBeGreaterThan(0);
      for (const name of checkpoints) {
        const header = JSON.parse(readFileSync(join(dataDir, 'projections', name), 'utf8').split('\n')[0]);
        expect([name, header.position]).toEqual([name, head]);
      }
    } finally {
      await store.close();
    }
  }, 180_000);
});
