/**
 * `npm run bench:store [-- --quick]`: the embedded store (WAL, synchronous=NORMAL and its own
 * fdatasync of the WAL before acknowledging) against a bare better-sqlite3 loop writing the
 * same rows to the same schema with WAL + synchronous=FULL on a file, and reading the same
 * rows back. Each
 * workload runs in three rounds (one with --quick), the adapter and the bare
 * loop alternating which goes first; each row is the median round of its
 * subject by events per second. Prints a table and writes
 * bench/results/store.json (store.quick.json with --quick).
 */
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { EventToAppend, GlobalPosition } from '@timeline/event-store';
import { SqliteEventStore } from '../libs/event-store/src/sqlite/sqlite.event-store';
import {
  prepareReaderConnection,
  prepareWriterConnection,
} from '../libs/event-store/src/sqlite/sqlite.schema';
import { BenchReport, type BenchRow } from './support/bench-report';
import { EventLoopWatch, LatencyRecorder, Stopwatch } from './support/latency';
import { ThreadCpuWindow } from './support/thread-cpu';
import { DEFAULT_PAGE_SIZE } from '../libs/integrity/src/reading/paged-reads';

const quick = process.argv.includes('--quick');
const sizes = quick
  ? {
      single: 1_000,
      concurrentTotal: 10_000,
      callers: 50,
      batches: 200,
      batchSize: 100,
      readEvents: 100_000,
      aggregateEvents: 10_000,
      sustainedMs: 3_000,
      rounds: 1,
    }
  : {
      single: 3_000,
      concurrentTotal: 30_000,
      callers: 50,
      batches: 600,
      batchSize: 100,
      readEvents: 1_000_000,
      aggregateEvents: 10_000,
      sustainedMs: 10_000,
      rounds: 3,
    };

/** A realistic event: a seizure with a couple of lines and the full envelope as metadata (about 800 bytes). */
function realisticEvent(stream: string, n: number): EventToAppend {
  return {
    eventId: uuidv7(),
    type: 'SeizureRecorded',
    data: {
      seizureId: `SZ-${n}`,
      raidId: `RD-${n % 977}`,
      lines: [
        {
          kind: 'drugs',
          drugType: 'cocaine',
          quantity: { value: 1.25, unit: 'kg' },
          purity: { percent: 71, test: 'presumptive' },
        },
        { kind: 'cash', amountPence: 5_450_000 + n },
        { kind: 'firearms', category: 'Section 5', count: 2, rounds: 48 },
      ],
      location: { postcodeDistrict: 'LL57', force: 'North Wales Police' },
      note: 'Recovered from a concealed compartment; exhibits bagged and sealed on site.',
    },
    metadata: {
      schemaVersion: 1,
      operationId: stream,
      occurredAt: '2020-06-13T05:42:00.000Z',
      recordedAt: new Date(1_592_026_920_000 + n * 1000).toISOString(),
      recordedBy: 'officer-4471@nwp',
      agency: 'NWP',
      correlationId: uuidv7(),
      causationId: null,
      classification: 'OFFICIAL-SENSITIVE',
      streamRevision: n,
      prevHash: 'a3f1c2d4e5b6978812ab34cd56ef7890a1b2c3d4e5f60718293a4b5c6d7e8f90',
      hash: '0f9e8d7c6b5a49382716a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
    },
  };
}

/** A smaller, frequent event: an arrest, with the same envelope. */
function arrestEvent(stream: string, n: number): EventToAppend {
  const seizure = realisticEvent(stream, n);
  return {
    eventId: seizure.eventId,
    type: 'ArrestMade',
    data: {
      arrestId: `AR-${n}`,
      subjectId: `SUBJ-${n % 5003}`,
      suspectedOffences: ['conspiracy to supply class A'],
      raidId: `RD-${n % 977}`,
      force: 'NWP',
    },
    metadata: seizure.metadata,
  };
}

