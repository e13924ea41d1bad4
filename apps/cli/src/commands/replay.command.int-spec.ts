import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentVersionOf, isEventType } from '@timeline/events';
import type { UnsealedEvent } from '@timeline/integrity';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { appendSealed } from '@timeline/integrity/testing/sealed-history.fixture';
import { veneticScenario } from '@timeline/projections/testing/venetic.scenario';
import { eventIdOf } from '@timeline/projections/testing/timeline-event.builders';
import { runCli } from '../cli';
import { eventsFromStore, replayPicture } from '../replay/replay';
import type { CliContext } from '../cli-command';

/** The projections' Venetic scenario, sealed and appended as the write path would. */
function scenarioEvents(operationId = 'venetic', firstId = 1): UnsealedEvent[] {
  return veneticScenario().map((spec, index) => ({
    eventId:
      operationId === 'venetic' ? (spec.eventId ?? eventIdOf(index + firstId)) : eventIdOf(index + firstId),
    type: spec.type,
    data: spec.data,
    envelope: {
      schemaVersion: spec.schemaVersion ?? (isEventType(spec.type) ? currentVersionOf(spec.type) : 1),
      operationId,
      occurredAt: spec.occurredAt!,
      recordedAt: spec.recordedAt!,
      recordedBy: spec.recordedBy!,
      agency: spec.agency!,
      correlationId: `corr-${index}`,
      causationId: null,
      classification: spec.classification ?? 'OFFICIAL-SENSITIVE',
    },
  }));
}

