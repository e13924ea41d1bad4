import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { prepareWriterConnection } from './sqlite.schema';
import { SqliteWriter } from './sqlite.writer';
import type { AppendRequest } from './sqlite.writer.protocol';

/** The group-commit writer on its own, without the thread around it, so failures can be provoked in SQL. */
describe('SqliteWriter', () => {
  const directory = mkdtempSync(join(tmpdir(), 'timeline-sqlite-writer-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  let db: Database.Database;
  let writer: SqliteWriter;
  let nextId = 1;

  beforeEach(() => {
    db = new Database(join(directory, `writer-${nextId}.db`));
    prepareWriterConnection(db);
    // Test-only triggers standing in for failures SQLite can raise mid-group.
    db.exec(`
      CREATE TRIGGER refuse_one BEFORE INSERT ON events WHEN NEW.type = 'RefusedByStatement'
      BEGIN SELECT RAISE(ABORT, 'refused by the statement'); END;
      CREATE TRIGGER roll_everything_back BEFORE INSERT ON events WHEN NEW.type = 'RollsBackTheTransaction'
      BEGIN SELECT RAISE(ROLLBACK, 'the transaction was rolled back'); END;
    `);
    writer = new SqliteWriter(db);
  });
  afterEach(() => db.close());

  function request(stream: string, ...types: string[]): AppendRequest {
    return {
      id: nextId++,
      stream,
      expected: 'any',
      events: types.map((type) => ({ eventId: uuidv7(), type, data: '{}', metadata: '{}' })),
    };
  }

  const stored = () =>
    db.prepare('SELECT stream, revision, type FROM events ORDER BY seq').all() as {
      stream: string;
      revision: number;
      type: string;
    }[];

  it('a single-event append whose insert fails is undone alone; the rest of its group commits', () => {
    const outcomes = writer.writeGroup([
      request('a', 'Ok'),
      request('b', 'RefusedByStatement'),
      request('c', 'Ok', 'Ok'),
    ]);

    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({
      ok: false,
      failure: { kind: 'unavailable', reason: 'refused by the statement' },
    });
    expect(stored()).toEqual([
      { stream: 'a', revision: 0, type: 'Ok' },
      { stream: 'c', revision: 0, type: 'Ok' },
      { stream: 'c', revision: 1, type: 'Ok' },
    ]);
    expect(writer.metrics).toEqual({ transactions: 1, appends: 3, eventsWritten: 3, largestGroup: 3 });
  });

  it('a batch failing on its last event leaves none of its events and keeps the others of the group', () => {
    const outcomes = writer.writeGroup([
      request('a', 'Ok'),
      request('b', 'Ok', 'Ok', 'RefusedByStatement'),
      request('c', 'Ok'),
    ]);

    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(stored().map((e) => e.stream)).toEqual(['a', 'c']);
  });

  it('when SQLite rolls the whole transaction back, every append of the group fails and nothing is written', () => {
    const outcomes = writer.writeGroup([
      request('a', 'Ok'),
      request('b', 'RollsBackTheTransaction'),
      request('c', 'Ok'),
    ]);

    expect(outcomes.map((o) => (o.ok ? 'ok' : o.failure.kind))).toEqual([
      'unavailable',
      'unavailable',
      'unavailable',
    ]);
    expect(stored()).toEqual([]);
    expect(db.inTransaction).toBe(false);

    // The writer is usable again afterwards.
    expect(writer.writeGroup([request('d', 'Ok')]).map((o) => o.ok)).toEqual([true]);
    expect(stored().map((e) => e.stream)).toEqual(['d']);
  });
});