/**
 * The bare loop: the adapter's schema and page cache, one synchronous connection, no thread, no
 * checks, and durable the plain way: synchronous=FULL (SQLite syncs the WAL at each commit, on
 * the calling thread) with SQLite's automatic checkpoints. With `synchronous: 'NORMAL'` it is
 * the adapter's mechanism bare: commits without a sync, the WAL synced with fdatasync on the
 * libuv pool before the next write (syncWal).
 */
class BareLoop {
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly revisions = new Map<string, number>();
  private readonly walFd: number;

  constructor(file: string, synchronous: 'FULL' | 'NORMAL' = 'FULL') {
    this.db = new Database(file);
    prepareWriterConnection(this.db);
    this.db.pragma(`synchronous = ${synchronous}`);
    // A plain connection checkpoints on its own, every 1,000 WAL pages.
    this.db.pragma('wal_autocheckpoint = 1000');
    this.walFd = openSync(`${file}-wal`, 'r');
    this.insert = this.db.prepare(
      'INSERT INTO events (stream, revision, event_id, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** Writes the events in one transaction, serialising them as the adapter does. */
  writeTransaction(stream: string, events: readonly EventToAppend[]): void {
    this.db.exec('BEGIN IMMEDIATE');
    for (const event of events) this.insertInto(stream, event);
    this.db.exec('COMMIT');
  }

  /** Inserts one event into the stream named by its envelope, inside a transaction the caller holds. */
  writeTransactionless(event: EventToAppend): void {
    this.insertInto(String(event.metadata.operationId), event);
  }

  private insertInto(stream: string, event: EventToAppend): void {
    const revision = (this.revisions.get(stream) ?? -1) + 1;
    this.insert.run(
      stream,
      revision,
      event.eventId,
      event.type,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      new Date().toISOString(),
    );
    this.revisions.set(stream, revision);
  }

  /** fdatasync of the WAL on the libuv pool. */
  syncWal(): Promise<void> {
    return new Promise((resolve, reject) =>
      fdatasync(this.walFd, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): void {
    closeSync(this.walFd);
    this.db.close();
  }
}

/**
 * A write round's clocks: wall and process CPU, and CPU per thread: the main thread, and the
 * busiest other (the libuv pool thread syncing the WAL, or the checkpoint thread).
 */
class WriteClocks {
  readonly elapsed = Stopwatch.start();
  private readonly threads = new ThreadCpuWindow();

  /** Stops the clocks: "CPU per event: …" for the row's note, empty where threads cannot be read. */
  stop(events: number, busiestOther: string): string {
    this.elapsed.stop();
    const split = this.threads.stop(events);
    if (!split) return '';
    return `CPU per event: main thread ${split.mainMicros} µs, ${busiestOther} ${split.busiestOtherMicros} µs, other threads ${split.restMicros} µs`;
  }
}

function withNote(extra: Partial<BenchRow>, ...notes: string[]): Partial<BenchRow> {
  const note = [extra.note, ...notes].filter(Boolean).join('; ');
  return note ? { ...extra, note } : extra;
}

function throughput(
  scenario: string,
  subject: string,
  count: number,
  events: number,
  elapsed: Stopwatch,
  extra: Partial<BenchRow> = {},
): BenchRow {
  const seconds = elapsed.seconds();
  return {
    scenario,
    subject,
    count,
    seconds: round(seconds, 3),
    opsPerSecond: Math.round(count / seconds),
    eventsPerSecond: Math.round(events / seconds),
    eventsPerCpuSecond: Math.round(events / elapsed.cpuSeconds()),
    ...extra,
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const SYNC_ON_POOL = 'sync-on-pool loop: NORMAL, fdatasync of the WAL on the libuv pool';

/** One way of doing a workload: the adapter, or the bare loop doing the same durable work. */
interface Subject {
  /** Runs the workload once; `round` keeps each round's streams apart. */
  run(round: number): Promise<BenchRow>;
}

/**
 * Runs every subject once per round, the first subject of a round alternating, and reports
 * for each the round with its median events per second, every round's figure in the note.
 */
async function compare(report: BenchReport, subjects: readonly Subject[]): Promise<void> {
  const runs: BenchRow[][] = subjects.map(() => []);
  for (let r = 0; r < sizes.rounds; r++) {
    const order = subjects.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) runs[i].push(await subjects[i].run(r));
  }
  for (const rows of runs) {
    const sorted = [...rows].sort((a, b) => (a.eventsPerSecond ?? 0) - (b.eventsPerSecond ?? 0));
    const median = sorted[Math.floor(sorted.length / 2)];
    const figures = rows.map((row) => (row.eventsPerSecond ?? 0).toLocaleString('en-GB')).join(' / ');
    const note = [median.note, rows.length > 1 ? `median of rounds ${figures} events/s` : null]
      .filter(Boolean)
      .join('; ');
    report.add({ ...median, ...(note && { note }) });
  }
}

function singleCaller(store: SqliteEventStore, bare: BareLoop, pooled: BareLoop): Subject[] {
  const scenario = 'single-event appends, 1 caller';
  return [
    {
      async run(r) {
        const stream = `operation-single-${r}`;
        const events = Array.from({ length: sizes.single }, (_, n) => realisticEvent(stream, n));
        const latency = new LatencyRecorder();
        const loop = new EventLoopWatch().start();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        let revision: number | 'no_stream' = 'no_stream';
        for (const event of events) {
          const result = await latency.time(() =>
            store.append(stream, [event], { expectedRevision: revision }),
          );
          revision = result.nextExpectedRevision;
        }
        return throughput(
          scenario,
          'adapter',
          events.length,
          events.length,
          start,
          withNote(
            {
              ...latency.summary(),
              ...loop.stop(),
            },
            clocks.stop(events.length, 'busiest other thread'),
          ),
        );
      },
    },
    {
      async run(r) {
        const stream = `operation-single-${r}`;
        const events = Array.from({ length: sizes.single }, (_, n) => realisticEvent(stream, n));
        const latency = new LatencyRecorder();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        for (const event of events) {
          const t = performance.now();
          bare.writeTransaction(stream, [event]);
          latency.record(performance.now() - t);
        }
        return throughput(
          scenario,
          'bare loop, 1 tx per event',
          events.length,
          events.length,
          start,
          withNote(
            { ...latency.summary(), note: 'one fsync per event' },
            clocks.stop(events.length, 'busiest other thread'),
          ),
        );
      },
    },
    {
      async run(r) {
        const stream = `operation-single-${r}`;
        const events = Array.from({ length: sizes.single }, (_, n) => realisticEvent(stream, n));
        const latency = new LatencyRecorder();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        for (const event of events) {
          const t = performance.now();
          pooled.writeTransaction(stream, [event]);
          await pooled.syncWal();
          latency.record(performance.now() - t);
        }
        return throughput(
          scenario,
          SYNC_ON_POOL,
          events.length,
          events.length,
          start,
          withNote(latency.summary(), clocks.stop(events.length, 'busiest other thread')),
        );
      },
    },
  ];
}

function concurrentCallers(store: SqliteEventStore, bare: BareLoop, pooled: BareLoop): Subject[] {
  const scenario = `single-event appends, ${sizes.callers} callers`;
  const perCaller = Math.floor(sizes.concurrentTotal / sizes.callers);
  const total = perCaller * sizes.callers;
  return [
    {
      async run(r) {
        const streamOf = (c: number) => `operation-caller-${r}-${c}`;
        const prepared = Array.from({ length: sizes.callers }, (_, c) =>
          Array.from({ length: perCaller }, (_, n) => realisticEvent(streamOf(c), n)),
        );
        const latency = new LatencyRecorder();
        const before = store.metrics();
        const loop = new EventLoopWatch().start();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        await Promise.all(
          prepared.map(async (events, c) => {
            let revision: number | 'no_stream' = 'no_stream';
            for (const event of events) {
              const result = await latency.time(() =>
                store.append(streamOf(c), [event], { expectedRevision: revision }),
              );
              revision = result.nextExpectedRevision;
            }
          }),
        );
        start.stop();
        const transactions = store.metrics().transactions - before.transactions;
        return throughput(
          scenario,
          'adapter',
          total,
          total,
          start,
          withNote(
            {
              ...latency.summary(),
              ...loop.stop(),
              note: `${transactions} transactions, ${round(total / transactions, 1)} appends each`,
            },
            clocks.stop(total, 'busiest other thread'),
          ),
        );
      },
    },
    {
      // The bare loop has no callers to wait for: it writes the same rows in groups of the same size.
      async run(r) {
        const group = sizes.callers;
        const events = Array.from({ length: total }, (_, n) =>
          realisticEvent(`operation-caller-${r}-${n % group}`, n),
        );
        const latency = new LatencyRecorder();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        for (let i = 0; i < events.length; i += group) {
          const t = performance.now();
          bare.db.transaction(() => {
            for (const event of events.slice(i, i + group)) bare.writeTransactionless(event);
          })();
          latency.record(performance.now() - t);
        }
        return throughput(
          scenario,
          `bare loop, 1 tx per ${group} events`,
          total,
          total,
          start,
          withNote(
            { ...latency.summary(), note: 'ideal grouping, latency per tx' },
            clocks.stop(total, 'busiest other thread'),
          ),
        );
      },
    },
    {
      async run(r) {
        const group = sizes.callers;
        const events = Array.from({ length: total }, (_, n) =>
          realisticEvent(`operation-caller-${r}-${n % group}`, n),
        );
        const latency = new LatencyRecorder();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        for (let i = 0; i < events.length; i += group) {
          const t = performance.now();
          pooled.db.transaction(() => {
            for (const event of events.slice(i, i + group)) pooled.writeTransactionless(event);
          })();
          await pooled.syncWal();
          latency.record(performance.now() - t);
        }
        return throughput(
          scenario,
          `${SYNC_ON_POOL}, 1 tx per ${group} events`,
          total,
          total,
          start,
          withNote(
            { ...latency.summary(), note: 'latency per tx' },
            clocks.stop(total, 'busiest other thread'),
          ),
        );
      },
    },
  ];
}

function batches(store: SqliteEventStore, bare: BareLoop): Subject[] {
  const scenario = `batches of ${sizes.batchSize}, 1 stream`;
  const events = sizes.batches * sizes.batchSize;
  const prepare = (stream: string) =>
    Array.from({ length: sizes.batches }, (_, b) =>
      Array.from({ length: sizes.batchSize }, (_, i) => realisticEvent(stream, b * sizes.batchSize + i)),
    );
  return [
    {
      async run(r) {
        const stream = `operation-batches-${r}`;
        const prepared = prepare(stream);
        const latency = new LatencyRecorder();
        const loop = new EventLoopWatch().start();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        let revision: number | 'no_stream' = 'no_stream';
        for (const batch of prepared) {
          const result = await latency.time(() =>
            store.append(stream, batch, { expectedRevision: revision }),
          );
          revision = result.nextExpectedRevision;
        }
        return throughput(
          scenario,
          'adapter',
          sizes.batches,
          events,
          start,
          withNote(
            {
              ...latency.summary(),
              ...loop.stop(),
            },
            clocks.stop(events, 'busiest other thread'),
          ),
        );
      },
    },
    {
      async run(r) {
        const stream = `operation-batches-${r}`;
        const prepared = prepare(stream);
        const latency = new LatencyRecorder();
        const clocks = new WriteClocks();
        const start = clocks.elapsed;
        for (const batch of prepared) {
          const t = performance.now();
          bare.writeTransaction(stream, batch);
          latency.record(performance.now() - t);
        }
        return throughput(
          scenario,
          'bare loop',
          sizes.batches,
          events,
          start,
          withNote(latency.summary(), clocks.stop(events, 'busiest other thread')),
        );
      },
    },
  ];
}

/** Sustained load with the event loop watched: the adapter against a bare loop, both on the main thread. */
function eventLoopUnderLoad(store: SqliteEventStore, bare: BareLoop): Subject[] {
  const scenario = `event loop during ${sizes.sustainedMs / 1000}s of appends`;
  return [
    {
      async run(r) {
        const loop = new EventLoopWatch().start();
        const clocks = new WriteClocks();
        const sustained = clocks.elapsed;
        const deadline = performance.now() + sizes.sustainedMs;
        let appended = 0;
        await Promise.all(
          Array.from({ length: sizes.callers }, async (_, c) => {
            const stream = `operation-sustained-${r}-${c}`;
            let n = 0;
            while (performance.now() < deadline) {
              await store.append(stream, [realisticEvent(stream, n++)]);
              appended++;
            }
          }),
        );
        return throughput(
          scenario,
          'adapter',
          appended,
          appended,
          sustained,
          withNote(
            {
              ...loop.stop(),
              note: 'includes WAL checkpoints (on their own thread)',
            },
            clocks.stop(appended, 'busiest other thread'),
          ),
        );
      },
    },
    {
      // The same work done synchronously on the main thread, one group per turn of the loop.
      async run(r) {
        const loop = new EventLoopWatch().start();
        const clocks = new WriteClocks();
        const sustained = clocks.elapsed;
        const deadline = performance.now() + sizes.sustainedMs;
        let appended = 0;
        let n = 0;
        while (performance.now() < deadline) {
          const group = Array.from({ length: sizes.callers }, (_, c) =>
            realisticEvent(`operation-sustained-${r}-${c}`, n++),
          );
          bare.db.transaction(() => group.forEach((event) => bare.writeTransactionless(event)))();
          appended += group.length;
          await new Promise((resolve) => setImmediate(resolve));
        }
        return throughput(
          scenario,
          'bare loop on the main thread',
          appended,
          appended,
          sustained,
          withNote(
            {
              ...loop.stop(),
              note: `1 tx per ${sizes.callers} events; includes WAL checkpoints (on the main thread)`,
            },
            clocks.stop(appended, 'busiest other thread'),
          ),
        );
      },
    },
  ];
}

const AGGREGATE_STREAM = 'operation-aggregate';

/**
 * Fills the log to `target` events as an operation's log grows: four busy streams written in
 * batches of 1,000 (three arrests for every seizure), and one aggregate's stream of
 * `sizes.aggregateEvents` events written 100 at a time among them, so its rows are spread
 * through the file as a long-lived operation's are.
 */
async function fill(store: SqliteEventStore, target: number): Promise<void> {
  const batch = 1000;
  const writers = 4;
  let written = store.metrics().eventsWritten;
  let aggregate = 0;
  let n = 0;
  while (written < target || aggregate < sizes.aggregateEvents) {
    const rounds = Array.from({ length: written < target ? writers : 0 }, (_, w) =>
      store.append(
        `operation-fill-${w}`,
        Array.from({ length: batch }, () =>
          n % 4 === 0 ? realisticEvent(`operation-fill-${w}`, n++) : arrestEvent(`operation-fill-${w}`, n++),
        ),
      ),
    );
    const share = Math.min(100, sizes.aggregateEvents - aggregate);
    if (share > 0) {
      rounds.push(
        store.append(
          AGGREGATE_STREAM,
          Array.from({ length: share }, (_, i) =>
            (aggregate + i) % 4 === 0
              ? realisticEvent(AGGREGATE_STREAM, aggregate + i)
              : arrestEvent(AGGREGATE_STREAM, aggregate + i),
          ),
        ),
      );
      aggregate += share;
    }
    await Promise.all(rounds);
    written = store.metrics().eventsWritten;
  }
}

/** Runs `read` (which returns how many events it handled) as one round of a read scenario. */
async function timeRead(
  scenario: string,
  subject: string,
  read: () => Promise<number>,
  note?: string,
): Promise<BenchRow> {
  const elapsed = Stopwatch.start();
  const count = await read();
  elapsed.stop();
  return { ...throughput(scenario, subject, count, count, elapsed), ...(note && { note }) };
}

const COLUMNS = 'seq, stream, revision, event_id, type, data, metadata, created_at';

/**
 * What the bare reference builds of a row: its columns and its data and metadata parsed. The
 * adapter's RecordedEvent is the same plus a position object.
 */
function parsedRow(row: unknown[]): { row: unknown[]; data: unknown; metadata: unknown } {
  return { row, data: JSON.parse(row[5] as string), metadata: JSON.parse(row[6] as string) };
}

/**
 * The global log read in pages of 1,000 and 10,000: the adapter's readAll against the bare
 * query of the same page, parsed and kept until the next page is read, as a reader of pages
 * keeps them. A third scenario streams the log in one pass, dropping each row once parsed,
 * which no page-returning API can match at large pages (the page outlives young collections).
 */
async function readGlobalLog(
  report: BenchReport,
  store: SqliteEventStore,
  db: Database.Database,
  head: number,
): Promise<void> {
  const { bytes } = db.prepare('SELECT AVG(length(data) + length(metadata)) AS bytes FROM events').get() as {
    bytes: number;
  };
  const note = `${Math.round(bytes)} B of JSON per event on average`;
  const page = db.prepare(`SELECT ${COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`).raw(true);
  // Reads are synchronous calls on the main thread, so there is no event-loop figure to take here.
  for (const size of [1_000, 10_000]) {
    const scenario = `read global log, ${head.toLocaleString('en-GB')} events, pages of ${size.toLocaleString('en-GB')}`;
    await compare(report, [
      {
        run: () =>
          timeRead(
            scenario,
            'adapter readAll',
            async () => {
              let count = 0;
              let after: GlobalPosition | undefined;
              for (;;) {
                const events = await store.readAll({ after, maxCount: size });
                if (events.length === 0) return count;
                count += events.length;
                after = events[events.length - 1].position;
              }
            },
            `parsed RecordedEvent objects, ${note}`,
          ),
      },
      {
        run: () =>
          timeRead(scenario, 'bare loop, query a page + JSON.parse, page kept', async () => {
            let count = 0;
            let after = 0;
            for (;;) {
              const rows = page.all(after, size) as unknown[][];
              if (rows.length === 0) return count;
              const parsed = rows.map(parsedRow);
              count += parsed.length;
              after = rows[rows.length - 1][0] as number;
            }
          }),
      },
    ]);
  }

  const scenario = `read global log, ${head.toLocaleString('en-GB')} events, one pass`;
  await compare(report, [
    {
      run: () =>
        timeRead(
          scenario,
          'bare loop, iterate + JSON.parse, each row dropped',
          async () => {
            let count = 0;
            const rows = db
              .prepare(`SELECT ${COLUMNS} FROM events ORDER BY seq`)
              .raw(true)
              .iterate() as Iterable<unknown[]>;
            for (const row of rows) {
              JSON.parse(row[5] as string);
              JSON.parse(row[6] as string);
              count++;
            }
            return count;
          },
          'the ceiling of any page-returning read',
        ),
    },
  ]);
}

/**
 * One aggregate's stream of 10,000 events read back: whole, and in pages of 500 from revision 0
 * as the integrity walk and a writer catching up read it, against the bare query of the same rows.
 */
async function readAggregate(
  report: BenchReport,
  store: SqliteEventStore,
  db: Database.Database,
): Promise<void> {
  const length =
    (await store.readStream(AGGREGATE_STREAM, { direction: 'backwards', maxCount: 1 }))[0].revision + 1;
  const whole = db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? ORDER BY revision`).raw(true);
  const paged = db
    .prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`)
    .raw(true);
  // One read of 10,000 events takes milliseconds: each round reads the stream this many times.
  const repeats = quick ? 5 : 20;
  const scenario = (how: string) => `read one stream of ${length.toLocaleString('en-GB')} events, ${how}`;
  const pageSize = DEFAULT_PAGE_SIZE;
  await compare(report, [
    {
      run: () =>
        timeRead(
          scenario('whole'),
          'adapter readStream',
          async () => {
            let count = 0;
            for (let i = 0; i < repeats; i++) count += (await store.readStream(AGGREGATE_STREAM)).length;
            return count;
          },
          `${repeats} reads`,
        ),
    },
    {
      run: () =>
        timeRead(scenario('whole'), 'bare loop, query + JSON.parse', async () => {
          let count = 0;
          for (let i = 0; i < repeats; i++)
            count += (whole.all(AGGREGATE_STREAM) as unknown[][]).map(parsedRow).length;
          return count;
        }),
    },
  ]);
  await compare(report, [
    {
      run: () =>
        timeRead(
          scenario(`pages of ${pageSize}`),
          'adapter readStream',
          async () => {
            let count = 0;
            for (let i = 0; i < repeats; i++) {
              for (let from = 0; ;) {
                const events = await store.readStream(AGGREGATE_STREAM, {
                  fromRevision: from,
                  maxCount: pageSize,
                });
                count += events.length;
                if (events.length < pageSize) break;
                from = events[events.length - 1].revision + 1;
              }
            }
            return count;
          },
          `${repeats} reads`,
        ),
    },
    {
      run: () =>
        timeRead(scenario(`pages of ${pageSize}`), 'bare loop, query a page + JSON.parse', async () => {
          let count = 0;
          for (let i = 0; i < repeats; i++) {
            for (let from = 0; ;) {
              const rows = paged.all(AGGREGATE_STREAM, from, pageSize) as unknown[][];
              count += rows.map(parsedRow).length;
              if (rows.length < pageSize) break;
              from = (rows[rows.length - 1][2] as number) + 1;
            }
          }
          return count;
        }),
    },
  ]);
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'timeline-bench-store-'));
  const report = new BenchReport(
    `Event store benchmark${quick ? ' (quick)' : ''}: adapter WAL + NORMAL + fdatasync of the WAL, bare loop WAL + FULL, file in ${tmpdir()}`,
    {
      quick,
      ...sizes,
    },
  );
  process.stdout.write(`${report.name}\n`);
  const storeFile = join(directory, 'adapter.db');
  const store = await SqliteEventStore.open({ file: storeFile });
  const bare = new BareLoop(join(directory, 'bare.db'));
  const pooled = new BareLoop(join(directory, 'sync-on-pool.db'), 'NORMAL');
  try {
    await compare(report, singleCaller(store, bare, pooled));
    await compare(report, concurrentCallers(store, bare, pooled));
    await compare(report, batches(store, bare));
    await compare(report, eventLoopUnderLoad(store, bare));
    process.stdout.write(
      `  filling the adapter's log to ${sizes.readEvents.toLocaleString('en-GB')} events…\n`,
    );
    await fill(store, sizes.readEvents);
    const head = Number((await store.describe()).headPosition?.commit ?? 0);
    // The bare reads get the adapter reader's settings (page cache, no memory map).
    const db = new Database(storeFile, { readonly: true });
    prepareReaderConnection(db);
    try {
      await readAggregate(report, store, db);
      await readGlobalLog(report, store, db, head);
    } finally {
      db.close();
    }
    report.print();
    const output = join(__dirname, 'results', quick ? 'store.quick.json' : 'store.json');
    report.writeJson(output, {
      store: {
        fileBytes: statSync(storeFile).size,
        metrics: store.metrics(),
        durability: store.durability(),
      },
      targets: {
        concurrentSingleEventsPerSecond: 10_000,
        batchEventsPerSecond: 50_000,
        readParsedEventsPerSecond: 250_000,
      },
    });
    process.stdout.write(`written to ${output}\n`);
  } finally {
    await store.close();
    bare.close();
    pooled.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
