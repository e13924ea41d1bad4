/**
 * `npm run bench:eventstoredb [-- --quick]`: the EventStoreDB adapter against the
 * bare @eventstore/db-client doing the same appends, in the same run, on the
 * protocol test server (in a child process, so that the CPU time measured here
 * is the client side's own). Scenarios: single-event appends from 1 and from 50
 * concurrent callers, and batches of 100 events. Both subjects send an exact
 * expected revision per stream, as the command handler does. The subjects take
 * turns over several rounds so that warm-up and drift fall on both.
 *
 * Prints a table and writes bench/results/eventstoredb[.quick].json; the
 * adapter's overhead is (bare ops/s ÷ adapter ops/s − 1), the target < 15 %.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { EventStoreDbEventStore } from '../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import type { EventToAppend } from '../libs/event-store/src/event-store.port';
import { BenchReport, type BenchRow } from './support/bench-report';
import { startServerProcess } from './support/eventstoredb-server-process';
import { EventLoopWatch, LatencyRecorder } from './support/latency';

const quick = process.argv.includes('--quick');
const SIZES = quick
  ? { single: 400, concurrent: 2000, batches: 20, rounds: 2 }
  : { single: 3000, concurrent: 20000, batches: 200, rounds: 4 };
const CALLERS = 50;
const BATCH = 100;

interface Subject {
  readonly name: 'adapter' | 'bare client';
  /** Appends `events` to `stream` whose current revision is `revision` (-1: new stream). */
  append(stream: string, events: EventToAppend[], revision: number): Promise<void>;
}

function anEvent(i: number): EventToAppend {
  return {
    eventId: randomUUID(),
    type: 'SeizureRecorded',
    data: {
      seizureId: `S-${i}`,
      raidId: `R-${i % 97}`,
      lines: [
        {
          kind: 'drugs',
          drugType: 'cocaine',
          quantity: { value: 1.25, unit: 'kg' },
          purity: { percent: 72, status: 'tested' },
        },
        { kind: 'cash', pence: 5_400_000 },
        { kind: 'firearms', category: 'pistol', count: 2, rounds: 48 },
      ],
      location: 'LL11',
    },
    metadata: {
      schemaVersion: 1,
      operationId: 'venetic',
      occurredAt: '2020-06-13T05:30:00.000Z',
      recordedAt: '2020-06-13T07:02:11.123Z',
      recordedBy: 'officer-4711',
      agency: 'NWP',
      correlationId: randomUUID(),
      causationId: null,
      classification: 'OFFICIAL-SENSITIVE',
      streamRevision: i,
      prevHash: 'a'.repeat(64),
      hash: 'b'.repeat(64),
    },
  };
}

interface Measurement {
  seconds: number;
  appends: number;
  events: number;
  /** CPU time of this process (adapter or client; the server runs in its own process), in ms. */
  busyMs: number;
  loop: { loopMaxStallMs: number; loopP99DelayMs: number };
}

