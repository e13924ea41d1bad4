import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import fc from 'fast-check';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { createEventStore } from '@timeline/event-store';
import { aHistory, anUnsealedEvent, appendSealed, fixedEventId } from '../testing/sealed-history.fixture';
import { exportFilePaths, writeExportFiles } from './export-files';
import { exportPartsOnThreads } from './export-threads';
import { verifyExportFiles } from './export-verifier';

jest.setTimeout(120_000);

const provenance = {
  exportedAt: '2020-07-02T12:00:00.000Z',
  exportedBy: 'auditor-ipco-1',
  software: { name: 'operation-timeline', version: '0.1.0' },
};

/**
 * An operation exported on threads, each sending the lines of its ranges to
 * the calling thread, is byte for byte the export one thread writes, manifest included, on an
 * intact store and on a tampered one.
 */
describe('exporting an operation on threads (embedded store)', () => {
  let dir: string;
  let file: string;
  let eventIds: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-export-threads-'));
    file = join(dir, 'events.db');
    const store = await createEventStore({ kind: 'sqlite', file });
    // Other event types and another operation interleaved, so counts and positions are not trivial.
    const sealed = await appendSealed(store, 'venetic', [
      anUnsealedEvent('venetic', 0, {
        type: 'OperationLaunched',
        data: { codename: 'VENETIC', leadAgency: 'NCA' },
        eventId: fixedEventId(2, 0),
      }),
      ...aHistory('venetic', 600, 1),
    ]);
    await appendSealed(store, 'alpha', aHistory('alpha', 20));
    sealed.push(...(await appendSealed(store, 'venetic', aHistory('venetic', 399, 601))));
    await store.close();
    eventIds = sealed.map((event) => event.eventId);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function bothExports(threads: number) {
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      const scope = { kind: 'operation', operationId: 'venetic' } as const;
      const one = exportFilePaths(join(dir, `one-${threads}`));
      const many = exportFilePaths(join(dir, `many-${threads}`));
      await writeExportFiles(store, scope, { ...provenance, pageSize: 64 }, one);
      await writeExportFiles(
        store,
        scope,
        { ...provenance, pageSize: 64, threads: { store: { kind: 'sqlite', file }, threads, minEvents: 0 } },
        many,
      );
      return {
        one: [await readFile(one.ndjsonPath), await readFile(one.manifestPath, 'utf8')] as const,
        many: [await readFile(many.ndjsonPath), await readFile(many.manifestPath, 'utf8')] as const,
        many_: many,
      };
    } finally {
      await store.close();
    }
  }

  it.each([2, 3, 7])('writes the same bytes and manifest as one thread, with %i threads', async (threads) => {
    const { one, many, many_ } = await bothExports(threads);
    expect(many[0].equals(one[0])).toBe(true);
    expect(many[1]).toBe(one[1]);
    expect(JSON.parse(many[1])).toMatchObject({ events: 1000, chain: { intact: true } });
    expect((await verifyExportFiles(many_)).ok).toBe(true);
    // No partial file is left behind.
    expect((await readdir(dir)).filter((name) => name.includes('.partial'))).toEqual([]);
  });

  it('fails with the threads’ error and leaves no file behind when a thread cannot open the store', async () => {
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      const paths = exportFilePaths(join(dir, 'failed'));
      await expect(
        writeExportFiles(
          store,
          { kind: 'operation', operationId: 'venetic' },
          {
            ...provenance,
            threads: {
              store: { kind: 'sqlite', file: join(dir, 'missing', 'events.db') },
              threads: 3,
              minEvents: 0,
            },
          },
          paths,
        ),
      ).rejects.toMatchObject({ code: 'integrity.verification-thread-failed' });
      expect((await readdir(dir)).filter((name) => name.startsWith('failed'))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('fails with the error of the one thread that failed, after others sent their lines, and leaves no export', async () => {
    // An event of the last range the store can no longer read: that thread fails; the others export theirs.
    const db = new Database(file);
    db.exec('DROP TRIGGER events_are_immutable_update');
    db.prepare(`UPDATE events SET data = '{"damaged' WHERE event_id = ?`).run(eventIds[990]);
    db.close();
    const paths = exportFilePaths(join(dir, 'failed'));
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      await expect(
        writeExportFiles(
          store,
          { kind: 'operation', operationId: 'venetic' },
          {
            ...provenance,
            pageSize: 16,
            threads: { store: { kind: 'sqlite', file }, threads: 2, minEvents: 0 },
          },
          paths,
        ),
      ).rejects.toMatchObject({
        code: 'integrity.verification-thread-failed',
        message: expect.stringContaining('at or after revision 990'),
      });
      expect((await readdir(dir)).filter((name) => name.startsWith('failed'))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('ends with the file’s own error when writing fails', async () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    let writes = 0;
    const out = new Writable({
      write(_chunk, _encoding, callback) {
        writes += 1;
        callback(full);
      },
    });
    const ranges = [0, 250, 500, 750].map((from) => ({ from, to: from + 250 }));
    await expect(
      exportPartsOnThreads(
        { store: { kind: 'sqlite', file, readOnly: true }, operationId: 'venetic', pageSize: 64 },
        ranges,
        2,
        out,
      ),
    ).rejects.toBe(full);
    // Nothing was written after the first failed write.
    expect(writes).toBe(1);
  });

  it('writes the same bytes and manifest as one thread over a tampered chain', async () => {
    const db = new Database(file);
    db.exec('DROP TRIGGER events_are_immutable_update');
    db.exec('DROP TRIGGER events_are_immutable_delete');
    db.prepare(`UPDATE events SET data = json_set(data, '$.subjectId', 'SUBJ-X') WHERE event_id = ?`).run(
      eventIds[700],
    );
    db.prepare('DELETE FROM events WHERE event_id = ?').run(eventIds[333]);
    db.close();
    const { one, many } = await bothExports(3);
    expect(many[0].equals(one[0])).toBe(true);
    expect(many[1]).toBe(one[1]);
    expect(JSON.parse(many[1]).chain).toMatchObject({
      intact: false,
      brokenAt: { revision: 334, reason: 'revision-gap' },
    });
  });
});

/**
 * Over random lengths and thread counts, down to ranges of one event (more
 * ranges wanted than there are events), the parts joined as they finish give
 * the bytes and manifest of one thread.
 */
describe('exporting an operation on threads, any length (embedded store)', () => {
  it('writes the same bytes and manifest as one thread', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 2, max: 4 }),
        async (events, threads) => {
          const dir = await mkdtemp(join(tmpdir(), 'timeline-export-threads-any-'));
          const file = join(dir, 'events.db');
          try {
            const store = await createEventStore({ kind: 'sqlite', file });
            try {
              await appendSealed(store, 'venetic', aHistory('venetic', events), 7);
              const scope = { kind: 'operation', operationId: 'venetic' } as const;
              const one = exportFilePaths(join(dir, 'one'));
              const many = exportFilePaths(join(dir, 'many'));
              await writeExportFiles(store, scope, { ...provenance, pageSize: 5 }, one);
              await writeExportFiles(
                store,
                scope,
                {
                  ...provenance,
                  pageSize: 5,
                  threads: { store: { kind: 'sqlite', file }, threads, minEvents: 0 },
                },
                many,
              );
              expect((await readFile(many.ndjsonPath)).equals(await readFile(one.ndjsonPath))).toBe(true);
              expect(await readFile(many.manifestPath, 'utf8')).toBe(
                await readFile(one.manifestPath, 'utf8'),
              );
              expect((await readdir(dir)).filter((name) => name.includes('.partial'))).toEqual([]);
            } finally {
              await store.close();
            }
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 6 },
    );
  });
});
