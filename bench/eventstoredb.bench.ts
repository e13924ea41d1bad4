/**
 * `npm run bench:eventstoredb [-- --quick] [--only single-1|single-50|batches] [--subject adapter|bare] [--self-check]`:
 * the EventStoreDB adapter against the bare @eventstore/db-client doing the same
 * appends, in the same run, on the protocol test server (in a child process, so
 * that the CPU time measured here is the client side's own). Scenarios:
 * single-event appends from 1 and from 50 concurrent callers, and batches of 100
 * events. Both subjects send an exact expected revision per stream, as the
 * command handler does.
 *
 * The measure is CPU time per append of this process: wall-clock throughput
 * swings with whatever else the machine runs, CPU time barely does. The subjects
 * alternate within each round (adapter first in even rounds, bare client first in
 * odd ones), rounds are short and many, a garbage collection precedes every
 * measured run so that each pays for its own garbage, and the overhead is the median over rounds of the
 * round's ratio (adapter CPU ÷ bare CPU − 1): a round disturbed by a burst of load
 * moves both subjects of that round, and the median drops it. Target < 15 % in
 * every row, in the quick run too.
 *
 * `--self-check` runs the bare client against itself (a second connection in the
 * adapter's place): the overhead it prints is the measure's own error.
 *
 * `--only` and `--subject` narrow the run for profiling
 * (`node --cpu-prof -r ts-node/register/transpile-only bench/eventstoredb.bench.ts --quick --only batches --subject adapter`).
 *
 * Prints a table and writes bench/results/eventstoredb[.quick].json (not with --only, --subject or --self-check).
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { EventStoreDbEventStore } from '../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import type { EventToAppend } from '../libs/event-store/src/event-store.port';
import { BenchReport, type BenchRow } from './support/bench-report';
import { startServerProcess } from './support/eventstoredb-server-process';
import { EventLoopWatch, LatencyRecorder } from './support/latency';

const quick = process.argv.includes('--quick');
const only = optionValue('--only');
const onlySubject = optionValue('--subject');
/** The measure's own check: both subjects are the bare client, each on a connection of its own; the overhead should be 0. */
const selfCheck = process.argv.includes('--self-check');
/**
 * Appends per round (single: per caller). Many rounds, so that a burst of load from other
 * processes falls on a few of them, which the median then drops; not too short, as each
 * switch of subject costs the adapter (the larger working set) more than the bare client:
 * rounds of 30 appends at 1 caller read 5-10 points more overhead than rounds of 400.
 */
const SIZES = quick
  ? { single: 400, concurrent: 2000, batches: 4, rounds: 13 }
  : { single: 400, concurrent: 2500, batches: 12, rounds: 45 };
const CALLERS = 50;
const BATCH = 100;

/** Collections on demand, so that no run pays for the garbage of the one before. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void;

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
  /** CPU time of this process (adapter or client; the server runs in its own process), in µs. */
  cpuUs: number;
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
  // The young generation is emptied before every run (a scavenge, under a millisecond); the
  // old one before every scenario (runScenario).
  gc({ type: 'minor' });
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
  return {
    seconds,
    appends: callers * appendsEach,
    events: callers * appendsEach * batch,
    cpuUs: cpu.user + cpu.system,
    loop: watch.stop(),
  };
}

interface Scenario {
  readonly key: string;
  readonly scenario: string;
  readonly callers: number;
  readonly appendsEach: number;
  readonly batch: number;
  /** Appends per caller of the warm-up run of each subject. */
  readonly warmUp: number;
}

/** What one scenario measured: per subject the median round, and the overhead as the median of the rounds' ratios. */
interface ScenarioResult {
  readonly rows: BenchRow[];
  readonly cpuOverheadPercent: number;
  /** Lowest and highest round's CPU overhead: how much the rounds agreed. */
  readonly cpuOverheadRangePercent: [number, number];
  readonly throughputOverheadPercent: number;
  readonly cpuMicrosecondsPerAppend: { adapter: number; bareClient: number };
}

