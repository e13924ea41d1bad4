import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { firstValueFrom, filter as rxFilter, take, toArray } from 'rxjs';
import { describeEventStoreContract } from '../testing/event-store.contract';
import {
  DuplicateEventIdError,
  EventStoreUnavailableError,
  WrongExpectedRevisionError,
} from '../event-store.errors';
import type { EventToAppend } from '../event-store.port';
import { positionOf } from '../global-position';
import { SqliteEventStore } from './sqlite.event-store';

const directory = mkdtempSync(join(tmpdir(), 'timeline-sqlite-store-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const contractFile = join(directory, 'contract.db');
describeEventStoreContract('sqlite (file-backed)', {
  create: () => SqliteEventStore.open({ file: contractFile }),
});

function anEvent(type: string, data: Record<string, number | string> = {}): EventToAppend {
  return { eventId: uuidv7(), type, data, metadata: { source: 'sqlite-int-spec' } };
}

describe('SqliteEventStore (adapter specifics)', () => {
  let counter = 0;
  const freshFile = () => join(directory, `store-${++counter}.db`);

  describe('durability', () => {
    it('sets WAL and synchronous=NORMAL on both connections, also after reopening an existing file', async () => {
      const file = freshFile();
      const first = await SqliteEventStore.open({ file });
      await first.append('s', [anEvent('A')]);
      await first.close();

      // Proof that the setting does not persist: a plain reconnection set to FULL leaves no trace.
      const plain = new Database(file);
      expect(plain.pragma('journal_mode', { simple: true })).toBe('wal');
      plain.pragma('synchronous = FULL');
      expect(plain.pragma('synchronous', { simple: true })).toBe(2);
      plain.close();

      const reopened = await SqliteEventStore.open({ file });
      try {
        expect(reopened.durability()).toEqual({
          writer: { journalMode: 'wal', synchronous: 1, walAutocheckpoint: 0 },
          reader: { journalMode: 'wal', synchronous: 1, walAutocheckpoint: 1000 },
        });
        expect((await reopened.readStream('s')).map((e) => e.type)).toEqual(['A']);
      } finally {
        await reopened.close();
      }
    });

    it('refuses a path that is not a file', async () => {
      await expect(SqliteEventStore.open({ file: ':memory:' })).rejects.toThrow(
        'SqliteEventStore needs a file path, got ":memory:"',
      );
    });

    it('refuses to start on a file that is not an event store of this schema version', async () => {
      const file = freshFile();
      const foreign = new Database(file);
      foreign.pragma('user_version = 7');
      foreign.close();

      await expect(SqliteEventStore.open({ file })).rejects.toThrow(
        `The event store file ${file} cannot be used: its schema version is 7, newer than the 1 this release reads`,
      );
    });
  });

  describe('immutability in the schema', () => {
    it('rejects a direct UPDATE or DELETE of a stored event', async () => {
      const file = freshFile();
      const store = await SqliteEventStore.open({ file });
      await store.append('s', [anEvent('A', { v: 1 })]);
      await store.close();

      const db = new Database(file);
      try {
        expect(() => db.prepare('UPDATE events SET data = \'{"v":2}\'').run()).toThrow(
          'events are immutable: UPDATE is not allowed',
        );
        expect(() => db.prepare('DELETE FROM events').run()).toThrow(
          'events are immutable: DELETE is not allowed',
        );
        expect(db.prepare('SELECT data FROM events').all()).toEqual([{ data: '{"v":1}' }]);
      } finally {
        db.close();
      }
    });
  });

  describe('group commit', () => {
    let store: SqliteEventStore;
    beforeAll(async () => {
      store = await SqliteEventStore.open({ file: freshFile() });
    });
    afterAll(() => store.close());

    it('commits 50 concurrent appends in fewer transactions than appends', async () => {
      const before = store.metrics();

      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.append(`group-${i}`, [anEvent('A')])),
      );

      const after = store.metrics();
      expect(after.appends - before.appends).toBe(50);
      expect(after.eventsWritten - before.eventsWritten).toBe(50);
      expect(after.transactions - before.transactions).toBeLessThan(50);
      expect(after.largestGroup).toBeGreaterThan(1);
      expect(new Set(results.map((r) => r.position.commit)).size).toBe(50);
    });

    it('a refused append in a group is rolled back alone; the others of its group commit', async () => {
      const taken = anEvent('Taken');
      await store.append('owner', [taken]);
      await store.append('busy', [anEvent('A')]);
      const before = store.metrics();

      const outcomes = await Promise.allSettled([
        store.append('fine-1', [anEvent('Ok'), anEvent('Ok')]),
        store.append('busy', [anEvent('Late')], { expectedRevision: 'no_stream' }),
        store.append('fine-2', [anEvent('Ok')]),
        store.append('thief', [anEvent('First'), taken]),
        store.append('fine-3', [anEvent('Ok')]),
      ]);

      expect(store.metrics().transactions - before.transactions).toBe(1);
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
      expect((await store.readStream('fine-1')).map((e) => e.type)).toEqual(['Ok', 'Ok']);
      expect((await store.readStream('fine-2')).map((e) => e.type)).toEqual(['Ok']);
      expect((await store.readStream('fine-3')).map((e) => e.type)).toEqual(['Ok']);
      expect((await store.readStream('busy')).map((e) => e.type)).toEqual(['A']);
      await expect(store.readStream('thief')).rejects.toThrow('Stream thief does not exist');
    });
    it('within one group, a retry of a just-written event is idempotent and its id elsewhere is a duplicate', async () => {
      const event = anEvent('Once');
      const before = store.metrics();

      const outcomes = await Promise.allSettled([
        store.append('retried', [event], { expectedRevision: 'no_stream' }),
        store.append('retried', [event], { expectedRevision: 'no_stream' }),
        store.append('elsewhere', [event]),
      ]);

      expect(store.metrics().transactions - before.transactions).toBe(1);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      expect((outcomes[1] as PromiseFulfilledResult<unknown>).value).toEqual(
        (outcomes[0] as PromiseFulfilledResult<unknown>).value,
      );
      expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
      expect((await store.readStream('retried')).map((e) => e.eventId)).toEqual([event.eventId]);
    });
  });

  describe('data written by another process', () => {
    it('reaches a live subscription through the polling fallback', async () => {
      const file = freshFile();
      // The writing process holds the file's lock; another process follows it read-only.
      const other = await SqliteEventStore.open({ file });
      const store = await SqliteEventStore.open({ file, pollIntervalMs: 50, readOnly: true });
      try {
        const received = firstValueFrom(
          store.subscribeToAll().pipe(
            rxFilter((m) => m.kind === 'event'),
            take(2),
            toArray(),
          ),
        );
        // Let the subscription catch up on the empty log first, so both arrive live.
        await new Promise((resolve) => setTimeout(resolve, 20));
        await other.append('elsewhere', [anEvent('One'), anEvent('Two')]);

        const messages = await received;
        expect(
          messages.map((m) => (m.kind === 'event' ? `${m.event.type}@${m.event.position.commit}` : m.kind)),
        ).toEqual(['One@1', 'Two@2']);
      } finally {
        await other.close();
        await store.close();
      }
    });
  });

  describe('live reads', () => {
    /** Subscribes from the start and resolves once the subscription has caught up. */
    async function liveSubscriber(store: SqliteEventStore) {
      const received: string[] = [];
      let caughtUp!: () => void;
      const ready = new Promise<void>((resolve) => (caughtUp = resolve));
      const subscription = store.subscribeToAll().subscribe((message) => {
        if (message.kind === 'caught-up') caughtUp();
        else received.push(message.event.type);
      });
      await ready;
      return { received, subscription };
    }
    const until = async (condition: () => boolean) => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
    };

    it('reads a commit after a quiet spell at once, and later ones no sooner than the interval after the last read', async () => {
      const store = await SqliteEventStore.open({ file: freshFile(), liveReadIntervalMs: 3_600_000 });
      try {
        await store.append('s', [anEvent('Before')]);
        const { received, subscription } = await liveSubscriber(store);
        expect(received).toEqual(['Before']);

        await store.append('s', [anEvent('First')]);
        await until(() => received.length === 2);
        await store.append('s', [anEvent('Second')]);
        await store.append('s', [anEvent('Third')]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        // The interval (an hour) has not passed since the read that brought First.
        expect(received).toEqual(['Before', 'First']);

        // Unsubscribing cancels the read that was waiting for the interval.
        subscription.unsubscribe();
        await store.append('s', [anEvent('Fourth')]);
        expect(received).toEqual(['Before', 'First']);
      } finally {
        await store.close();
      }
    });

    it('commits landing within the interval reach the subscriber together, every event once and in order', async () => {
      const store = await SqliteEventStore.open({ file: freshFile(), liveReadIntervalMs: 30 });
      try {
        const { received, subscription } = await liveSubscriber(store);
        const types = Array.from({ length: 60 }, (_, i) => `E${i}`);
        for (const type of types.slice(0, 20)) await store.append('s', [anEvent(type)]);
        await Promise.all(types.slice(20).map((type) => store.append(`s-${type}`, [anEvent(type)])));
        await until(() => received.length === 60);
        const stored = (await store.readAll()).map((e) => e.type);
        expect(received).toEqual(stored);
        expect([...stored].sort()).toEqual([...types].sort());
        subscription.unsubscribe();
      } finally {
        await store.close();
      }
    });
  });

  describe('subscriptions on an empty log and close', () => {
    it('reports caught-up with no position on an empty log, and completes subscribers when the store closes', async () => {
      const store = await SqliteEventStore.open({ file: freshFile() });
      const messages: string[] = [];
      let completed = false;
      store.subscribeToAll().subscribe({
        next: (m) =>
          messages.push(
            m.kind === 'event'
              ? m.event.type
              : `caught-up:${m.position === null ? 'null' : m.position.commit}`,
          ),
        complete: () => (completed = true),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(store.metrics().subscriptions).toBe(1);

      await store.close();

      expect(messages).toEqual(['caught-up:null']);
      expect(completed).toBe(true);
      expect(store.metrics().subscriptions).toBe(0);
      await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    });

    it('reports caught-up at the position it started after when nothing follows it', async () => {
      const store = await SqliteEventStore.open({ file: freshFile() });
      try {
        await store.append('s', [anEvent('A'), anEvent('B')]);
        const first = await firstValueFrom(store.subscribeToAll({ after: positionOf(2) }));
        expect(first).toEqual({ kind: 'caught-up', position: positionOf(2) });
      } finally {
        await store.close();
      }
    });
  });

  describe('input the store refuses', () => {
    let store: SqliteEventStore;
    beforeAll(async () => {
      store = await SqliteEventStore.open({ file: freshFile() });
    });
    afterAll(() => store.close());

    it.each([
      ['an empty stream name', '', [anEvent('A')], {}, 'the stream name must be a non-empty string'],
      [
        'a negative expected revision',
        's',
        [anEvent('A')],
        { expectedRevision: -1 },
        'expected revision -1 is not',
      ],
      [
        'an empty type',
        's',
        [{ ...anEvent('A'), type: '' }],
        {},
        'event 0: the type must be a non-empty string',
      ],
      [
        'data that is an array',
        's',
        [{ ...anEvent('A'), data: [] as never }],
        {},
        'event 0 data must be a JSON object',
      ],
      [
        'a non-finite number',
        's',
        [{ ...anEvent('A'), data: { n: Number.NaN } }],
        {},
        'event 0 data.n is NaN, which JSON cannot hold',
      ],
      [
        'an undefined member',
        's',
        [{ ...anEvent('A'), data: { n: undefined as never } }],
        {},
        'event 0 data.n is undefined',
      ],
      [
        'a Date',
        's',
        [{ ...anEvent('A'), metadata: { at: new Date(0) as never } }],
        {},
        'event 0 metadata.at is not a plain object (Date)',
      ],
    ])('refuses %s', async (_label, stream, events, options, message) => {
      await expect(store.append(stream, events as EventToAppend[], options as never)).rejects.toThrow(
        message,
      );
      await expect(store.readAll()).resolves.toEqual([]);
    });

    it('stores upper-case UUIDs in lower case, so a retry in either case is the same event', async () => {
      const event = anEvent('A');
      const first = await store.append('case', [{ ...event, eventId: event.eventId.toUpperCase() }]);
      const retry = await store.append('case', [event]);
      expect(retry).toEqual(first);
      expect((await store.readStream('case')).map((e) => e.eventId)).toEqual([event.eventId]);
    });
  });
});
