import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { prepareWriterConnection } from './sqlite.schema';
import { SqliteWriter, type AppendRequest } from './sqlite.writer';

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

  it("retries, conflicts and failures of any group: the head it reports is the log's, and only new events are written", () => {
    // Each step is one append: new, a retry of an earlier one (as sent, or with the stream's
    // current revision), one with a stale revision, or one that fails in SQL.
    const step = fc.record({
      kind: fc.constantFrom('new', 'retry', 'retry-any', 'stale', 'refused', 'rolls-back'),
      stream: fc.constantFrom('a', 'b'),
      size: fc.integer({ min: 1, max: 3 }),
      pick: fc.nat(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        (groups) => {
          const file = join(directory, `writer-property-${nextId++}.db`);
          const local = new Database(file);
          prepareWriterConnection(local);
          local.exec(`
          CREATE TRIGGER refuse_one BEFORE INSERT ON events WHEN NEW.type = 'RefusedByStatement'
          BEGIN SELECT RAISE(ABORT, 'refused by the statement'); END;
          CREATE TRIGGER roll_everything_back BEFORE INSERT ON events WHEN NEW.type = 'RollsBackTheTransaction'
          BEGIN SELECT RAISE(ROLLBACK, 'the transaction was rolled back'); END;
        `);
          const subject = new SqliteWriter(local);
          const head = () =>
            (local.prepare('SELECT MAX(seq) AS seq FROM events').get() as { seq: number | null }).seq;
          const count = () => (local.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
          const revisionOf = (stream: string) =>
            (
              local.prepare('SELECT MAX(revision) AS r FROM events WHERE stream = ?').get(stream) as {
                r: number | null;
              }
            ).r;
          const acknowledged: { request: AppendRequest; seq: number; next: number }[] = [];
          try {
            for (const group of groups) {
              const requests = group.map(({ kind, stream, size, pick }): AppendRequest => {
                const earlier = acknowledged.length > 0 ? acknowledged[pick % acknowledged.length] : null;
                if ((kind === 'retry' || kind === 'retry-any') && earlier) {
                  return {
                    ...earlier.request,
                    id: nextId++,
                    ...(kind === 'retry-any' && { expected: 'any' }),
                  };
                }
                const types = Array.from({ length: size }, (_, i) =>
                  i === size - 1 && kind === 'refused'
                    ? 'RefusedByStatement'
                    : i === size - 1 && kind === 'rolls-back'
                      ? 'RollsBackTheTransaction'
                      : 'Ok',
                );
                const current = revisionOf(stream);
                return {
                  ...request(stream, ...types),
                  expected: kind === 'stale' ? (current ?? -1) + 5 : (current ?? 'no_stream'),
                };
              });
              const before = count();
              const outcomes = subject.writeGroup(requests);
              expect(subject.headSeq()).toBe(head());
              const rolledBack = outcomes.every(
                (o) =>
                  !o.ok &&
                  o.failure.kind === 'unavailable' &&
                  o.failure.reason.startsWith('the transaction failed'),
              );
              if (rolledBack) {
                // SQLite rolled the whole group back: nothing of it is acknowledged or written.
                expect(count()).toBe(before);
                continue;
              }
              let written = 0;
              outcomes.forEach((outcome, i) => {
                const original = acknowledged.find(
                  (a) => a.request.events[0].eventId === requests[i].events[0].eventId,
                );
                if (original) {
                  // A retry of an acknowledged append is answered with the original result.
                  expect(outcome).toEqual({
                    id: requests[i].id,
                    ok: true,
                    nextExpectedRevision: original.next,
                    seq: original.seq,
                  });
                } else if (outcome.ok) {
                  written += requests[i].events.length;
                  acknowledged.push({
                    request: requests[i],
                    seq: outcome.seq,
                    next: outcome.nextExpectedRevision,
                  });
                }
              });
              expect(count() - before).toBe(written);
            }
            // Every acknowledged event is stored, once, where its outcome said.
            for (const { request: sent, seq } of acknowledged) {
              const last = local.prepare('SELECT event_id FROM events WHERE seq = ?').get(seq) as {
                event_id: string;
              };
              expect(last.event_id).toBe(sent.events.at(-1)!.eventId);
            }
            expect(count()).toBe(acknowledged.reduce((sum, a) => sum + a.request.events.length, 0));
          } finally {
            local.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