async function runScenario(subjects: readonly Subject[], s: Scenario): Promise<ScenarioResult> {
  // Warm each path in this shape (connections, JIT, GC) before anything is measured:
  // otherwise whichever subject runs first pays for compiling its code.
  for (const subject of subjects) await measure(subject, s.callers, s.warmUp, s.batch);
  gc({ type: 'major' });
  const runs = new Map<string, Measurement[]>(subjects.map((subject) => [subject.name, []]));
  const latencies = new Map(subjects.map((subject) => [subject.name, new LatencyRecorder()]));
  for (let round = 0; round < SIZES.rounds; round++) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order) {
      runs
        .get(subject.name)!
        .push(await measure(subject, s.callers, s.appendsEach, s.batch, latencies.get(subject.name)));
    }
  }
  const cpuPerAppend = (m: Measurement) => m.cpuUs / m.appends;
  const rows: BenchRow[] = [];
  const medianCpu = new Map<string, number>();
  const medianOps = new Map<string, number>();
  for (const subject of subjects) {
    const measured = runs.get(subject.name)!;
    const cpuUs = median(measured.map(cpuPerAppend));
    const opsPerSecond = median(measured.map((m) => m.appends / m.seconds));
    medianCpu.set(subject.name, cpuUs);
    medianOps.set(subject.name, opsPerSecond);
    rows.push({
      scenario: s.scenario,
      subject: subject.name,
      count: measured.reduce((sum, m) => sum + m.appends, 0),
      eventsPerCpuSecond: (s.batch * 1e6) / cpuUs,
      ...latencies.get(subject.name)!.summary(),
      loopMaxStallMs: Math.max(...measured.map((m) => m.loop.loopMaxStallMs)),
      loopP99DelayMs: median(measured.map((m) => m.loop.loopP99DelayMs)),
      note: `cpu ${cpuUs.toFixed(cpuUs < 100 ? 1 : 0)} µs/append; ${Math.round(opsPerSecond).toLocaleString('en-GB')} ops/s`,
    });
  }
  if (subjects.length < 2) {
    return {
      rows,
      cpuOverheadPercent: NaN,
      cpuOverheadRangePercent: [NaN, NaN],
      throughputOverheadPercent: NaN,
      cpuMicrosecondsPerAppend: { adapter: NaN, bareClient: NaN },
    };
  }
  const adapterRuns = runs.get('adapter')!;
  const bareRuns = runs.get('bare client')!;
  const roundOverheads = adapterRuns.map(
    (m, round) => (cpuPerAppend(m) / cpuPerAppend(bareRuns[round]) - 1) * 100,
  );
  const cpuOverheadPercent = median(roundOverheads);
  const throughputOverheadPercent =
    median(
      adapterRuns.map(
        (m, round) => ((bareRuns[round].appends / bareRuns[round].seconds) * m.seconds) / m.appends - 1,
      ),
    ) * 100;
  const [bareRow, adapterRow] = ['bare client', 'adapter'].map((name) =>
    rows.find((row) => row.subject === name)!,
  );
  return {
    // The reference first, as in every other table.
    rows: [
      bareRow,
      {
        ...adapterRow,
        note: `${adapterRow.note}; overhead ${cpuOverheadPercent.toFixed(1)} % cpu (rounds ${Math.min(...roundOverheads).toFixed(0)} … ${Math.max(...roundOverheads).toFixed(0)} %), ${throughputOverheadPercent.toFixed(1)} % ops/s; target < 15 % cpu`,
      },
    ],
    cpuOverheadPercent: round1(cpuOverheadPercent),
    cpuOverheadRangePercent: [round1(Math.min(...roundOverheads)), round1(Math.max(...roundOverheads))],
    throughputOverheadPercent: round1(throughputOverheadPercent),
    cpuMicrosecondsPerAppend: {
      adapter: round1(medianCpu.get('adapter')!),
      bareClient: round1(medianCpu.get('bare client')!),
    },
  };
}

async function main(): Promise<void> {
  const report = new BenchReport(
    'EventStoreDB adapter vs bare @eventstore/db-client (protocol test server)',
    { quick, ...SIZES, callers: CALLERS, batch: BATCH },
  );
  const server = await startServerProcess();
  try {
    await measureAll(report, server.connectionString);
  } finally {
    await server.stop();
  }
}

async function measureAll(report: BenchReport, connectionString: string): Promise<void> {
  const store = await EventStoreDbEventStore.open({ connectionString });
  const client = EventStoreDBClient.connectionString(connectionString);
  const second = EventStoreDBClient.connectionString(connectionString);
  const bareAppend =
    (on: EventStoreDBClient): Subject['append'] =>
    async (stream, events, revision) => {
      await on.appendToStream(
        stream,
        events.map((e) => jsonEvent({ id: e.eventId, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: revision < 0 ? 'no_stream' : BigInt(revision) },
      );
    };
  const subjects: Subject[] = (
    [
      {
        name: 'adapter',
        append: selfCheck
          ? bareAppend(second)
          : async (stream, events, revision) => {
              await store.append(stream, events, { expectedRevision: revision < 0 ? 'no_stream' : revision });
            },
      },
      { name: 'bare client', append: bareAppend(client) },
    ] satisfies Subject[]
  ).filter((subject) => onlySubject === undefined || subject.name.startsWith(onlySubject));
  const scenarios: Scenario[] = [
    {
      key: 'single-1',
      scenario: 'single-event appends, 1 caller',
      callers: 1,
      appendsEach: SIZES.single,
      batch: 1,
      warmUp: 6000,
    },
    {
      key: 'single-50',
      scenario: `single-event appends, ${CALLERS} callers`,
      callers: CALLERS,
      appendsEach: Math.ceil(SIZES.concurrent / CALLERS),
      batch: 1,
      warmUp: quick ? 30 : 100,
    },
    {
      key: 'batches',
      scenario: `batches of ${BATCH}, 1 caller`,
      callers: 1,
      appendsEach: SIZES.batches,
      batch: BATCH,
      warmUp: quick ? 30 : 60,
    },
  ];

  const overheads: Record<string, Omit<ScenarioResult, 'rows' | 'cpuMicrosecondsPerAppend'>> = {};
  const cpuPerAppend: Record<string, ScenarioResult['cpuMicrosecondsPerAppend']> = {};
  for (const scenario of scenarios.filter((s) => only === undefined || s.key === only)) {
    const { rows, cpuMicrosecondsPerAppend, ...overhead } = await runScenario(subjects, scenario);
    for (const row of rows) report.add(row);
    overheads[scenario.scenario] = overhead;
    cpuPerAppend[scenario.scenario] = cpuMicrosecondsPerAppend;
  }

  await store.close();
  await client.dispose();
  await second.dispose();
  report.print();
  if (only !== undefined || onlySubject !== undefined || selfCheck) return;
  report.writeJson(join(__dirname, 'results', quick ? 'eventstoredb.quick.json' : 'eventstoredb.json'), {
    overheadPercent: overheads,
    cpuMicrosecondsPerAppend: cpuPerAppend,
  });
}

function optionValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