describe('cli replay', () => {
  let dir: string;
  let store: InMemoryEventStore;
  let responses: { status: number; body: unknown }[];
  let requests: { url: string; authorization: string | null }[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-replay-'));
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'events.db'), '');
    store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', scenarioEvents());
    responses = [];
    requests = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const output = { out: '', err: '' };
    const context: CliContext = {
      out: (text) => (output.out += text),
      err: (text) => (output.err += text),
      env: { TIMELINE_TOKEN: 'token-from-env' },
      cwd: dir,
      now: () => new Date('2020-07-02T12:00:00.000Z'),
      user: 'auditor-1',
      software: { name: 'operation-timeline', version: '0.1.0' },
      // Each command opens (and closes) a store of its own, as against a real data directory.
      openStore: async () => store.connection(),
      progress: () => ({ update: () => undefined, stop: () => undefined }),
      fetch: async (input, init) => {
        requests.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization') });
        const next = responses.shift();
        if (!next) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
        return new Response(JSON.stringify(next.body), {
          status: next.status,
          headers: { 'content-type': 'application/json' },
        });
      },
    };
    const code = await runCli(argv, context);
    return { code, ...output };
  }

  it('replays the store into a fresh picture with the scenario’s totals', async () => {
    const result = await run(['replay', '--operation', 'venetic']);
    expect(result.code).toBe(0);
    expect(result.err).toBe(`replayed 21 events up to position 21\n`);
    const picture = JSON.parse(result.out);
    expect([picture.scope, picture.operationId, picture.asOf]).toEqual([
      'operation',
      'venetic',
      { position: '21', eventCount: 21, lastRecordedAt: store.log[20].metadata.recordedAt },
    ]);
    expect([
      picture.totals.arrests,
      picture.totals.raids.total,
      picture.totals.cash,
      picture.totals.firearms.rounds,
    ]).toEqual([3, 2, { pence: 5_400_000, pounds: '54000.00' }, 40]);
    expect(picture.totals.drugs.byType.cocaine.kg).toBe(2.5);
    const national = await run(['replay']);
    expect(JSON.parse(national.out).scope).toBe('national');
  });

  it('replays an export file to the same picture as the store', async () => {
    const fromStore = await run(['replay', '--operation', 'venetic']);
    expect((await run(['export', '--operation', 'venetic', '--out', 'venetic'])).code).toBe(0);
    const fromExport = await run(['replay', '--operation', 'venetic', '--from-export', 'venetic.ndjson']);
    expect([fromExport.code, fromExport.out]).toEqual([0, fromStore.out]);
  });

  it('refuses to replay an export that does not verify', async () => {
    expect((await run(['export', '--all', '--out', 'log'])).code).toBe(0);
    await writeFile(join(dir, 'log.ndjson'), '{"tampered":true}\n', { flag: 'a' });
    const result = await run(['replay', '--from-export', 'log.ndjson']);
    expect([result.code, result.out]).toEqual([1, '']);
    expect(result.err).toMatch(
      /^error: the export does not verify \(line-unparsable, sha256-mismatch, size-mismatch\)/,
    );
  });

  it('compares with the server’s picture at the position the server reflects', async () => {
    // The server has applied the first 10 events only: the replay stops there too.
    const atTen = JSON.parse((await run(['replay', '--operation', 'venetic'])).out);
    const early = new InMemoryEventStore();
    await appendSealed(early, 'venetic', scenarioEvents().slice(0, 10));
    const serverStore = store;
    store = early;
    const serverPicture = JSON.parse((await run(['replay', '--operation', 'venetic'])).out);
    store = serverStore;
    expect(serverPicture.asOf.position).toBe('10');
    expect(atTen).not.toEqual(serverPicture);

    const me = { status: 200, body: { subject: 'auditor-1', agency: 'NCA', roles: ['auditor'] } };
    responses.push({ status: 200, body: serverPicture }, me);
    const equal = await run(['replay', '--operation', 'venetic', '--compare', 'http://localhost:3000/']);
    expect([equal.code, equal.out]).toEqual([
      0,
      'EQUAL: the replayed picture (10 events, up to position 10) equals http://localhost:3000/operations/venetic/picture\n',
    ]);
    expect(requests).toEqual([
      { url: 'http://localhost:3000/operations/venetic/picture', authorization: 'Bearer token-from-env' },
      { url: 'http://localhost:3000/auth/me', authorization: 'Bearer token-from-env' },
    ]);

    responses.push(
      {
        status: 200,
        body: { ...serverPicture, totals: { ...serverPicture.totals, arrests: 99 } },
      },
      me,
    );
    const different = await run([
      'replay',
      '--operation',
      'venetic',
      '--compare',
      'http://localhost:3000',
      '--token',
      't',
    ]);
    expect([different.code, different.out]).toEqual([
      1,
      'DIFFERENT: the replayed picture (10 events, up to position 10) differs from http://localhost:3000/operations/venetic/picture\n' +
        `  $.totals.arrests (${serverPicture.totals.arrests} vs 99)\n`,
    ]);
  });

  it('exits 4 when the server does not know the operation, 3 when it cannot be reached, 2 when it refuses the token', async () => {
    responses.push({ status: 404, body: { code: 'projections.unknown-operation' } });
    const missing = await run(['replay', '--operation', 'venetic', '--compare', 'http://localhost:3000']);
    expect([missing.code, missing.err]).toEqual([
      4,
      'error: http://localhost:3000/operations/venetic/picture answered 404: {"code":"projections.unknown-operation"}\n',
    ]);
    const down = await run(['replay', '--compare', 'http://localhost:3000']);
    expect([down.code, down.err]).toEqual([
      3,
      'error: cannot reach http://localhost:3000/picture: ECONNREFUSED\n',
    ]);
    responses.push({ status: 401, body: {} });
    expect((await run(['replay', '--compare', 'http://localhost:3000'])).code).toBe(2);
    expect((await run(['replay', '--compare', 'localhost:3000'])).code).toBe(2);
  });

  it('compares the national picture over the operations the token’s agency takes part in, as it may see them', async () => {
    // The scenario's events name each other by id: the second operation's copy refers to ids of its own.
    const other = scenarioEvents('other', 1_000).map((event) => ({
      ...event,
      data: JSON.parse(
        JSON.stringify(event.data).replace(/00000000-0000-4000-8000-0000000000(..)/g, (_, n: string) =>
          eventIdOf(parseInt(n, 16) - 1 + 1_000),
        ),
      ),
    }));
    await appendSealed(store, 'other', other);
    const server = await replayPicture(eventsFromStore(store.connection()), {
      operationIds: new Set(['venetic']),
      viewer: { agency: 'NWP' },
    });
    responses.push(
      { status: 200, body: server.picture },
      { status: 200, body: { subject: 'auditor-nwp', agency: 'NWP', roles: ['auditor'] } },
      { status: 200, body: { operations: [{ operationId: 'venetic' }] } },
    );
    const compared = await run(['replay', '--compare', 'http://localhost:3000']);
    expect([compared.code, compared.out]).toEqual([
      0,
      `EQUAL: the replayed picture (42 events, up to position 42) equals http://localhost:3000/picture\n`,
    ]);
    expect(requests.map((request) => request.url)).toEqual([
      'http://localhost:3000/picture',
      'http://localhost:3000/auth/me',
      'http://localhost:3000/operations',
    ]);
    // NWP may not see the scenario's C-coded report: it is withheld in the national picture too.
    expect(
      (server.picture as { totals: { intelligence: { withheld: number } } }).totals.intelligence.withheld,
    ).toBe(1);
  });
});
