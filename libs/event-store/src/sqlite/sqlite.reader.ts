import Database from 'better-sqlite3';
import type { JsonObject } from '@timeline/kernel';
import type { GlobalLogFilter, ReadStreamOptions, RecordedEvent } from '../event-store.port';
import { positionOf } from '../global-position';
import { prepareReaderConnection, type ConnectionDurability } from './sqlite.schema';

/** A row as SQLite gives it (raw mode): what crosses from the read-ahead thread. */
export type Row = [
  seq: number,
  stream: string,
  revision: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  createdAt: string,
];

/**
 * What a sequential read pages through: the global log by seq, with its filter. (Walks through
 * one stream are read where they are asked for: reading them ahead did not pay, bench/README.md,
 * "Integrity".)
 */
export interface SequentialRead {
  readonly filter: GlobalLogFilter | undefined;
}

const COLUMNS = 'seq, stream, revision, event_id, type, data, metadata, created_at';
const NO_LIMIT = -1;
/**
 * Rows a long read takes from SQLite at a time before converting them. A read of 10,000 rows in
 * one statement kept every row's JSON text alive until the last was parsed, and that text and the
 * parsed events outlived the young generation together: pages of 10,000 cost twice the CPU per
 * event of pages of 1,000 (bench/README.md). Read in chunks, only one chunk's text is alive.
 */
export const READ_CHUNK_ROWS = 1_000;

/** The highest seq a read may return: every seq, for a reader of a store another process writes. */
export type VisibleUpTo = () => number;

const EVERY_SEQ: VisibleUpTo = () => Number.MAX_SAFE_INTEGER;

/**
 * Reads on the main thread through a read-only connection: in WAL mode readers
 * never wait for the writer, and each statement sees a committed snapshot. In the
 * process that writes, a commit is in the snapshot before its sync has returned;
 * every read is therefore bounded by `visibleUpTo`, the store's durable watermark,
 * so nothing is returned before it is durable.
 */
export class SqliteReader {
  private readonly db: Database.Database;
  readonly durability: ConnectionDurability;
  private readonly forwards: Database.Statement;
  private readonly backwards: Database.Statement;
  private readonly streamExists: Database.Statement<[string, number], unknown>;
  private readonly head: Database.Statement<[number], { seq: number }>;
  private readonly filtered = new Map<string, Database.Statement>();
  /** Runs a multi-chunk read in one read transaction, so its chunks come from one snapshot. */
  private readonly inOneSnapshot: <T>(read: () => T) => T;
  private readonly snapshot: (
    afterSeq: number,
    filter: GlobalLogFilter | undefined,
    limit: number,
  ) => RawPage;

