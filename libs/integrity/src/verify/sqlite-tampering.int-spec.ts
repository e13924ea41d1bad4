import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEventStore, type EventStore } from '@timeline/event-store';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { verifyLog, verifyOperationStream } from './store-verification';

/**
 * What an attacker with access to the embedded store's file can do, done to a
 * real SQLite file: patch bytes of the file itself, or drop the immutability
 * triggers and delete a row. Verification must name the damaged place.
 */
describe('verification of a tampered SQLite store', () => {
  let dir: string;
  let file: string;
  let hashes: string[];
  let eventIds: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-tamper-'));
    file = join(dir, 'events.db');
    const store = await createEventStore({ kind: 'sqlite', file });
    const sealed = await appendSealed(store, 'venetic', aHistory('venetic', 12), 5);
    await appendSealed(store, 'alpha', aHistory('alpha', 3));
    await store.close();
    hashes = sealed.map((event) => event.envelope.hash);
    eventIds = sealed.map((event) => event.eventId);
    // Fold the WAL into the main file so the rows sit in its pages.
    const db = new Database(file);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function withStore<T>(work: (store: EventStore) => Promise<T>): Promise<T> {
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  }

  it('verifies the untouched file', async () => {
    const result = await withStore((store) => verifyOperationStream(store, 'venetic', { pageSize: 4 }));
    expect(result).toEqual({
      ok: true,
      operationId: 'venetic',
      events: 12,
      head: { revision: 11, hash: hashes[11] },
    });
  });

  it('names the event of which one byte was changed in the file', async () => {
    const bytes = await readFile(file);
    const needle = Buffer.from('"subjectId":"SUBJ-7"');
    const at = bytes.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(needle, at + 1)).toBe(-1);
    bytes[at + needle.length - 2] = '8'.charCodeAt(0);
    await writeFile(file, bytes);
    expect(existsSync(`${file}-wal`) ? (await readFile(`${file}-wal`)).length : 0).toBe(0);

    const stream = await withStore((store) => verifyOperationStream(store, 'venetic', { pageSize: 4 }));
    expect(stream.ok).toBe(false);
    expect(!stream.ok && stream.brokenAt).toMatchObject({
      operationId: 'venetic',
      revision: 7,
      eventId: eventIds[7],
      position: '8',
      reason: 'hash-mismatch',
      actual: hashes[7],
    });
    const log = await withStore((store) => verifyLog(store));
    expect(!log.ok && [log.events, log.brokenAt.eventId, log.brokenAt.reason]).toEqual([
      7,
      eventIds[7],
      'hash-mismatch',
    ]);
  });

  it('names the place of an event whose stored JSON one changed byte made unreadable', async () => {
    const bytes = await readFile(file);
    const at = bytes.indexOf(Buffer.from('"subjectId":"SUBJ-7"'));
    bytes[at] = '#'.charCodeAt(0);
    await writeFile(file, bytes);

    const stream = await withStore((store) => verifyOperationStream(store, 'venetic', { pageSize: 4 }));
    expect(stream).toEqual({
      ok: false,
      operationId: 'venetic',
      events: 7,
      brokenAt: {
        operationId: 'venetic',
        revision: 7,
        eventId: 'unknown',
        position: 'unknown',
        reason: 'unreadable-event',
        expected: 'a stored event the store can read',
        actual: expect.stringContaining('JSON'),
      },
    });
    const log = await withStore((store) => verifyLog(store));
    expect(!log.ok && [log.events, log.brokenAt.position, log.brokenAt.reason]).toEqual([
      7,
      '8',
      'unreadable-event',
    ]);
  });

  it('reports the gap where a row was deleted behind the triggers', async () => {
    const db = new Database(file);
    expect(() => db.prepare('DELETE FROM events WHERE event_id = ?').run(eventIds[4])).toThrow(
      'events are immutable',
    );
    db.exec('DROP TRIGGER events_are_immutable_delete');
    expect(db.prepare('DELETE FROM events WHERE event_id = ?').run(eventIds[4]).changes).toBe(1);
    db.close();

    const result = await withStore((store) => verifyOperationStream(store, 'venetic'));
    expect(result).toEqual({
      ok: false,
      operationId: 'venetic',
      events: 4,
      brokenAt: {
        operationId: 'venetic',
        revision: 5,
        eventId: eventIds[5],
        position: '6',
        reason: 'revision-gap',
        expected: 4,
        actual: 5,
      },
    });
  });

  it('reports, in the whole log, the removal of an operation’s last event that its own chain cannot show', async () => {
    const db = new Database(file);
    db.exec('DROP TRIGGER events_are_immutable_delete');
    db.prepare('DELETE FROM events WHERE event_id = ?').run(eventIds[11]);
    db.close();

    const stream = await withStore((store) => verifyOperationStream(store, 'venetic'));
    expect(stream).toEqual({
      ok: true,
      operationId: 'venetic',
      events: 11,
      head: { revision: 10, hash: hashes[10] },
    });
    const log = await withStore((store) => verifyLog(store));
    expect(!log.ok && log.brokenAt).toMatchObject({
      operationId: 'alpha',
      revision: 0,
      position: '13',
      reason: 'position-gap',
      expected: '12',
    });
  });

  it('catches a row rewritten through SQL and re-hashed, at the next link', async () => {
    const db = new Database(file);
    db.exec('DROP TRIGGER events_are_immutable_update');
    const row = db.prepare('SELECT data, metadata FROM events WHERE event_id = ?').get(eventIds[2]) as {
      data: string;
      metadata: string;
    };
    const data = { ...JSON.parse(row.data), subjectId: 'SUBJ-ALTERED' };
    const metadata = JSON.parse(row.metadata);
    const { computeEventHash } = await import('../chain/hash-chain');
    metadata.hash = computeEventHash({ eventId: eventIds[2], type: 'ArrestMade', data, envelope: metadata });
    db.prepare('UPDATE events SET data = ?, metadata = ? WHERE event_id = ?').run(
      JSON.stringify(data),
      JSON.stringify(metadata),
      eventIds[2],
    );
    db.close();

    const result = await withStore((store) => verifyOperationStream(store, 'venetic'));
    expect(
      !result.ok && [
        result.brokenAt.revision,
        result.brokenAt.eventId,
        result.brokenAt.reason,
        result.brokenAt.expected,
      ],
    ).toEqual([3, eventIds[3], 'prev-hash-mismatch', metadata.hash]);
  });
});
