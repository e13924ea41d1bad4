import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import type { GlobalLogFilter, ReadStreamOptions } from '../event-store.port';
import { SqliteEventStore } from './sqlite.event-store';
import { SqliteReader } from './sqlite.reader';

/**
 * Long reads are taken from SQLite in chunks and converted chunk by chunk. A reader with chunks
 * of a few rows must return exactly what one statement returns, whatever the range, limit,
 * direction and filter, across every chunk edge.
 */
describe('SqliteReader chunked reads', () => {
  const directory = mkdtempSync(join(tmpdir(), 'timeline-sqlite-reader-'));
  const file = join(directory, 'store.db');
  const streams = ['op-a', 'op-b', 'other-c'];
  let chunked: SqliteReader;
  let whole: SqliteReader;

  beforeAll(async () => {
    const store = await SqliteEventStore.open({ file, readAheadPages: 0 });
    // 3 streams of uneven length, interleaved in the global log.
    for (let i = 0; i < 60; i++) {
      const stream = streams[i % 7 === 0 ? 2 : i % 2];
      await store.append(stream, [
        {
          eventId: uuidv7(),
          type: i % 3 === 0 ? 'Third' : 'Other',
          data: { i, text: `event ${i}` },
          metadata: { n: i },
        },
      ]);
    }
    await store.close();
    chunked = new SqliteReader(file, 4);
    whole = new SqliteReader(file, Number.MAX_SAFE_INTEGER);
  });

  afterAll(() => {
    chunked?.close();
    whole?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('readStream returns what one statement returns', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...streams, 'missing'),
        fc.record(
          {
            fromRevision: fc.nat(40),
            maxCount: fc.integer({ min: 1, max: 45 }),
            direction: fc.constantFrom('forwards' as const, 'backwards' as const),
          },
          { requiredKeys: [] },
        ),
        (stream, options: ReadStreamOptions) => {
          expect(chunked.readStream(stream, options)).toEqual(whole.readStream(stream, options));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('readAll returns what one statement returns', () => {
    fc.assert(
      fc.property(
        fc.nat(65),
        fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 70 })),
        fc.option(
          fc.record(
            {
              streamNamePrefixes: fc.subarray(['op-', 'other-', 'op-a']),
              eventTypes: fc.subarray(['Third', 'Other']),
            },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        ),
        (afterSeq, limit, filter: GlobalLogFilter | undefined) => {
          const read = chunked.readAll(afterSeq, filter, limit);
          expect(read).toEqual(whole.readAll(afterSeq, filter, limit));
          if (limit > 0) expect(read.length).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a whole stream longer than many chunks comes back complete and in order', () => {
    const events = chunked.readStream('op-a', {})!;
    expect(events.map((event) => event.revision)).toEqual(events.map((_, i) => i));
    expect(events.length).toBeGreaterThan(20);
  });
});