  constructor(
    file: string,
    /** Rows per chunk of a long read (READ_CHUNK_ROWS); tests set a small one to cross chunk edges. */
    private readonly chunkRows = READ_CHUNK_ROWS,
    private readonly visibleUpTo: VisibleUpTo = EVERY_SEQ,
  ) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      this.durability = prepareReaderConnection(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.forwards = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? AND seq <= ? ORDER BY revision LIMIT ?`,
      )
      .raw(true);
    this.backwards = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? AND seq <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(true);
    this.streamExists = this.db.prepare('SELECT 1 FROM events WHERE stream = ? AND seq <= ? LIMIT 1');
    this.head = this.db.prepare('SELECT seq FROM events WHERE seq <= ? ORDER BY seq DESC LIMIT 1');
    const snapshotOf = this.db.transaction((read: () => unknown) => read());
    this.inOneSnapshot = <T>(read: () => T) => snapshotOf(read) as T;
    // One read transaction: the page and the head it was read against come from the same snapshot.
    this.snapshot = this.db.transaction(
      (afterSeq: number, filter: GlobalLogFilter | undefined, limit: number) => ({
        headSeq: this.headSeq(),
        rows: this.readRawRows(afterSeq, filter, limit),
      }),
    );
  }

  headSeq(): number | null {
    return this.head.get(this.visibleUpTo())?.seq ?? null;
  }

  /** The file's last seq, durable or not: only for deciding what to sync (SyncedHead), never to read up to. */
  headOfFile(): number | null {
    return this.head.get(Number.MAX_SAFE_INTEGER)?.seq ?? null;
  }

  /** Null when the stream holds no event at all. */
  readStream(stream: string, options: ReadStreamOptions): RecordedEvent[] | null {
    const limit = options.maxCount ?? NO_LIMIT;
    const upTo = this.visibleUpTo();
    const events =
      options.direction === 'backwards'
        ? this.readConverted(
            options.fromRevision ?? Number.MAX_SAFE_INTEGER,
            limit,
            (from, count) => this.backwards.all(stream, from, upTo, count) as Row[],
            (last) => last[2] - 1,
          )
        : this.readConverted(
            options.fromRevision ?? 0,
            limit,
            (from, count) => this.forwards.all(stream, from, upTo, count) as Row[],
            nextRevisionOfRow,
          );
    if (events.length === 0 && this.streamExists.get(stream, upTo) === undefined) return null;
    return events;
  }

  readAll(afterSeq: number, filter: GlobalLogFilter | undefined, limit: number): RecordedEvent[] {
    return this.readConverted(
      afterSeq,
      limit,
      (after, count) => this.readRawRows(after, filter, count),
      seqOfRow,
    );
  }

  /** A page of the log after `afterSeq` together with the log's head in the same snapshot. */
  readPage(
    afterSeq: number,
    filter: GlobalLogFilter | undefined,
    limit: number,
  ): { rows: RecordedEvent[]; headSeq: number | null } {
    const page = this.snapshot(afterSeq, filter, limit);
    return { rows: page.rows.map(toRecordedEvent), headSeq: page.headSeq };
  }

  /** A page of the log after seq `from` as rows, unconverted, read in one snapshot (what the read-ahead thread sends). */
  readRawPage(read: SequentialRead, from: number, limit: number): Row[] {
    return this.snapshot(from, read.filter, limit).rows;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Reads up to `limit` rows (NO_LIMIT: all) from `start` on, `chunkRows` at a time in one
   * snapshot, converting each chunk before reading the next. `next` gives the start of the chunk
   * after one ending at a row.
   */
  private readConverted(
    start: number,
    limit: number,
    readChunk: (from: number, count: number) => Row[],
    next: (last: Row) => number,
  ): RecordedEvent[] {
    if (limit !== NO_LIMIT && limit <= this.chunkRows) return readChunk(start, limit).map(toRecordedEvent);
    return this.inOneSnapshot(() => {
      const events: RecordedEvent[] = [];
      let from = start;
      for (;;) {
        const wanted = limit === NO_LIMIT ? this.chunkRows : Math.min(this.chunkRows, limit - events.length);
        const rows = readChunk(from, wanted);
        for (const row of rows) events.push(toRecordedEvent(row));
        if (rows.length < wanted || events.length === limit) return events;
        from = next(rows[rows.length - 1]);
      }
    });
  }

  private readRawRows(afterSeq: number, filter: GlobalLogFilter | undefined, limit: number): Row[] {
    const prefixes = filter?.streamNamePrefixes ?? [];
    const types = filter?.eventTypes ?? [];
    const statement = this.filteredStatement(prefixes.length, types.length);
    return statement.all(afterSeq, this.visibleUpTo(), ...prefixes, ...types, limit) as Row[];
  }

  private filteredStatement(prefixCount: number, typeCount: number): Database.Statement {
    const key = `${prefixCount}/${typeCount}`;
    let statement = this.filtered.get(key);
    if (!statement) {
      const conditions = ['seq > ?', 'seq <= ?'];
      // instr(…) = 1 is an exact, case-sensitive prefix test (LIKE would fold ASCII case).
      if (prefixCount > 0)
        conditions.push(`(${Array(prefixCount).fill('instr(stream, ?) = 1').join(' OR ')})`);
      if (typeCount > 0) conditions.push(`type IN (${Array(typeCount).fill('?').join(', ')})`);
      statement = this.db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE ${conditions.join(' AND ')} ORDER BY seq LIMIT ?`)
        .raw(true);
      this.filtered.set(key, statement);
    }
    return statement;
  }
}

/** Rows of one snapshot and the log's head in it. */
export interface RawPage {
  readonly rows: Row[];
  readonly headSeq: number | null;
}

/** The seq of a row: its global position in the embedded store. */
export function seqOfRow(row: Row): number {
  return row[0];
}

function nextRevisionOfRow(row: Row): number {
  return row[2] + 1;
}

export function toRecordedEvent(row: Row): RecordedEvent {
  return {
    streamName: row[1],
    eventId: row[3],
    type: row[4],
    revision: row[2],
    position: positionOf(row[0]),
    data: JSON.parse(row[5]) as JsonObject,
    metadata: JSON.parse(row[6]) as JsonObject,
    createdAt: row[7],
  };
}
