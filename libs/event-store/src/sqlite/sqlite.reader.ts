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

const COLUMNS = 'seq, stream, revision, event_id, type, data, metadata, created_at';
const NO_LIMIT = -1;

/**
 * Reads on the main thread through a read-only connection: in WAL mode readers
 * never wait for the writer thread, and each statement sees a committed snapshot.
 */
export class SqliteReader {
  private readonly db: Database.Database;
  readonly durability: ConnectionDurability;
  private readonly forwards: Database.Statement;
  private readonly backwards: Database.Statement;
  private readonly streamExists: Database.Statement<[string], unknown>;
  private readonly head: Database.Statement<[], { seq: number | null }>;
  private readonly filtered = new Map<string, Database.Statement>();
  private readonly snapshot: (
    afterSeq: number,
    filter: GlobalLogFilter | undefined,
    limit: number,
  ) => RawPage;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      this.durability = prepareReaderConnection(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.forwards = this.db
      .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`)
      .raw(true);
    this.backwards = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(true);
    this.streamExists = this.db.prepare('SELECT 1 FROM events WHERE stream = ? LIMIT 1');
    this.head = this.db.prepare('SELECT MAX(seq) AS seq FROM events');
    // One read transaction: the page and the head it was read against come from the same snapshot.
    this.snapshot = this.db.transaction(
      (afterSeq: number, filter: GlobalLogFilter | undefined, limit: number) => ({
        headSeq: this.headSeq(),
        rows: this.readRawRows(afterSeq, filter, limit),
      }),
    );
  }

  headSeq(): number | null {
    return this.head.get()?.seq ?? null;
  }

  /** Null when the stream holds no event at all. */
  readStream(stream: string, options: ReadStreamOptions): RecordedEvent[] | null {
    const limit = options.maxCount ?? NO_LIMIT;
    const rows =
      options.direction === 'backwards'
        ? (this.backwards.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit) as Row[])
        : (this.forwards.all(stream, options.fromRevision ?? 0, limit) as Row[]);
    if (rows.length === 0 && this.streamExists.get(stream) === undefined) return null;
    return rows.map(toRecordedEvent);
  }

  readAll(afterSeq: number, filter: GlobalLogFilter | undefined, limit: number): RecordedEvent[] {
    return this.readRawRows(afterSeq, filter, limit).map(toRecordedEvent);
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

  /** The same page as rows, unconverted (what the read-ahead thread sends). */
  readRawPage(afterSeq: number, filter: GlobalLogFilter | undefined, limit: number): RawPage {
    return this.snapshot(afterSeq, filter, limit);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private readRawRows(afterSeq: number, filter: GlobalLogFilter | undefined, limit: number): Row[] {
    const prefixes = filter?.streamNamePrefixes ?? [];
    const types = filter?.eventTypes ?? [];
    const statement = this.filteredStatement(prefixes.length, types.length);
    return statement.all(afterSeq, ...prefixes, ...types, limit) as Row[];
  }

  private filteredStatement(prefixCount: number, typeCount: number): Database.Statement {
    const key = `${prefixCount}/${typeCount}`;
    let statement = this.filtered.get(key);
    if (!statement) {
      const conditions = ['seq > ?'];
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
