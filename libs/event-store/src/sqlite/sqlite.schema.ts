import type Database from 'better-sqlite3';

/**
 * The embedded store's schema. `seq` is the global position: SQLite assigns
 * rowids as max+1 and rows are never deleted, so it only grows, in commit order
 * (one writer at a time). The (stream, revision) key doubles as the index that
 * gives a stream's current revision.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq        INTEGER PRIMARY KEY,
  stream     TEXT    NOT NULL,
  revision   INTEGER NOT NULL CHECK (revision >= 0),
  event_id   TEXT    NOT NULL,
  type       TEXT    NOT NULL,
  data       TEXT    NOT NULL,
  metadata   TEXT    NOT NULL,
  created_at TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id);
CREATE TRIGGER IF NOT EXISTS events_are_immutable_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable: UPDATE is not allowed'); END;
CREATE TRIGGER IF NOT EXISTS events_are_immutable_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are immutable: DELETE is not allowed'); END;
`;

export const SCHEMA_VERSION = 1;

/** What a connection reports about its durability settings. */
export interface ConnectionDurability {
  readonly journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  readonly synchronous: number;
  /** WAL pages after which a commit checkpoints on its own thread; 0 (off) on the writer's. */
  readonly walAutocheckpoint: number;
}

/**
 * NORMAL: a commit writes its frames to the WAL without syncing it; checkpoints still sync the
 * WAL before and the database after. The store syncs the WAL itself after each group commit and
 * acknowledges the group only then (docs/architecture.md, "Durability of the embedded store").
 */
export const SYNCHRONOUS_NORMAL = 1;

/** Settings shared by the writer and the reader; mmap and cache only speed up reads. */
function applyCommonPragmas(db: Database.Database, mmapBytes: number): void {
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.pragma(`mmap_size = ${mmapBytes}`);
  db.pragma('temp_store = MEMORY');
}

const MIB = 1024 * 1024;

function readDurability(db: Database.Database): ConnectionDurability {
  return {
    journalMode: String(db.pragma('journal_mode', { simple: true })).toLowerCase(),
    synchronous: Number(db.pragma('synchronous', { simple: true })),
    walAutocheckpoint: Number(db.pragma('wal_autocheckpoint', { simple: true })),
  };
}

/**
 * Every connection must be in WAL mode: the store's durability rests on syncing the WAL after
 * each commit, and on readers never blocking the writer. A rollback journal would need neither
 * and give neither, so a connection that is not WAL is refused; so is one whose synchronous
 * level is not the one the store's syncs were reasoned for (a reopened file gets
 * better-sqlite3's default back, which each connection therefore sets itself).
 */
function assertDurable(db: Database.Database, role: string): ConnectionDurability {
  const durability = readDurability(db);
  if (durability.journalMode !== 'wal' || durability.synchronous !== SYNCHRONOUS_NORMAL) {
    throw new Error(
      `SQLite ${role} connection is not durable: journal_mode=${durability.journalMode}, synchronous=${durability.synchronous} (need wal and 1/NORMAL, with the store's own sync of the WAL)`,
    );
  }
  return durability;
}

/**
 * A file that cannot be this version's event store. Plain (no path aliases): it is thrown on the
 * checkpoint thread too; the store turns it into EventStoreFileError.
 */
export class UnusableStoreFile extends Error {}

/**
 * Refuses a file that is not this version's event store, before anything is written to it:
 * not an SQLite database, another application's database, a newer schema. Returns the schema
 * version (0: a new, empty file, which only the writer may create the schema in).
 */
export function checkStoreSchema(db: Database.Database, role: 'writer' | 'reader'): number {
  let version: number;
  let tables: string[];
  try {
    version = Number(db.pragma('user_version', { simple: true }));
    tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new UnusableStoreFile(`it is not an SQLite database (${(error as Error).message})`);
    }
    throw error;
  }
  if (version > SCHEMA_VERSION) {
    throw new UnusableStoreFile(
      `its schema version is ${version}, newer than the ${SCHEMA_VERSION} this release reads: it was written by a newer release (run that release, or restore a backup taken by this one)`,
    );
  }
  if (version === 0 && tables.length > 0) {
    throw new UnusableStoreFile(
      `it is an SQLite database of something else (tables: ${tables.join(', ')}), not an event store`,
    );
  }
  if (version === SCHEMA_VERSION && !tables.includes('events')) {
    throw new UnusableStoreFile(`it says schema version ${version} but has no events table`);
  }
  if (version === 0 && role === 'reader') throw new UnusableStoreFile('it holds no event store yet');
  return version;
}

/**
 * Prepares the writer connection: WAL, synchronous=NORMAL, no automatic checkpoints (they run on
 * the checkpoint thread), the schema. Throws if durability does not hold.
 */
export function prepareWriterConnection(db: Database.Database): ConnectionDurability {
  checkStoreSchema(db, 'writer');
  db.pragma('journal_mode = WAL');
  applyCommonPragmas(db, 256 * MIB);
  // A checkpoint copies megabytes and syncs twice: on the main thread it would stall the event loop.
  db.pragma('wal_autocheckpoint = 0');
  // Trim the WAL back after checkpoints so a burst does not leave a huge file behind.
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  // One transaction: a process killed while creating the schema leaves all of it or none.
  db.transaction(() => {
    // Read again inside the transaction: another process may have created the schema meanwhile.
    const version = checkStoreSchema(db, 'writer');
    db.exec(SCHEMA);
    if (version === 0) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
  const durability = assertDurable(db, 'writer');
  if (durability.walAutocheckpoint !== 0) {
    throw new Error(
      `SQLite writer connection would checkpoint on the event loop: wal_autocheckpoint=${durability.walAutocheckpoint} (need 0)`,
    );
  }
  return durability;
}

/** The size the WAL is cut back to when it restarts after a full checkpoint. */
export const WAL_SIZE_LIMIT_BYTES = 64 * MIB;

/**
 * Prepares the checkpoint thread's connection: it only copies the WAL into the database
 * (syncing both, as synchronous=NORMAL does at checkpoints) and never writes events.
 */
export function prepareCheckpointConnection(db: Database.Database): ConnectionDurability {
  checkStoreSchema(db, 'reader');
  applyCommonPragmas(db, 0);
  db.pragma('wal_autocheckpoint = 0');
  return assertDurable(db, 'checkpoint');
}

/** Prepares a read-only connection of the main thread. Throws if the file is not a durable WAL database. */
export function prepareReaderConnection(db: Database.Database): ConnectionDurability {
  checkStoreSchema(db, 'reader');
  // No memory map: a catch-up or replay scans the whole log, and mapped pages would count in the
  // process's resident memory (a 1M-event log is ~0.9 GB); read through the page cache instead,
  // which measured as fast.
  applyCommonPragmas(db, 0);
  return assertDurable(db, 'reader');
}
