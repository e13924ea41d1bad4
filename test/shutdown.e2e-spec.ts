import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createEventStore } from '@timeline/event-store';
import { postJson, startApiProcess } from './support/api-process';
import { bearerFor } from './support/auth.tokens';

interface Answer {
  readonly status: number | 'refused';
  readonly body: string;
  /** When the answer came, relative to the moment SIGTERM was sent (negative: before). */
  readonly afterSignalMs: number;
}

/** One request on its own connection (no keep-alive), so that a closed server shows as refused. */
/** A POST, with when its answer came relative to `signalAt()`. */
async function post(
  port: number,
  path: string,
  payload: unknown,
  token: string,
  signalAt: () => number | null,
): Promise<Answer> {
  const answer = await postJson(port, path, payload, token);
  const afterSignalMs = Date.now() - (signalAt() ?? Date.now());
  return answer === 'refused' ? { status: 'refused', body: '', afterSignalMs } : { ...answer, afterSignalMs };
}

describe('SIGTERM', () => {
  let dataDir: string;
  let server: ChildProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'timeline-shutdown-'));
  });

  afterAll(() => {
    // A failed run must not leave its server behind.
    if (server !== undefined && server.exitCode === null && server.signalCode === null)
      server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops accepting requests, finishes the appends in flight and closes the store cleanly', async () => {
    const output: string[] = [];
    const { child, port } = await startApiProcess(dataDir, output);
    server = child;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const token = bearerFor({ role: 'recorder', agency: 'NCA', subject: 'recorder@nca' });
    let signalledAt: number | null = null;
    const launched = await post(
      port,
      '/operations/venetic/events',
      {
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
      },
      token,
      () => signalledAt,
    );
    expect(launched.status).toBe(201);

    const raid = (index: number) => ({
      events: [
        {
          type: 'RaidConducted',
          occurredAt: '2020-06-15T05:30:00Z',
          data: {
            raidId: `RAID-${index}`,
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
    const answers = Array.from({ length: 60 }, (_, index) =>
      post(port, '/operations/venetic/events', raid(index), token, () => signalledAt).then((answer) => ({
        index,
        ...answer,
      })),
    );
    // Signal as soon as the first answer is in: most of the others are still being served.
    await Promise.race(answers);
    signalledAt = Date.now();
    child.kill('SIGTERM');
    const settled = await Promise.all(answers);
    const afterSignal = await post(port, '/operations/venetic/events', raid(999), token, () => signalledAt);
    const exit = await exited;

    // Nest re-raises the signal once shut down: the process ends by SIGTERM (or exit code 0).
    expect(exit.signal === 'SIGTERM' || exit.code === 0).toBe(true);
    // A request after the signal is turned away: refused, or 503 while the server is closing.
    expect(['refused', 503]).toContain(afterSignal.status);
    const acknowledged = settled.filter((answer) => answer.status === 201);
    // Every answer is an acknowledgement, a refusal to connect, or a 503 of a closing server: never a torn request.
    for (const answer of settled) expect([201, 503, 'refused']).toContain(answer.status);
    // Appends in flight when the signal came were finished and acknowledged.
    expect(acknowledged.filter((answer) => answer.afterSignalMs >= 0).length).toBeGreaterThan(0);
    expect(output.some((line) => line.includes('"level":"error"'))).toBe(false);

    // The process re-raised SIGTERM only after every shutdown hook (the store's close among them) resolved;
    // the file is sound and holds exactly the acknowledged events.
    const file = join(dataDir, 'events.db');
    const database = new Database(file, { readonly: true });
    try {
      expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      database.close();
    }
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      const events = await store.readStream('operation-venetic');
      const stored = events
        .slice(1)
        .map((event) => event.data['raidId'])
        .sort();
      expect(stored).toEqual(acknowledged.map((answer) => `RAID-${answer.index}`).sort());
      expect(events.map((event) => event.revision)).toEqual(events.map((_, index) => index));
    } finally {
      await store.close();
    }
  }, 60_000);
});