/** `callers` loops, each appending `appendsEach` times `batch` events to a stream of its own. */
async function measure(
  subject: Subject,
  callers: number,
  appendsEach: number,
  batch: number,
  latency = new LatencyRecorder(),
): Promise<Measurement> {
  const run = randomUUID().slice(0, 8);
  // Events are made before the clock starts: only appending is measured.
  const work = Array.from({ length: callers }, () =>
    Array.from({ length: appendsEach }, (_, n) =>
      Array.from({ length: batch }, (_, i) => anEvent(n * batch + i)),
    ),
  );
  const watch = new EventLoopWatch().start();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    work.map(async (appends, caller) => {
      const stream = `operation-bench-${run}-${caller}`;
      let revision = -1;
      for (const events of appends) {
        await latency.time(() => subject.append(stream, events, revision));
        revision += batch;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const busyMs = (cpu.user + cpu.system) / 1000;
  return {
    seconds,
    appends: callers * appendsEach,
    events: callers * appendsEach * batch,
    busyMs,
    loop: watch.stop(),
  };
}

async function main(): Promise<void> {
  const report = new BenchReport(
    'EventStoreDB adapter vs bare @eventstore/db-client (protocol test server)',
    {
      quick,
      ...SIZES,
      callers: CALLERS,
      batch: BATCH,
    },
  );
  const server = await startServerProcess();
  const store = await EventStoreDbEventStore.open({ connectionString: server.connectionString });
  const client = EventStoreDBClient.connectionString(server.connectionString);
  const subjects: Subject[] = [
    {
      name: 'adapter',
      append: async (stream, events, revision) => {
        await store.append(stream, events, { expectedRevision: revision < 0 ? 'no_stream' : revision });
      },
    },
    {
      name: 'bare client',
      append: async (stream, events, revision) => {
        await client.appendToStream(
          stream,
          events.map((e) => jsonEvent({ id: e.eventId, type: e.type, data: e.data, metadata: e.metadata })),
          { expectedRevision: revision < 0 ? 'no_stream' : BigInt(revision) },
        );
      },
    },
  ];
  const scenarios = [
    { scenario: 'single-event appends, 1 caller', callers: 1, appendsEach: SIZES.single, batch: 1 },
    {
      scenario: `single-event appends, ${CALLERS} callers`,
      callers: CALLERS,
      appendsEach: Math.ceil(SIZES.concurrent / CALLERS),
      batch: 1,
    },
    { scenario: `batches of ${BATCH}, 1 caller`, callers: 1, appendsEach: SIZES.batches, batch: BATCH },
  ];

  // Warm both paths in every shape (connections, JIT, GC) before anything is measured:
  // otherwise whichever subject runs first pays for compiling its code.
  for (const subject of subjects) {
    await measure(subject, 1, quick ? 1000 : 5000, 1);
    await measure(subject, CALLERS, quick ? 6 : 20, 1);
    await measure(subject, 1, quick ? 5 : 20, BATCH);
  }

  const overheads: Record<string, { throughputPercent: number; cpuPercent: number }> = {};
  const cpuPerAppend: Record<string, Record<string, number>> = {};
  for (const { scenario, callers, appendsEach, batch } of scenarios) {
    const totals = new Map<string, Measurement[]>();
    const latencies = new Map(subjects.map((subject) => [subject.name, new LatencyRecorder()]));
    for (let round = 0; round < SIZES.rounds; round++) {
      const order = round % 2 === 0 ? subjects : [...subjects].reverse();
      for (const subject of order) {
        const list = totals.get(subject.name) ?? [];
        list.push(await measure(subject, callers, appendsEach, batch, latencies.get(subject.name)));
        totals.set(subject.name, list);
      }
    }
    const rows: Record<string, BenchRow> = {};
    const busyPerAppendUs: Record<string, number> = {};
    for (const subject of subjects) {
      const runs = totals.get(subject.name)!;
      const seconds = runs.reduce((sum, m) => sum + m.seconds, 0);
      const appends = runs.reduce((sum, m) => sum + m.appends, 0);
      const events = runs.reduce((sum, m) => sum + m.events, 0);
      busyPerAppendUs[subject.name] = (runs.reduce((sum, m) => sum + m.busyMs, 0) * 1000) / appends;
      rows[subject.name] = {
        scenario,
        subject: subject.name,
        count: appends,
        seconds,
        opsPerSecond: appends / seconds,
        eventsPerSecond: events / seconds,
        ...latencies.get(subject.name)!.summary(),
        loopMaxStallMs: Math.max(...runs.map((m) => m.loop.loopMaxStallMs)),
        loopP99DelayMs: Math.max(...runs.map((m) => m.loop.loopP99DelayMs)),
      };
    }
    // Throughput depends on the whole machine; CPU time per append is the client side's
    // own cost (the server runs in its own process), and steadier on a loaded host.
    const throughput = (rows['bare client'].opsPerSecond! / rows.adapter.opsPerSecond! - 1) * 100;
    const cpu = (busyPerAppendUs.adapter / busyPerAppendUs['bare client'] - 1) * 100;
    overheads[scenario] = { throughputPercent: round1(throughput), cpuPercent: round1(cpu) };
    cpuPerAppend[scenario] = {
      adapter: round1(busyPerAppendUs.adapter),
      bareClient: round1(busyPerAppendUs['bare client']),
    };
    report.add({
      ...rows['bare client'],
      note: `cpu ${busyPerAppendUs['bare client'].toFixed(0)} µs/append`,
    });
    report.add({
      ...rows.adapter,
      note: `cpu ${busyPerAppendUs.adapter.toFixed(0)} µs/append; overhead ${throughput.toFixed(1)} % ops/s, ${cpu.toFixed(1)} % cpu (target < 15 %)`,
    });
  }

  await store.close();
  await client.dispose();
  await server.stop();
  report.print();
  report.writeJson(join(__dirname, 'results', quick ? 'eventstoredb.quick.json' : 'eventstoredb.json'), {
    overheadPercent: overheads,
    cpuMicrosecondsPerAppend: cpuPerAppend,
  });
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
