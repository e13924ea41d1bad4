/**
 * `npm run bench:store [-- --quick]`: the embedded store against a bare
 * better-sqlite3 loop writing the same rows to the same schema, both with
 * WAL + synchronous=FULL on a file. Prints a table and writes
 * bench/results/store.json (store.quick.json with --quick).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import type { EventToAppend, GlobalPosition } from '@timeline/event-store';
import { SqliteEventStore } from '../libs/event-store/src/sqlite/sqlite.event-store';
import { prepareWriterConnection } from '../libs/event-store/src/sqlite/sqlite.schema';
import { BenchReport, type BenchRow } from './support/bench-report';
import { EventLoopWatch, LatencyRecorder, Stopwatch } from './support/latency';

const quick = process.argv.includes('--quick');
const sizes = quick
  ? {
      single: 1_000,
      concurrentTotal: 10_000,
      callers: 50,
      batches: 200,
      batchSize: 100,
      readEvents: 100_000,
      sustainedMs: 3_000,
    }
  : {
      single: 3_000,
      concurrentTotal: 30_000,
      callers: 50,
      batches: 600,
      batchSize: 100,
      readEvents: 1_000_000,
      sustainedMs: 10_000,
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

/** The bare loop: the same schema and pragmas as the adapter, one synchronous connection, no worker, no checks. */
class BareLoop {
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly revisions = new Map<string, number>();

