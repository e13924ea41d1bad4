import { existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { firstValueFrom, take, toArray } from 'rxjs';
import { v7 as uuidv7 } from 'uuid';
import type { AllSubscriptionMessage, EventToAppend } from '../event-store.port';
import { EventStoreUnavailableError, StreamNotFoundError } from '../event-store.errors';
import { backupSqliteStore } from './sqlite.backup';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.event-store';
import { SqliteReadAhead } from './sqlite.read-ahead';
import type { SequentialRead } from './sqlite.reader';
import { fdatasyncOnThePool, type WalSync } from './sqlite.wal-file';

/**
 * The embedded store commits with synchronous=NORMAL and acknowledges a group only after its own
 * sync of the WAL has returned (docs/architecture.md, "Durability of the embedded store"). These
 * tests hold that sync open or make it fail, and check what callers and readers see meanwhile.
 */
const directory = mkdtempSync(join(tmpdir(), 'timeline-sqlite-durability-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let counter = 0;
const freshFile = () => join(directory, `store-${++counter}.db`);

const anEvent = (n: number, bytes = 0): EventToAppend => ({
  eventId: uuidv7(),
  type: 'Recorded',
  data: { n, ...(bytes > 0 && { note: 'x'.repeat(bytes) }) },
  metadata: {},
});

/**
 * A sync the test controls: each call waits until the test releases or fails it; the real
 * fdatasync runs on release, so the file stays durable.
 */
class HeldSync {
  private readonly held: { fd: number; release: () => void; fail: (error: Error) => void }[] = [];
  private waiters: (() => void)[] = [];
  holding = false;

  readonly sync: WalSync = (fd) => {
    if (!this.holding) return fdatasyncOnThePool(fd);
    return new Promise<void>((resolve, reject) => {
      this.held.push({
        fd,
        release: () => void fdatasyncOnThePool(fd).then(resolve, reject),
        fail: reject,
      });
      for (const wake of this.waiters.splice(0)) wake();
    });
  };

  get pending(): number {
    return this.held.length;
  }

  /** Resolves once `count` syncs are held. */
  async heldCount(count: number): Promise<void> {
    while (this.held.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  releaseAll(): void {
    this.holding = false;
    for (const sync of this.held.splice(0)) sync.release();
  }

  failAll(code: string): void {
    for (const sync of this.held.splice(0))
      sync.fail(Object.assign(new Error(`${code}: i/o error, fdatasync`), { code }));
  }
}

async function withStore(
  sync: WalSync | HeldSync,
  body: (store: SqliteEventStore, file: string) => Promise<void>,
  options: Omit<SqliteEventStoreOptions, 'file' | 'walSync'> = {},
): Promise<void> {
  const file = freshFile();
  const held = sync instanceof HeldSync ? sync : null;
  const store = await SqliteEventStore.open({
    ...options,
    file,
    walSync: held ? held.sync : (sync as WalSync),
  });
  try {
    await body(store, file);
  } finally {
    // A test that failed while holding a sync must not leave close() waiting for it.
    held?.releaseAll();
    await store.close();
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Rows the file holds, read past the store (what a crash would leave, had the OS kept its cache). */
function committedRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('the embedded store and its sync of the WAL', () => {
  it('acknowledges an append only after its sync returned, and shows it to no read before', async () => {
    const held = new HeldSync();
    await withStore(held, async (store, file) => {
      await store.append('s', [anEvent(1)]);
      held.holding = true;

      let acknowledged = false;
      const append = store.append('s', [anEvent(2)]).then((result) => {
        acknowledged = true;
        return result;
      });
      const fresh = store.append('fresh', [anEvent(3)]);
      await held.heldCount(1);
      // Committed: in the file, but not yet durable.
      expect(committedRows(file)).toBe(3);
      expect(acknowledged).toBe(false);

      expect((await store.readStream('s')).map((e) => e.data['n'])).toEqual([1]);
      expect(await store.readStream('s', { direction: 'backwards', maxCount: 1 })).toHaveLength(1);
      await expect(store.readStream('fresh')).rejects.toBeInstanceOf(StreamNotFoundError);
      expect((await store.readAll()).map((e) => e.data['n'])).toEqual([1]);
      expect((await store.describe()).headPosition?.commit).toBe(1n);
      const subscribed = firstValueFrom(store.subscribeToAll().pipe(take(4), toArray()));
      for (let i = 0; i < 5; i++) await turn();

      held.releaseAll();
      const result = await append;
      await fresh;
      expect(acknowledged).toBe(true);
      expect(result.position.commit).toBe(2n);
      expect((await store.readStream('s')).map((e) => e.data['n'])).toEqual([1, 2]);
      expect((await store.readAll()).map((e) => e.data['n'])).toEqual([1, 2, 3]);
      // The subscription caught up at 1 while the sync was held; 2 and 3 reached it once durable.
      expect(describeMessages(await subscribed)).toEqual(['event 1', 'caught-up 1', 'event 2', 'event 3']);
    });
  });

  it('a page read ahead is handed out only up to the durable watermark', async () => {
    const file = freshFile();
    const store = await SqliteEventStore.open({ file });
    for (let b = 0; b < 3; b++)
      await store.append(
        's',
        Array.from({ length: 100 }, (_, i) => anEvent(b * 100 + i)),
      );
    // Rows up to 300 are in the file; the reader is told only 150 are durable.
    const readAhead = new SqliteReadAhead(
      file,
      2,
      'always',
      () => true,
      () => 150,
    );
    const log: SequentialRead = { filter: undefined };
    try {
      let served: number[] | undefined;
      for (let attempt = 0; attempt < 500 && served === undefined; attempt++) {
        readAhead.noteRead(log, 0, 50, 50, 50);
        readAhead.noteRead(log, 50, 50, 50, 100);
        served = (await readAhead.take(log, 100, 50))?.map((row) => row[0]);
        if (served === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(served).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i));
      // The next page, (150, 200], was read by the thread's connection but is past the watermark.
      expect(await readAhead.take(log, 150, 50)).toBeUndefined();
      expect(readAhead.metrics.readAheadPages).toBe(1);
    } finally {
      await readAhead.close();
      await store.close();
    }
  });

  it('a failed sync refuses that group and every later one, and the store stays closed to writes', async () => {
    const held = new HeldSync();
    await withStore(held, async (store, file) => {
      await store.append('s', [anEvent(1)]);
      held.holding = true;
      const first = store.append('s', [anEvent(2)]);
      await held.heldCount(1);
      // Two more groups commit while the first one's sync is in flight.
      const second = store.append('s', [anEvent(3)]);
      await turn();
      const third = store.append('t', [anEvent(4), anEvent(5)]);
      await turn();
      expect(committedRows(file)).toBe(5);

      held.failAll('EIO');
      const outcomes = await Promise.allSettled([first, second, third]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as Error;
        expect(reason).toBeInstanceOf(EventStoreUnavailableError);
        expect(reason.message).toMatch(
          /^The event store is unavailable: the disk failed to make the write-ahead log durable \(EIO: /,
        );
      }
      // The disk looks fine again: the store still refuses, until a restart.
      held.holding = false;
      const later = await store.append('s', [anEvent(6)]).catch((error: unknown) => error);
      expect(later).toBeInstanceOf(EventStoreUnavailableError);
      expect((later as Error).message).toContain('refuses writes until the process restarts');
      expect((await store.describe()).writesRefused).toEqual({
        reason: expect.stringMatching(/^the disk failed to make the write-ahead log durable \(EIO: /),
        since: expect.any(String),
      });
      // Nothing it never acknowledged is shown.
      expect((await store.readAll()).map((e) => e.data['n'])).toEqual([1]);
      expect(store.metrics().queuedEvents).toBe(0);
    });
  });

  it('after a restart, the store syncs the WAL and serves what the file holds', async () => {
    const held = new HeldSync();
    const file = freshFile();
    const store = await SqliteEventStore.open({ file, walSync: held.sync });
    await store.append('s', [anEvent(1)]);
    held.holding = true;
    const refused = store.append('s', [anEvent(2)]).catch((error: unknown) => error);
    await held.heldCount(1);
    held.failAll('EIO');
    expect(await refused).toBeInstanceOf(EventStoreUnavailableError);
    await store.close();

    const restarted = await SqliteEventStore.open({ file });
    try {
      // The refused append was committed before its sync failed; the restart synced it.
      expect((await restarted.readAll()).map((e) => e.data['n'])).toEqual([1, 2]);
      await restarted.append('s', [anEvent(3)]);
      expect((await restarted.describe()).writesRefused).toBeUndefined();
    } finally {
      await restarted.close();
    }
  });

  it('acknowledges in commit order whatever order syncs return in, and loses nothing acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 3 }), delayTurns: fc.nat(3) }), {
          minLength: 1,
          maxLength: 25,
        }),
        async (appends) => {
          // Each sync returns after a random number of turns of the event loop.
          const delays = appends.map((a) => a.delayTurns);
          let call = 0;
          const sync: WalSync = async (fd) => {
            const turns = delays[call++ % delays.length];
            for (let i = 0; i < turns; i++) await turn();
            await fdatasyncOnThePool(fd);
          };
          await withStore(sync, async (store) => {
            const acknowledged: bigint[] = [];
            await Promise.all(
              appends.map(async ({ size }, i) => {
                for (let t = 0; t < i % 4; t++) await turn();
                const result = await store.append(
                  `p-${i % 3}`,
                  Array.from({ length: size }, () => anEvent(i)),
                );
                acknowledged.push(result.position.commit);
                // What is acknowledged is readable at once.
                const head = (await store.describe()).headPosition!.commit;
                expect(head >= result.position.commit).toBe(true);
              }),
            );
            expect(acknowledged).toEqual([...acknowledged].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
            const stored = await store.readAll();
            expect(stored).toHaveLength(appends.reduce((sum, a) => sum + a.size, 0));
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a WAL that is no longer the file the store syncs fails closed at the next checkpoint', async () => {
    await withStore(fdatasyncOnThePool, async (store, file) => {
      await store.append('s', [anEvent(0)]);
      // Someone moves the WAL away and puts another file in its place: SQLite goes on writing the
      // moved file, which the store's descriptor syncs, but a restart would read the new one.
      renameSync(`${file}-wal`, `${file}-wal.moved`);
      writeFileSync(`${file}-wal`, '');
      let refused: unknown = null;
      for (let b = 1; b < 100 && refused === null; b++) {
        refused = await store
          .append(
            's',
            Array.from({ length: 100 }, (_, i) => anEvent(b * 100 + i, 1000)),
          )
          .then(() => null)
          .catch((error: unknown) => error);
      }
      expect(store.metrics().checkpoints).toBeGreaterThanOrEqual(1);
      expect(refused).toBeInstanceOf(EventStoreUnavailableError);
      expect((refused as Error).message).toContain(
        `the write-ahead log ${file}-wal was replaced by another file`,
      );
      expect((await store.describe()).writesRefused?.reason).toContain('was replaced by another file');
    });
  });

  it('a checkpoint thread that dies fails the store closed, and the store still closes', async () => {
    const file = freshFile();
    const store = await SqliteEventStore.open({ file });
    await store.append('s', [anEvent(1)]);
    // No public way to kill the thread: reach it as a crash would.
    const { checkpointer } = (store as unknown as { writer: { checkpointer: object } }).writer;
    await (checkpointer as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await turn();
    const refused = await store.append('s', [anEvent(2)]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EventStoreUnavailableError);
    expect((refused as Error).message).toContain('the checkpoint thread exited');
    expect((await store.readAll()).map((e) => e.data['n'])).toEqual([1]);
    await store.close();
  });

  it('checkpoints on its own thread as the WAL grows, keeping the WAL bounded', async () => {
    await withStore(fdatasyncOnThePool, async (store, file) => {
      // About 10 MiB of events in batches, far past the 1,000-page checkpoint threshold.
      for (let b = 0; b < 100; b++)
        await store.append(
          `c-${b % 4}`,
          Array.from({ length: 100 }, (_, i) => anEvent(b * 100 + i, 1000)),
        );
      const metrics = store.metrics();
      expect(metrics.checkpoints).toBeGreaterThanOrEqual(2);
      expect(statSync(`${file}-wal`).size).toBeLessThan(8 * 1024 * 1024);
      const db = new Database(file, { readonly: true });
      try {
        expect((db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n).toBe(10_000);
      } finally {
        db.close();
      }
    });
  });

  it('syncs the store’s log before a backup holding a commit not yet durable is named', async () => {
    const held = new HeldSync();
    await withStore(held, async (store, file) => {
      await store.append('s', [anEvent(1)]);
      held.holding = true;
      const pending = store.append('s', [anEvent(2)]);
      await held.heldCount(1);

      // The backup's snapshot holds the second event, whose sync the store still waits for.
      const destination = join(directory, `backup-${counter}.db`);
      const synced: { storeFile: string; named: boolean }[] = [];
      const copy = await backupSqliteStore(file, destination, undefined, (storeFile) =>
        synced.push({ storeFile, named: existsSync(destination) }),
      );
      expect(copy.events).toBe(2);
      expect(synced).toEqual([{ storeFile: file, named: false }]);

      // A log that cannot be made durable leaves no backup behind.
      const refused = join(directory, `backup-refused-${counter}.db`);
      await expect(
        backupSqliteStore(file, refused, undefined, () => {
          throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        }),
      ).rejects.toThrow('EIO');
      expect(existsSync(refused)).toBe(false);

      held.releaseAll();
      await pending;
    });
  });

  it('shows a read-only reader another writer’s commits only once it has synced them itself', async () => {
    const writerSync = new HeldSync();
    await withStore(writerSync, async (store, file) => {
      await store.append('s', [anEvent(1)]);
      // The writer's second commit is in the file, its own sync held: not durable yet.
      writerSync.holding = true;
      const pending = store.append('s', [anEvent(2)]);
      await writerSync.heldCount(1);
      expect(committedRows(file)).toBe(2);

      // Opening syncs the WAL from the reader's side before anything is shown.
      const readerSync = new HeldSync();
      readerSync.holding = true;
      const opening = SqliteEventStore.open({
        file,
        readOnly: true,
        walSync: readerSync.sync,
        pollIntervalMs: 10,
      });
      await readerSync.heldCount(1);
      readerSync.releaseAll();
      const reader = await opening;
      let third: Promise<unknown> = Promise.resolve();
      try {
        expect((await reader.readAll()).map((e) => e.data['n'])).toEqual([1, 2]);

        const followed = firstValueFrom(reader.subscribeToAll().pipe(take(4), toArray()));
        // A third commit, the writer's sync still held: a read waits for the reader's own sync.
        readerSync.holding = true;
        third = store.append('s', [anEvent(3)]);
        await turn();
        expect(committedRows(file)).toBe(3);
        let settled = false;
        const reading = reader.readAll().finally(() => (settled = true));
        await readerSync.heldCount(1);
        for (let i = 0; i < 5; i++) await turn();
        expect(settled).toBe(false);

        // A sync that fails fails the read; the next, once the disk answers, shows the third.
        readerSync.failAll('EIO');
        await expect(reading).rejects.toBeInstanceOf(EventStoreUnavailableError);
        readerSync.releaseAll();
        expect(describeMessages(await followed)).toEqual(['event 1', 'event 2', 'caught-up 2', 'event 3']);
        expect((await reader.readAll()).map((e) => e.data['n'])).toEqual([1, 2, 3]);
      } finally {
        await reader.close();
      }
      writerSync.releaseAll();
      await Promise.all([pending, third]);
    });
  });
});

function describeMessages(messages: readonly AllSubscriptionMessage[]): string[] {
  return messages.map((m) =>
    m.kind === 'event' ? `event ${String(m.event.data['n'])}` : `caught-up ${String(m.position?.commit)}`,
  );
}
