import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStoreUnavailableError, type EventStore } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { aHistory, appendSealed } from '@timeline/integrity/testing/sealed-history.fixture';
import { runCli } from './cli';
import type { EventStoreOptions } from '@timeline/event-store';
import type { CliContext } from './cli-command';

interface Run {
  code: number;
  out: string;
  err: string;
}

function contextFor(
  store: EventStore | (() => Promise<EventStore>),
  cwd: string,
  opened: EventStoreOptions[] = [],
): { context: CliContext; output: { out: string; err: string } } {
  const output = { out: '', err: '' };
  const context: CliContext = {
    out: (text) => (output.out += text),
    err: (text) => (output.err += text),
    env: {},
    cwd,
    now: () => new Date('2020-07-02T12:00:00.000Z'),
    user: 'disclosure-officer-1',
    software: { name: 'operation-timeline', version: '0.1.0' },
    openStore: async (target) => {
      opened.push(target);
      // Each command opens (and closes) a store of its own, as against a real data directory.
      if (typeof store === 'function') return store();
      return store instanceof InMemoryEventStore ? store.connection() : store;
    },
    progress: () => ({ update: () => undefined, stop: () => undefined }),
    fetch: () => Promise.reject(new Error('no network in this test')),
  };
  return { context, output };
}

