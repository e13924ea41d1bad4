import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEventStore, StreamNotFoundError, type EventStore } from '@timeline/event-store';
import { computeEventHash } from '../chain/hash-chain';
import { aHistory, appendSealed } from '../testing/sealed-history.fixture';
import { verifyOperationStream, type VerificationThreads } from './store-verification';

jest.setTimeout(120_000);

const EVENTS = 1_200;

/**
 * Verification on threads over a real SQLite file, each thread opening its own
 * connection: whatever was done to the file, it names the same first broken
 * link as one thread. Ranges of 3 threads over 1,200 events start at 400 and 800.
 */
describe('verifying an operation on threads (embedded store)', () => {
  let dir: string;
  let file: string;
  let eventIds: string[];
  let threads: VerificationThreads;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-verify-threads-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    file = join(dir, `events-${Math.random().toString(36).slice(2)}.db`);
    const store = await createEventStore({ kind: 'sqlite', file });
    const sealed = await appendSealed(store, 'venetic', aHistory('venetic', EVENTS), 400);
    await appendSealed(store, 'alpha', aHistory('alpha', 3));
    await store.close();
    eventIds = sealed.map((event) => event.eventId);
    threads = { store: { kind: 'sqlite', file }, threads: 3, minEvents: 0 };
  });

  async function both(pageSize = 64) {
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      const single = await verifyOperationStream(store, 'venetic', { pageSize });
      const threaded = await verifyOperationStream(store, 'venetic', { pageSize, threads });
      return { single, threaded };
    } finally {
      await store.close();
    }
  }

  function edit(sql: (db: Database.Database) => void): void {
    const db = new Database(file);
    db.exec('DROP TRIGGER IF EXISTS events_are_immutable_update');
    db.exec('DROP TRIGGER IF EXISTS events_are_immutable_delete');
    sql(db);
    db.close();
  }

  it('verifies an intact stream on threads as on one thread', async () => {
    const { single, threaded } = await both();
    expect(single.ok && single.events).toBe(EVENTS);
    expect(threaded).toEqual(single);
  });

  it.each([
    ['the first event of a range', 400],
    ['the last event of a range', 799],
    ['an event inside a range', 1_000],
    ['the stream’s first event', 0],
  ])('names an edited event, %s, as one thread does', async (_where, revision) => {
    edit((db) =>
      db
        .prepare(`UPDATE events SET data = json_set(data, '$.subjectId', 'SUBJ-X') WHERE event_id = ?`)
        .run(eventIds[revision]),
    );
    const { single, threaded } = await both();
    expect(!single.ok && [single.brokenAt.revision, single.brokenAt.reason]).toEqual([
      revision,
      'hash-mismatch',
    ]);
    expect(threaded).toEqual(single);
  });

  it.each([399, 400, 401, 1_199])(
    'names the gap of the removed event %i as one thread does',
    async (revision) => {
      edit((db) => db.prepare('DELETE FROM events WHERE event_id = ?').run(eventIds[revision]));
      const { single, threaded } = await both();
      if (revision === EVENTS - 1) expect(single.ok && single.events).toBe(EVENTS - 1);
      else expect(!single.ok && single.brokenAt.reason).toBe('revision-gap');
      expect(threaded).toEqual(single);
    },
  );

  it('names an event made unreadable at a range start, and one re-sealed before it, as one thread does', async () => {
    edit((db) => db.prepare(`UPDATE events SET data = '{"broken' WHERE event_id = ?`).run(eventIds[800]));
    const unreadable = await both(50);
    expect(!unreadable.single.ok && unreadable.single.brokenAt).toMatchObject({
      revision: 800,
      reason: 'unreadable-event',
    });
    expect(unreadable.threaded).toEqual(unreadable.single);

    edit((db) => {
      const row = db.prepare('SELECT data, metadata FROM events WHERE event_id = ?').get(eventIds[500]) as {
        data: string;
        metadata: string;
      };
      const data = { ...JSON.parse(row.data), force: 'XXX' };
      const metadata = JSON.parse(row.metadata);
      metadata.hash = computeEventHash({
        eventId: eventIds[500],
        type: 'ArrestMade',
        data,
        envelope: metadata,
      });
      db.prepare('UPDATE events SET data = ?, metadata = ? WHERE event_id = ?').run(
        JSON.stringify(data),
        JSON.stringify(metadata),
        eventIds[500],
      );
    });
    const resealed = await both(50);
    expect(
      !resealed.single.ok && [resealed.single.brokenAt.revision, resealed.single.brokenAt.reason],
    ).toEqual([501, 'prev-hash-mismatch']);
    expect(resealed.threaded).toEqual(resealed.single);
  });

  it('names swapped rows as one thread does', async () => {
    edit((db) => {
      const read = db.prepare('SELECT data, metadata FROM events WHERE event_id = ?');
      const write = db.prepare('UPDATE events SET data = ?, metadata = ? WHERE event_id = ?');
      const a = read.get(eventIds[798]) as { data: string; metadata: string };
      const b = read.get(eventIds[802]) as { data: string; metadata: string };
      write.run(b.data, b.metadata, eventIds[798]);
      write.run(a.data, a.metadata, eventIds[802]);
    });
    const { single, threaded } = await both();
    expect(!single.ok && [single.brokenAt.revision, single.brokenAt.reason]).toEqual([
      798,
      'revision-mismatch',
    ]);
    expect(threaded).toEqual(single);
  });

  it('refuses an operation without events as one thread does', async () => {
    const store: EventStore = await createEventStore({ kind: 'sqlite', file });
    try {
      await expect(verifyOperationStream(store, 'unknown', { threads })).rejects.toBeInstanceOf(
        StreamNotFoundError,
      );
    } finally {
      await store.close();
    }
  });

  it('fails with a clear error when a thread cannot open the store', async () => {
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      await expect(
        verifyOperationStream(store, 'venetic', {
          threads: { ...threads, store: { kind: 'sqlite', file: join(dir, 'missing', 'events.db') } },
        }),
      ).rejects.toMatchObject({ code: 'integrity.verification-thread-failed' });
    } finally {
      await store.close();
    }
  });
});
