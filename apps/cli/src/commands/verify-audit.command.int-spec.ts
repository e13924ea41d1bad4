import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEventStore, type EventStore } from '@timeline/event-store';
import { anAudit } from '@timeline/integrity/testing/access-audit.fixture';
import { fixedEventId } from '@timeline/integrity/testing/sealed-history.fixture';
import { EventStoreDbTestServer } from '../../../../test/support/eventstoredb-test-server/eventstoredb-test-server';
import { runCli } from '../cli';
import type { CliContext } from '../cli-command';
import { openStore } from '../cli-context';

jest.setTimeout(60_000);

async function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const output = { out: '', err: '' };
  const context: CliContext = {
    out: (text) => (output.out += text),
    err: (text) => (output.err += text),
    env: {},
    cwd,
    now: () => new Date('2020-07-02T12:00:00.000Z'),
    user: 'ipco-inspector',
    software: { name: 'operation-timeline', version: '0.1.0' },
    openStore,
    progress: () => ({ update: () => undefined, stop: () => undefined }),
    fetch: () => Promise.reject(new Error('no network in this test')),
  };
  const code = await runCli(argv, context);
  return { code, ...output };
}

/** Rewrites every occurrence of `needle` (at least one) in place, keeping the length. */
function patch(bytes: Uint8Array, needle: string, replacement: string): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = buffer.indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  // The file may hold a stale copy of a page too (a freed page): an attacker would change both.
  for (; at >= 0; at = buffer.indexOf(needle, at + 1)) buffer.write(replacement, at);
}

describe('cli verify-audit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-verify-audit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('verifies the embedded audit beside the store and names a record altered in its file', async () => {
    const file = join(dir, 'data', 'access-audit.db');
    const store = await createEventStore({ kind: 'sqlite', file });
    await anAudit(store, 9);
    const head = await store.readStream('access-audit', { direction: 'backwards', maxCount: 1 });
    await store.close();

    const intact = await run(['verify-audit'], dir);
    expect([intact.code, intact.out]).toEqual([
      0,
      `OK: 9 access records, chain head sequence 8 ${String(head[0].metadata['hash'])}\n`,
    ]);

    // Fold the WAL into the main file, then alter one record's bytes as someone with the file could.
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = await readFile(file);
    patch(bytes, '/operations/venetic/events?page=5"', '/operations/alpha!!/events?page=5"');
    await writeFile(file, bytes);

    const broken = await run(['verify-audit', '--data-dir', 'data', '--json'], dir);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.out)).toMatchObject({
      ok: false,
      records: 5,
      brokenAt: { sequence: 5, eventId: fixedEventId(7, 5), reason: 'hash-mismatch' },
    });
    const text = await run(['verify-audit'], dir);
    expect(text.out).toMatch(
      new RegExp(
        `^BROKEN: access audit record 5, event ${fixedEventId(7, 5)}: hash-mismatch .*; 5 records verified before it\n$`,
      ),
    );
  });

  it('exits 3 naming the directory when there is no embedded audit', async () => {
    const result = await run(['verify-audit', '--data-dir', 'nowhere'], dir);
    expect([result.code, result.err]).toEqual([
      3,
      `error: The event store is unavailable: no access audit in ${join(dir, 'nowhere')} (no access-audit.db)\n`,
    ]);
  });

  describe('on EventStoreDB', () => {
    let server: EventStoreDbTestServer;
    let store: EventStore;
    beforeEach(async () => {
      server = await EventStoreDbTestServer.start();
      store = await createEventStore({ kind: 'eventstoredb', connectionString: server.connectionString });
    });
    afterEach(async () => {
      await store.close();
      await server.stop();
    });

    it("verifies the cluster's access-audit stream and names a record altered on the server", async () => {
      await anAudit(store, 7, 2);
      const intact = await run(['verify-audit', '--eventstore-url', server.connectionString], dir);
      expect(intact.code).toBe(0);
      expect(intact.out).toMatch(/^OK: 7 access records, chain head sequence 6 [0-9a-f]{64}\n$/);

      // The record as the server keeps it: its bytes changed in place, its length kept.
      const stored = server.log.stream('access-audit')!;
      patch(stored[3].data, '"outcome":"granted"', '"outcome":"denied!"');
      const broken = await run(['verify-audit', '--eventstore-url', server.connectionString, '--json'], dir);
      expect(broken.code).toBe(1);
      expect(JSON.parse(broken.out)).toMatchObject({
        ok: false,
        records: 3,
        brokenAt: { sequence: 3, eventId: fixedEventId(7, 3), reason: 'hash-mismatch' },
      });
    });
  });
});
