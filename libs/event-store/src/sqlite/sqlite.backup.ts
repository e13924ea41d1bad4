import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { EventStoreFileError } from '../event-store.errors';
import { checkStoreSchema, UnusableStoreFile } from './sqlite.schema';
import { SqliteStoreLock } from './sqlite.store-lock';

/** What a backup or a restore copied. */
export interface SqliteStoreCopy {
  /** The file written. */
  readonly file: string;
  readonly bytes: number;
  /** Events in it, and the global position of the last one (null when empty). */
  readonly events: number;
  readonly headSeq: number | null;
}

/** Checks a copy before it is given its name (e.g. recomputes its hash chains); throws to abandon it. */
export type StoreCopyCheck = (file: string, copy: Omit<SqliteStoreCopy, 'file' | 'bytes'>) => Promise<void>;

/**
 * Makes the store's write-ahead log durable as it is now (`fsync` of `<file>-wal`,
 * when there is one). Any process may: a sync of the file covers the frames every
 * descriptor wrote.
 */
export type StoreLogSync = (storeFile: string) => void;

const syncStoreLog: StoreLogSync = (storeFile) => {
  if (existsSync(`${storeFile}-wal`)) syncFile(`${storeFile}-wal`);
};

/**
 * An online backup of the embedded store: `VACUUM INTO` copies one consistent
 * snapshot of the file (a read transaction, so the api goes on writing meanwhile;
 * what it commits after the snapshot is not in the copy) into a compact new file.
 * The copy is made in a staging directory beside the destination, checked
 * (integrity_check, then `check`), put in WAL mode as the store runs, made
 * durable, and only then given its name: a backup file that exists is complete.
 *
 * The snapshot may hold the api's last commits before their sync has returned
 * (docs/architecture.md, "Durability of the embedded store"): the store's log is
 * synced after the copy and before the backup is named, so a backup never holds
 * an event that a power loss could still take from the store.
 */
export async function backupSqliteStore(
  storeFile: string,
  destination: string,
  check?: StoreCopyCheck,
  syncLog: StoreLogSync = syncStoreLog,
): Promise<SqliteStoreCopy> {
  const source = resolve(storeFile);
  const target = resolve(destination);
  if (existsSync(target))
    throw new EventStoreFileError(target, 'it exists already; a backup never overwrites');
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const staged = join(staging, 'events.db');
  try {
    const db = openChecked(source, { readonly: true });
    try {
      db.prepare('VACUUM INTO ?').run(staged);
    } finally {
      db.close();
    }
    const copy = new Database(staged);
    try {
      copy.pragma('journal_mode = WAL');
    } finally {
      copy.close();
    }
    syncLog(source);
    const summary = inspect(staged);
    await check?.(staged, summary);
    syncFile(staged);
    renameSync(staged, target);
    syncDirectory(dirname(target));
    return { ...summary, file: target, bytes: statSync(target).size };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** What a backup file holds, after checking it is a sound event store of this release. */
export function inspectSqliteBackup(file: string): SqliteStoreCopy {
  const path = resolve(file);
  return { ...inspect(path), file: path, bytes: statSync(path).size };
}

/**
 * Puts a backup in place of the store: refused while another process holds the
 * store (the api must be stopped), and when a store exists unless `replace`, in
 * which case the old file is kept beside it as `<store>.replaced-<time>`. The
 * backup is copied into a staging directory beside the store, checked there
 * (integrity_check, then `check`), fsynced and renamed into place, so the store
 * file is at every moment either the old one or the whole backup.
 */
export async function restoreSqliteStore(
  backupFile: string,
  storeFile: string,
  options: { readonly replace: boolean; readonly now?: Date; readonly check?: StoreCopyCheck },
): Promise<SqliteStoreCopy & { readonly replacedFile: string | null }> {
  const backup = resolve(backupFile);
  const target = resolve(storeFile);
  inspect(backup);
  mkdirSync(dirname(target), { recursive: true });
  const lock = SqliteStoreLock.acquire(target);
  const staging = `${target}.restoring`;
  try {
    if (existsSync(target) && !options.replace) {
      throw new EventStoreFileError(target, 'a store exists there; restoring over it needs --replace');
    }
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
    const staged = join(staging, 'events.db');
    copyFileSync(backup, staged);
    const summary = inspect(staged);
    await options.check?.(staged, summary);
    syncFile(staged);

    let replacedFile: string | null = null;
    if (existsSync(target)) {
      replacedFile = `${target}.replaced-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
      // Fold the old store's write-ahead log into it so the file kept aside is whole on its own; a
      // damaged old store (often the reason for the restore) keeps its log beside it instead.
      let folded = false;
      try {
        const old = openChecked(target, { readonly: false });
        try {
          old.pragma('wal_checkpoint(TRUNCATE)');
          folded = true;
        } finally {
          old.close();
        }
      } catch {
        folded = false;
      }
      renameSync(target, replacedFile);
      if (!folded && existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${replacedFile}-wal`);
    }
    // A log left by the old file must never be applied to the restored one.
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
    renameSync(staged, target);
    syncDirectory(dirname(target));
    return { ...summary, file: target, bytes: statSync(target).size, replacedFile };
  } finally {
    rmSync(staging, { recursive: true, force: true });
    lock.release();
  }
}

function openChecked(file: string, options: { readonly readonly: boolean }): Database.Database {
  if (!existsSync(file)) throw new EventStoreFileError(file, 'there is no such file');
  const db = new Database(file, { ...options, fileMustExist: true });
  try {
    checkStoreSchema(db, 'reader');
    return db;
  } catch (error) {
    db.close();
    if (error instanceof UnusableStoreFile) throw new EventStoreFileError(file, error.message);
    throw error;
  }
}

function inspect(file: string): Omit<SqliteStoreCopy, 'file' | 'bytes'> {
  const db = openChecked(file, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') {
      throw new EventStoreFileError(file, `it fails SQLite's integrity check: ${String(integrity)}`);
    }
    const row = db.prepare('SELECT COUNT(*) AS events, MAX(seq) AS headSeq FROM events').get() as {
      events: number;
      headSeq: number | null;
    };
    return { events: row.events, headSeq: row.headSeq };
  } finally {
    db.close();
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename durable; some platforms cannot open a directory, and there is nothing more to do there. */
function syncDirectory(path: string): void {
  try {
    syncFile(path);
  } catch {
    /* best effort beyond POSIX */
  }
}