  constructor(file: string) {
    this.db = new Database(file);
    prepareWriterConnection(this.db);
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

  close(): void {
    this.db.close();
  }
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

async function singleCaller(report: BenchReport, store: SqliteEventStore, bare: BareLoop): Promise<void> {
  const scenario = 'single-event appends, 1 caller';
  const events = Array.from({ length: sizes.single }, (_, n) => realisticEvent('operation-single', n));
  const latency = new LatencyRecorder();
  const loop = new EventLoopWatch().start();
  let start = Stopwatch.start();
  let revision: number | 'no_stream' = 'no_stream';
  for (const event of events) {
    const result = await latency.time(() =>
      store.append('operation-single', [event], { expectedRevision: revision }),
    );
    revision = result.nextExpectedRevision;
  }
  report.add(
    throughput(scenario, 'adapter', events.length, events.length, start, {
      ...latency.summary(),
      ...loop.stop(),
    }),
  );

  const bareEvents = Array.from({ length: sizes.single }, (_, n) => realisticEvent('operation-single', n));
  const bareLatency = new LatencyRecorder();
  start = Stopwatch.start();
  for (const event of bareEvents) {
    const t = performance.now();
    bare.writeTransaction('operation-single', [event]);
    bareLatency.record(performance.now() - t);
  }
  report.add(
    throughput(scenario, 'bare loop, 1 tx per event', bareEvents.length, bareEvents.length, start, {
      ...bareLatency.summary(),
      note: 'one fsync per event',
    }),
  );
}

async function concurrentCallers(
  report: BenchReport,
  store: SqliteEventStore,
  bare: BareLoop,
): Promise<void> {
  const scenario = `single-event appends, ${sizes.callers} callers`;
  const perCaller = Math.floor(sizes.concurrentTotal / sizes.callers);
  const prepared = Array.from({ length: sizes.callers }, (_, c) =>
    Array.from({ length: perCaller }, (_, n) => realisticEvent(`operation-caller-${c}`, n)),
  );
  const latency = new LatencyRecorder();
  const before = store.metrics();
  const loop = new EventLoopWatch().start();
  const start = Stopwatch.start();
  await Promise.all(
    prepared.map(async (events, c) => {
      let revision: number | 'no_stream' = 'no_stream';
      for (const event of events) {
        const result = await latency.time(() =>
          store.append(`operation-caller-${c}`, [event], { expectedRevision: revision }),
        );
        revision = result.nextExpectedRevision;
      }
    }),
  );
  const after = store.metrics();
  const total = perCaller * sizes.callers;
  const transactions = after.transactions - before.transactions;
  report.add(
    throughput(scenario, 'adapter', total, total, start, {
      ...latency.summary(),
      ...loop.stop(),
      note: `${transactions} transactions, ${round(total / transactions, 1)} appends each`,
    }),
  );

  // The bare loop has no callers to wait for: it writes the same rows in groups of the same size.
  const group = sizes.callers;
  const bareEvents = Array.from({ length: total }, (_, n) =>
    realisticEvent(`operation-caller-${n % group}`, n),
  );
  const bareLatency = new LatencyRecorder();
  const bareStart = Stopwatch.start();
  for (let i = 0; i < bareEvents.length; i += group) {
    const t = performance.now();
    bare.db.transaction(() => {
      for (const event of bareEvents.slice(i, i + group)) bare.writeTransactionless(event);
    })();
    bareLatency.record(performance.now() - t);
  }
  report.add(
    throughput(scenario, `bare loop, 1 tx per ${group} events`, total, total, bareStart, {
      ...bareLatency.summary(),
      note: 'ideal grouping, latency per tx',
    }),
  );
}

async function batches(report: BenchReport, store: SqliteEventStore, bare: BareLoop): Promise<void> {
  const scenario = `batches of ${sizes.batchSize}, 1 stream`;
  const prepared = Array.from({ length: sizes.batches }, (_, b) =>
    Array.from({ length: sizes.batchSize }, (_, i) =>
      realisticEvent('operation-batches', b * sizes.batchSize + i),
    ),
  );
  const latency = new LatencyRecorder();
  const loop = new EventLoopWatch().start();
  let start = Stopwatch.start();
  let revision: number | 'no_stream' = 'no_stream';
  for (const events of prepared) {
    const result = await latency.time(() =>
      store.append('operation-batches', events, { expectedRevision: revision }),
    );
    revision = result.nextExpectedRevision;
  }
  const events = sizes.batches * sizes.batchSize;
  report.add(
    throughput(scenario, 'adapter', sizes.batches, events, start, {
      ...latency.summary(),
      ...loop.stop(),
    }),
  );

  const barePrepared = Array.from({ length: sizes.batches }, (_, b) =>
    Array.from({ length: sizes.batchSize }, (_, i) =>
      realisticEvent('operation-batches', b * sizes.batchSize + i),
    ),
  );
  const bareLatency = new LatencyRecorder();
  start = Stopwatch.start();
  for (const batch of barePrepared) {
    const t = performance.now();
    bare.writeTransaction('operation-batches', batch);
    bareLatency.record(performance.now() - t);
  }
  report.add(throughput(scenario, 'bare loop', sizes.batches, events, start, bareLatency.summary()));
}

/** Sustained load with the event loop watched: the adapter's writer thread against a bare loop on the main thread. */
async function eventLoopUnderLoad(
  report: BenchReport,
  store: SqliteEventStore,
  bare: BareLoop,
): Promise<void> {
  const scenario = `event loop during ${sizes.sustainedMs / 1000}s of appends`;
  const loop = new EventLoopWatch().start();
  const sustained = Stopwatch.start();
  const deadline = performance.now() + sizes.sustainedMs;
  let appended = 0;
  await Promise.all(
    Array.from({ length: sizes.callers }, async (_, c) => {
      let n = 0;
      while (performance.now() < deadline) {
        await store.append(`operation-sustained-${c}`, [realisticEvent(`operation-sustained-${c}`, n++)]);
        appended++;
      }
    }),
  );
  report.add(
    throughput(scenario, 'adapter (writer thread)', appended, appended, sustained, {
      ...loop.stop(),
      note: 'includes WAL checkpoints',
    }),
  );

  // The same work done synchronously on the main thread, one group per turn of the loop.
  const bareLoop = new EventLoopWatch().start();
  const bareSustained = Stopwatch.start();
  const bareDeadline = performance.now() + sizes.sustainedMs;
  let bareAppended = 0;
  let n = 0;
  while (performance.now() < bareDeadline) {
    const group = Array.from({ length: sizes.callers }, (_, c) =>
      realisticEvent(`operation-sustained-${c}`, n++),
    );
    bare.db.transaction(() => group.forEach((event) => bare.writeTransactionless(event)))();
    bareAppended += group.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  report.add(
    throughput(scenario, 'bare loop on the main thread', bareAppended, bareAppended, bareSustained, {
      ...bareLoop.stop(),
      note: `1 tx per ${sizes.callers} events`,
    }),
  );
}

async function fill(store: SqliteEventStore, target: number): Promise<void> {
  const batch = 1000;
  let written = store.metrics().eventsWritten;
  let n = 0;
  const writers = 4;
  while (written < target) {
    const rounds = Array.from({ length: writers }, (_, w) =>
      store.append(
        `operation-fill-${w}`,
        // A mix like an operation's log: three arrests for every seizure.
        Array.from({ length: batch }, () =>
          n % 4 === 0 ? realisticEvent(`operation-fill-${w}`, n++) : arrestEvent(`operation-fill-${w}`, n++),
        ),
      ),
    );
    await Promise.all(rounds);
    written += batch * writers;
  }
}

/** Runs `work` (which returns how many events it handled) under a stopwatch. */
async function measure(work: () => Promise<number>): Promise<{ count: number; elapsed: Stopwatch }> {
  const elapsed = Stopwatch.start();
  const count = await work();
  return { count, elapsed: elapsed.stop() };
}

async function readGlobalLog(report: BenchReport, store: SqliteEventStore, file: string): Promise<void> {
  const head = Number((await store.describe()).headPosition?.commit ?? 0);
  const scenario = `read global log, ${head.toLocaleString('en-GB')} events`;
  const db = new Database(file, { readonly: true });
  const { bytes } = db.prepare('SELECT AVG(length(data) + length(metadata)) AS bytes FROM events').get() as {
    bytes: number;
  };

  // Reads are synchronous calls on the main thread, so there is no event-loop figure to take here.
  for (const page of [1_000, 10_000]) {
    const run = await measure(async () => {
      let count = 0;
      let after: GlobalPosition | undefined;
      for (;;) {
        const events = await store.readAll({ after, maxCount: page });
        if (events.length === 0) return count;
        count += events.length;
        after = events[events.length - 1].position;
      }
    });
    report.add({
      ...throughput(
        scenario,
        `adapter readAll, pages of ${page.toLocaleString('en-GB')}`,
        run.count,
        run.count,
        run.elapsed,
      ),
      note: `parsed RecordedEvent objects, ${Math.round(bytes)} B of JSON each on average`,
    });
  }

  let checksum = 0;
  const bareRun = await measure(async () => {
    let count = 0;
    const rows = db
      .prepare(
        'SELECT seq, stream, revision, event_id, type, data, metadata, created_at FROM events ORDER BY seq',
      )
      .raw(true)
      .iterate() as Iterable<unknown[]>;
    for (const row of rows) {
      const data = JSON.parse(row[5] as string) as { lines?: unknown[] };
      const metadata = JSON.parse(row[6] as string) as { streamRevision?: number };
      checksum += (data.lines?.length ?? 0) + (metadata.streamRevision ?? 0);
      count++;
    }
    return count;
  });
  db.close();
  report.add({
    ...throughput(scenario, 'bare loop, iterate + JSON.parse', bareRun.count, bareRun.count, bareRun.elapsed),
    note: `parsed and dropped at once (checksum ${checksum})`,
  });
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'timeline-bench-store-'));
  const report = new BenchReport(
    `Event store benchmark${quick ? ' (quick)' : ''}: WAL, synchronous=FULL, file in ${tmpdir()}`,
    {
      quick,
      ...sizes,
    },
  );
  process.stdout.write(`${report.name}\n`);
  const storeFile = join(directory, 'adapter.db');
  const store = await SqliteEventStore.open({ file: storeFile });
  const bare = new BareLoop(join(directory, 'bare.db'));
  try {
    await singleCaller(report, store, bare);
    await concurrentCallers(report, store, bare);
    await batches(report, store, bare);
    await eventLoopUnderLoad(report, store, bare);
    process.stdout.write(
      `  filling the adapter's log to ${sizes.readEvents.toLocaleString('en-GB')} events…\n`,
    );
    await fill(store, sizes.readEvents);
    await readGlobalLog(report, store, storeFile);
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
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
