import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, type EventStore } from '@timeline/event-store';
import { canonicalJson } from '@timeline/kernel';
import { EventStoreDbTestServer } from '../../../../test/support/eventstoredb-test-server/eventstoredb-test-server';
import { computeEventHash, sealEvents, toEventToAppend } from '../chain/hash-chain';
import { toTimelineEvent } from '../events/timeline-event.mapper';
import { exportFilePaths, writeExportFiles } from '../export/export-files';
import { verifyExportFiles } from '../export/export-verifier';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { verifyLog, verifyOperationStream } from './store-verification';

jest.setTimeout(60_000);

const provenance = {
  exportedAt: '2020-07-02T12:00:00.000Z',
  exportedBy: 'auditor-ipco-1',
  software: { name: 'operation-timeline', version: '0.1.0' },
};

/** Verification and export run over the port, so EventStoreDB (its gRPC protocol test server) gives the same verdicts. */
describe('verification and export over EventStoreDB', () => {
  let server: EventStoreDbTestServer;
  let store: EventStore;
  let dir: string;

  beforeEach(async () => {
    server = await EventStoreDbTestServer.start();
    store = await createEventStore({ kind: 'eventstoredb', connectionString: server.connectionString });
    dir = await mkdtemp(join(tmpdir(), 'timeline-verify-esdb-'));
  });
  afterEach(async () => {
    await store.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('verifies intact chains and exports them in lines that verify offline', async () => {
    const venetic = await appendSealed(store, 'venetic', aHistory('venetic', 30), 9);
    const alpha = await appendSealed(store, 'alpha', aHistory('alpha', 5));
    await store.append('not-an-operation', [
      { eventId: '0190a6f0-0000-7000-8000-00000000eeee', type: 'Other', data: {}, metadata: {} },
    ]);

    const stream = await verifyOperationStream(store, 'venetic', { pageSize: 7 });
    expect(stream).toEqual({
      ok: true,
      operationId: 'venetic',
      events: 30,
      head: { revision: 29, hash: venetic[29].envelope.hash },
    });
    const log = await verifyLog(store, { pageSize: 4 });
    expect(log.ok && [log.events, log.streams]).toEqual([
      35,
      [
        { operationId: 'alpha', revision: 4, hash: alpha[4].envelope.hash },
        { operationId: 'venetic', revision: 29, hash: venetic[29].envelope.hash },
      ],
    ]);

    const paths = exportFilePaths(join(dir, 'venetic'));
    const manifest = await writeExportFiles(
      store,
      { kind: 'operation', operationId: 'venetic' },
      { ...provenance, pageSize: 7 },
      paths,
    );
    const stored = await store.readStream('operation-venetic', { direction: 'forwards' });
    expect(await readFile(paths.ndjsonPath, 'utf8')).toBe(
      stored.map((event) => `${canonicalJson(toTimelineEvent(event))}\n`).join(''),
    );
    expect(manifest.chain).toEqual({
      intact: true,
      heads: [{ operationId: 'venetic', revision: 29, hash: venetic[29].envelope.hash }],
    });
    const offline = await verifyExportFiles(paths);
    expect([offline.ok, offline.problems, offline.recomputed.events]).toEqual([true, [], 30]);
  });

  it('names the event whose content no longer matches its hash, in the verdict and the export', async () => {
    const [first, second, third] = sealEvents(null, 0, aHistory('bravo', 3));
    const altered = { ...second, data: { ...second.data, arrestee: 'someone else' } };
    await store.append('operation-bravo', [first, altered, third].map(toEventToAppend));

    const brokenAt = {
      operationId: 'bravo',
      revision: 1,
      eventId: second.eventId,
      position: expect.any(String),
      reason: 'hash-mismatch',
      expected: computeEventHash(altered),
      actual: second.envelope.hash,
    };
    expect(await verifyOperationStream(store, 'bravo', { pageSize: 2 })).toEqual({
      ok: false,
      operationId: 'bravo',
      events: 1,
      brokenAt,
    });
    const manifest = await writeExportFiles(
      store,
      { kind: 'operation', operationId: 'bravo' },
      provenance,
      exportFilePaths(join(dir, 'bravo')),
    );
    expect(manifest.chain).toEqual({ intact: false, brokenAt });
  });

  it('verifies and exports on threads, each opening its own connection, as on one thread', async () => {
    const events = aHistory('charlie', 60);
    const sealed = sealEvents(null, 0, events);
    const altered = sealed.map((event, index) =>
      index === 41 ? { ...event, data: { ...event.data, arrestee: 'someone else' } } : event,
    );
    await store.append('operation-charlie', altered.map(toEventToAppend));
    const threads = {
      store: { kind: 'eventstoredb' as const, connectionString: server.connectionString },
      threads: 3,
      minEvents: 0,
    };
    const single = await verifyOperationStream(store, 'charlie', { pageSize: 7 });
    expect(!single.ok && [single.events, single.brokenAt.revision, single.brokenAt.reason]).toEqual([
      41,
      41,
      'hash-mismatch',
    ]);
    expect(await verifyOperationStream(store, 'charlie', { pageSize: 7, threads })).toEqual(single);

    const scope = { kind: 'operation', operationId: 'charlie' } as const;
    const one = exportFilePaths(join(dir, 'one'));
    const many = exportFilePaths(join(dir, 'many'));
    await writeExportFiles(store, scope, { ...provenance, pageSize: 7 }, one);
    await writeExportFiles(store, scope, { ...provenance, pageSize: 7, threads }, many);
    expect(await readFile(many.ndjsonPath, 'utf8')).toBe(await readFile(one.ndjsonPath, 'utf8'));
    expect(await readFile(many.manifestPath, 'utf8')).toBe(await readFile(one.manifestPath, 'utf8'));
  });
});