describe('the CLI', () => {
  let dir: string;
  let store: InMemoryEventStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-cli-'));
    // The commands refuse a data directory without a store file; the double stands in for its content.
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'events.db'), '');
    store = new InMemoryEventStore();
    await appendSealed(store, 'venetic', aHistory('venetic', 5));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function run(argv: string[], opened?: EventStoreOptions[]): Promise<Run> {
    const { context, output } = contextFor(store, dir, opened);
    const code = await runCli(argv, context);
    return { code, ...output };
  }

  it('lists its commands with --help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['verify', 'export', 'verify-export']) expect(result.out).toContain(`  ${name} `);
  });

  it('exits 2 on usage errors', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['verify', '--page-size', 'ten'])).code).toBe(2);
    expect((await run(['verify', '--threads', '0'])).code).toBe(2);
    const exported = await run(['export']);
    expect([exported.code, exported.err]).toEqual([
      2,
      'error: give exactly one of --operation <id> or --all\n',
    ]);
    expect((await run(['verify', '--data-dir', 'a', '--eventstore-url', 'esdb://x:2113'])).code).toBe(2);
    // The store's settings are read as the api reads them, flags laid over the environment.
    const notAStore = await run(['verify', '--eventstore-url', 'http://x:2113']);
    expect([notAStore.code, notAStore.err]).toEqual([
      2,
      'error: EVENTSTORE_URL must be an esdb:// or kurrentdb:// connection string; got "http://x:2113"\n',
    ]);
  });

  it('verifies an intact operation and the whole log, exit 0, from the default data directory', async () => {
    const opened: EventStoreOptions[] = [];
    const one = await run(['verify', '--operation', 'venetic'], opened);
    expect([one.code, one.out]).toEqual([
      0,
      `OK: operation venetic: 5 events, chain head revision 4 ${store.log[4].metadata.hash}\n`,
    ]);
    const all = await run(['verify']);
    expect([all.code, all.out]).toEqual([
      0,
      `OK: 5 events in 1 operations, up to position 5\n  venetic: head revision 4 ${store.log[4].metadata.hash}\n`,
    ]);
    expect(opened).toEqual([
      { kind: 'sqlite', file: join(dir, 'data', 'events.db'), maxQueuedEvents: 20_000 },
    ]);
  });

  it('names the broken link and exits 1', async () => {
    store.log[2] = { ...store.log[2], data: { ...store.log[2].data, force: 'XXX' } };
    const result = await run(['verify', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({
      ok: false,
      events: 2,
      brokenAt: {
        operationId: 'venetic',
        revision: 2,
        eventId: store.log[2].eventId,
        position: '3',
        reason: 'hash-mismatch',
      },
    });
  });

  it('exits 4 for an unknown operation and 3 when the store is unavailable', async () => {
    const unknown = await run(['verify', '--operation', 'nowhere']);
    expect([unknown.code, unknown.err]).toEqual([4, 'error: Stream operation-nowhere does not exist\n']);
    const { context, output } = contextFor(
      () => Promise.reject(new EventStoreUnavailableError('connection refused')),
      dir,
    );
    expect(await runCli(['verify'], context)).toBe(3);
    expect(output.err).toBe('error: The event store is unavailable: connection refused\n');
  });

  it('exports an operation to two files that verify-export accepts offline', async () => {
    const exported = await run(['export', '--operation', 'venetic', '--out', 'venetic-2020-07-02']);
    expect(exported.code).toBe(0);
    const ndjson = join(dir, 'venetic-2020-07-02.ndjson');
    const manifest = JSON.parse(await readFile(join(dir, 'venetic-2020-07-02.manifest.json'), 'utf8'));
    expect([manifest.events, manifest.exportedBy, manifest.exportedAt, manifest.software]).toEqual([
      5,
      'disclosure-officer-1',
      '2020-07-02T12:00:00.000Z',
      { name: 'operation-timeline', version: '0.1.0' },
    ]);
    expect(exported.out.split('\n')[0]).toBe(
      `wrote ${ndjson} (5 events, ${manifest.ndjson.bytes} bytes, sha256 ${manifest.ndjson.sha256})`,
    );

    const again = await run(['export', '--operation', 'venetic', '--out', 'venetic-2020-07-02']);
    expect([again.code, again.err]).toEqual([2, `error: ${ndjson} already exists; choose another --out\n`]);

    const verified = await run(['verify-export', ndjson]);
    expect([verified.code, verified.out.split('\n')[0]]).toEqual([
      0,
      `OK: ${ndjson}: 5 events, sha256 ${manifest.ndjson.sha256}`,
    ]);

    const text = await readFile(ndjson, 'utf8');
    await writeFile(ndjson, text.replace('"ARR-1"', '"ARR-7"'));
    const tampered = await run(['verify-export', join(dir, 'venetic-2020-07-02.manifest.json')]);
    expect(tampered.code).toBe(1);
    const lines = tampered.out.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `FAILED: ${ndjson}`,
      `  chain-broken (line 2): chain of venetic broken at revision 1 (event ${store.log[1].eventId}): hash-mismatch`,
      `  sha256-mismatch: the events hash to ${createHash('sha256')
        .update(await readFile(ndjson))
        .digest('hex')}, the manifest says ${manifest.ndjson.sha256}`,
    ]);
    expect(lines[3]).toMatch(
      /^ {2}chain-heads-mismatch: the chains recomputed from the file \(\{"brokenAt":\{.*"revision":1\}\}\) differ from the manifest's$/,
    );
    expect(lines.slice(4)).toEqual(['']);
  });

  it('verify --against an earlier export reveals events removed from the end since, exit 1', async () => {
    expect((await run(['export', '--operation', 'venetic', '--out', 'before'])).code).toBe(0);
    const intact = await run(['verify', '--operation', 'venetic', '--against', 'before.manifest.json']);
    expect([intact.code, intact.out.split('\n')[1]]).toEqual([
      0,
      `  anchor venetic revision 4 ${store.log[4].metadata.hash}: present`,
    ]);
    store.log.pop();
    const truncated = await run(['verify', '--operation', 'venetic', '--against', 'before.manifest.json']);
    expect([truncated.code, truncated.out]).toEqual([
      1,
      `OK: operation venetic: 4 events, chain head revision 3 ${store.log[3].metadata.hash}\n` +
        `MISSING: anchor venetic revision 4 ${JSON.parse(await readFile(join(dir, 'before.manifest.json'), 'utf8')).chain.heads[0].hash}: the store no longer holds that revision (events removed since)\n`,
    ]);
    expect((await run(['verify', '--against', 'nothing.manifest.json'])).code).toBe(4);
  });

  it('names the default export files after the operation and the time, and exits 4 for a missing export file', async () => {
    expect((await run(['export', '--all'])).code).toBe(0);
    expect((await run(['verify-export', 'export-log-20200702T120000Z.ndjson'])).code).toBe(0);
    const missing = await run(['verify-export', 'nothing.ndjson']);
    expect([missing.code, missing.err]).toEqual([4, `error: no such file: ${join(dir, 'nothing.ndjson')}\n`]);
  });
});
