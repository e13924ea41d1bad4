import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { EventStoreLockedError, type StoreHolder } from '../event-store.errors';

/**
 * One writing process per store file. The lock is a small SQLite file beside
 * the store (`<store>.lock`) holding one row that names the holder (pid, host,
 * start time, command line); the holder keeps a write transaction open on it
 * for as long as it runs. That transaction is an OS file lock, which the kernel
 * drops when the process ends however it ends, so a lock is never left stale by
 * a crash: a row naming a process that no longer holds the lock is only a record
 * of who held it last. Another process that tries to take the lock finds it held
 * and reads the row to name the holder. Readers of the store (verify, export,
 * backup) never take it.
 *
 * The lock is the process's: stores opened on the same file within one process
 * (tests, a command that opens the store twice) share it, and it is released with
 * the last of them.
 *
 * The lock file must not be deleted while the holder runs (a new file would be a
 * new lock); POSIX file locks are unreliable on some network file systems.
 */
export class SqliteStoreLock {
  /** The locks this process holds, by lock file, with how many stores share each. */
  private static readonly held = new Map<string, { lock: SqliteStoreLock; users: number }>();
  private released = false;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    readonly holder: StoreHolder,
    /** Who held the lock last and ended without releasing it (killed), or null. */
    readonly previous: StoreHolder | null,
  ) {}

  /** The lock file of a store file. */
  static fileOf(storeFile: string): string {
    return `${storeFile}.lock`;
  }

  /** Takes the store's lock or throws EventStoreLockedError naming the process that holds it. */
  static acquire(storeFile: string, now: Date = new Date()): SqliteStoreLock {
    const file = SqliteStoreLock.fileOf(storeFile);
    const shared = SqliteStoreLock.held.get(file);
    if (shared) {
      shared.users++;
      return shared.lock;
    }
    const lock = SqliteStoreLock.take(storeFile, file, now);
    SqliteStoreLock.held.set(file, { lock, users: 1 });
    return lock;
  }

  private static take(storeFile: string, file: string, now: Date): SqliteStoreLock {
    const me: StoreHolder = {
      pid: process.pid,
      host: hostname(),
      startedAt: now.toISOString(),
      command: process.argv.slice(1).join(' ').slice(0, 300),
    };
    // A short busy wait: a reader naming the holder holds its shared lock for one statement only.
    const db = new Database(file, { timeout: 250 });
    try {
      db.exec(
        'CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL, command TEXT NOT NULL)',
      );
      // Naming ourselves needs a commit, and the commit ends the transaction: write the row, then
      // take the lock again and check that the row still names us (another process may have
      // written its own in between). A few rounds settle any race.
      for (let round = 0; round < 5; round++) {
        beginOrNameHolder(db, storeFile);
        const previous = readHolder(db);
        db.prepare(
          'INSERT OR REPLACE INTO holder (id, pid, host, started_at, command) VALUES (1, ?, ?, ?, ?)',
        ).run(me.pid, me.host, me.startedAt, me.command);
        db.exec('COMMIT');
        beginOrNameHolder(db, storeFile);
        const named = readHolder(db);
        if (named !== null && named.pid === me.pid && named.startedAt === me.startedAt) {
          return new SqliteStoreLock(db, file, me, previous && isSame(previous, me) ? null : previous);
        }
        db.exec('ROLLBACK');
      }
      throw new EventStoreLockedError(storeFile, readHolder(db));
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
      throw error;
    }
  }

  /** Who holds (or last held) the lock of a store file, or null when no one has. Never takes the lock. */
  static holderOf(storeFile: string): StoreHolder | null {
    let db: Database.Database;
    try {
      db = new Database(SqliteStoreLock.fileOf(storeFile), {
        readonly: true,
        fileMustExist: true,
        timeout: 250,
      });
    } catch {
      return null;
    }
    try {
      return readHolder(db);
    } finally {
      db.close();
    }
  }

  /** Lets go of this store's share; the last one clears the row and releases the lock. */
  release(): void {
    const shared = SqliteStoreLock.held.get(this.file);
    if (shared?.lock === this && --shared.users > 0) return;
    SqliteStoreLock.held.delete(this.file);
    if (this.released) return;
    this.released = true;
    try {
      this.db.exec('DELETE FROM holder');
      this.db.exec('COMMIT');
    } catch {
      // The file lock goes with the connection whatever happens to the row.
    } finally {
      this.db.close();
    }
  }
}

function beginOrNameHolder(db: Database.Database, storeFile: string): void {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    throw new EventStoreLockedError(storeFile, readHolder(db));
  }
}

function readHolder(db: Database.Database): StoreHolder | null {
  try {
    const row = db.prepare('SELECT pid, host, started_at, command FROM holder WHERE id = 1').get() as
      { pid: number; host: string; started_at: string; command: string } | undefined;
    return row ? { pid: row.pid, host: row.host, startedAt: row.started_at, command: row.command } : null;
  } catch {
    return null;
  }
}

function isSame(a: StoreHolder, b: StoreHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}
