import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { EventStoreFileError, SqliteEventStore } from '@timeline/event-store';
import { mountTmpfs, type Tmpfs } from './tmpfs';

const anEvent = () => ({ eventId: uuidv7(), type: 'Recorded', data: {}, metadata: {} });

async function refusal(open: Promise<SqliteEventStore>): Promise<EventStoreFileError> {
  const outcome = await open.then(
    async (store) => {
      await store.close();
      return null;
    },
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(EventStoreFileError);
  return outcome as EventStoreFileError;
}

/** A store file that is not this release's event store stops start-up with a message saying what it is, and is left as it was. */
describe('store files that are not an event store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'timeline-store-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a file that is not an SQLite database', async () => {
    const file = join(dir, 'events.db');
    writeFileSync(file, 'operation,codename\nvenetic,VENETIC\n'.repeat(200));
    const error = await refusal(SqliteEventStore.open({ file }));
    expect(error.message).toBe(
      `The event store file ${file} cannot be used: it is not an SQLite database (file is not a database)`,
    );
    expect(readFileSync(file, 'utf8')).toBe('operation,codename\nvenetic,VENETIC\n'.repeat(200));
    expect((await refusal(SqliteEventStore.open({ file, readOnly: true }))).message).toBe(error.message);
  });

  it("another application's SQLite database is refused, not adopted", async () => {
    const file = join(dir, 'events.db');
    const other = new Database(file);
    other.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('alice')");
    other.close();
    const error = await refusal(SqliteEventStore.open({ file }));
    expect(error.message).toBe(
      `The event store file ${file} cannot be used: it is an SQLite database of something else (tables: users), not an event store`,
    );
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual([
      'users',
    ]);
    after.close();
  });

  it('a store of a newer schema version', async () => {
    const file = join(dir, 'events.db');
    const store = await SqliteEventStore.open({ file });
    await store.append('s', [anEvent()]);
    await store.close();
    const newer = new Database(file);
    newer.pragma('user_version = 2');
    newer.close();
    for (const readOnly of [false, true]) {
      expect((await refusal(SqliteEventStore.open({ file, readOnly }))).message).toBe(
        `The event store file ${file} cannot be used: its schema version is 2, newer than the 1 this release reads: it was written by a newer release (run that release, or restore a backup taken by this one)`,
      );
    }
  });

  it('read-only opening needs an existing store', async () => {
    const file = join(dir, 'events.db');
    await expect(SqliteEventStore.open({ file, readOnly: true })).rejects.toThrow(EventStoreFileError);
  });
});

describe('a store on a read-only file system', () => {
  let tmpfs: Tmpfs | undefined;
  beforeAll(() => {
    const mounted = mountTmpfs('4m');
    if ('cannot' in mounted) {
      console.log(`skipped: a read-only file system cannot be made here: ${mounted.cannot}`);
      return;
    }
    tmpfs = mounted;
  });
  afterAll(() => {
    tmpfs?.readWrite();
    tmpfs?.unmount();
  });

  it('serves reads and refuses writes with the reason; a store that was never opened there cannot start', async () => {
    if (!tmpfs) return;
    const file = join(tmpfs.dir, 'events.db');
    const store = await SqliteEventStore.open({ file });
    await store.append('s', [anEvent()]);
    await store.close();
    const never = join(tmpfs.dir, 'never', 'events.db');
    mkdirSync(join(tmpfs.dir, 'never'));
    writeFileSync(never, readFileSync(file));
    tmpfs.readOnly();

    const readOnly = await SqliteEventStore.open({ file });
    try {
      expect((await readOnly.readAll()).length).toBe(1);
      const reason = `the store's file system is read-only (${tmpfs.dir})`;
      await expect(readOnly.append('s', [anEvent()])).rejects.toThrow(
        `The event store is unavailable: ${reason}`,
      );
      expect((await readOnly.describe()).writesRefused).toEqual({ reason, since: null });
    } finally {
      await readOnly.close();
    }
    // A copied file without its WAL index cannot even be read on a read-only file system.
    expect((await refusal(SqliteEventStore.open({ file: never }))).message).toContain(
      `cannot be used: its directory ${join(tmpfs.dir, 'never')} is not writable (a read-only file system, or permissions)`,
    );
  });
});
