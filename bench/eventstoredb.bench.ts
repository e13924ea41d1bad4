/**
 * `npm run bench:eventstoredb [-- --quick] [--only single-1|single-50|batches] [--subject adapter|bare] [--self-check] [--plain-bare]`:
 * the EventStoreDB adapter against the bare @eventstore/db-client doing the same
 * appends, in the same run, on the protocol test server (in a child process, so
 * that the CPU time measured here is the client side's own). Scenarios:
 * single-event appends from 1 and from 50 concurrent callers, and batches of 100
 * events. Both subjects send an exact expected revision per stream, as the
 * command handler does, and the same call options (deadline, requires-leader).
 *
 * The measure is CPU time per append of this process: wall-clock throughput
 * swings with whatever else the machine runs, CPU time barely does. The subjects
 * alternate within each round (adapter first in even rounds, bare client first in
 * odd ones), rounds are short and many, a garbage collection precedes every
 * measured run so that each pays for its own garbage, and the overhead is the median over rounds of the
 * round's ratio (adapter CPU ÷ bare CPU − 1): a round disturbed by a burst of load
 * moves both subjects of that round, and the median drops it. Beside it: the 95 %
 * confidence interval of that median, and at 1 caller a self-check in the same
 * rounds (the bare client on a second connection as a third subject, whose
 * "overhead" is the measure's own error). Target < 15 % in every row, in the quick
 * run too.
 *
 * `--self-check` runs the bare client against itself in every scenario (a second
 * connection in the adapter's place). `--plain-bare` sends the bare client's
 * appends without the adapter's call options, to see what they cost.
 *
 * `--only` and `--subject` narrow the run for profiling
 * (`node --cpu-prof -r ts-node/register/transpile-only bench/eventstoredb.bench.ts --quick --only batches --subject adapter`).
 *
 * Prints a table and writes bench/results/eventstoredb[.quick].json (not with --only, --subject, --self-check or --plain-bare).
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { EventStoreDbEventStore } from '../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import type { EventToAppend } from '../libs/event-store/src/event-store.port';
import { resolveEventStoreDbOptions } from '../libs/event-store/src/eventstoredb/eventstoredb.options';
import { BenchReport, type BenchRow } from './support/bench-report';
import { startServerProcess } from './support/eventstoredb-server-process';
import { EventLoopWatch, LatencyRecorder } from './support/latency';
import { median, medianConfidenceInterval } from './support/statistics';

const quick = process.argv.includes('--quick');
const only = optionValue('--only');
const onlySubject = optionValue('--subject');
/** The measure's own check: both subjects are the bare client, each on a connection of its own; the overhead should be 0. */
const selfCheck = process.argv.includes('--self-check');
/** The bare client without the adapter's call options (deadline, requires-leader): what they cost. */
const plainBare = process.argv.includes('--plain-bare');
/**
 * Appends per round (single: per caller). Many rounds, so that a burst of load from other
 * processes falls on a few of them, which the median then drops. Each switch of subject
 * costs the adapter (the larger working set) more than the bare client: rounds of 30
 * appends at 1 caller read 5-10 points more overhead than rounds of 400. So every run
 * begins with `settle` appends per caller that are not measured (the same streams, just
 * before the clock starts): they pay for the switch, and the measured appends can be few.
 * Rounds are a multiple of 6, so that with the self-check's third subject every order of
 * the three runs as often.
 */
const SIZES = quick
  ? {
      single: 120,
      concurrent: 800,
      batches: 3,
      rounds: 24,
      settle: { single: 40, concurrent: 3, batches: 1 },
    }
  : {
      single: 300,
      concurrent: 2500,
      batches: 10,
      rounds: 48,
      settle: { single: 60, concurrent: 10, batches: 2 },
    };
const CALLERS = 50;
const BATCH = 100;

/** Collections on demand, so that no run pays for the garbage of the one before. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void;

/** The bare client on a second connection of its own, run as a third subject: its "overhead" is the measure's own error. */
const SELF_CHECK_SUBJECT = 'bare client, second connection';

interface Subject {
  readonly name: 'adapter' | 'bare client' | typeof SELF_CHECK_SUBJECT;
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
  settle = 0,
): Promise<Measurement> {
  const run = randomUUID().slice(0, 8);
  // Events are made before the clock starts: only appending is measured.
  const work = Array.from({ length: callers }, () =>
    Array.from({ length: settle + appendsEach }, (_, n) =>
      Array.from({ length: batch }, (_, i) => anEvent(n * batch + i)),
    ),
  );
  const streams = work.map((_, caller) => ({ name: `operation-bench-${run}-${caller}`, revision: -1 }));
  const appendFrom = (from: number, to: number, time: boolean) =>
    Promise.all(
      work.map(async (appends, caller) => {
        const stream = streams[caller];
        for (let n = from; n < to; n++) {
          const append = () => subject.append(stream.name, appends[n], stream.revision);
          await (time ? latency.time(append) : append());
          stream.revision += batch;
        }
      }),
    );
  // The young generation is emptied before every run (a scavenge, under a millisecond); the
  // old one before every scenario (runScenario).
  gc({ type: 'minor' });
  // Not measured: these pay for switching from the other subject (caches, connection, JIT state).
  await appendFrom(0, settle, false);
  const watch = new EventLoopWatch().start();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await appendFrom(settle, settle + appendsEach, true);
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
  /** Unmeasured appends per caller at the start of every run. */
  readonly settle: number;
  /** Whether the bare client on a second connection runs as a third subject: the measure's own error. */
  readonly selfCheck: boolean;
}

/** What one scenario measured: per subject the median round, and the overhead as the median of the rounds' ratios. */
interface ScenarioResult {
  readonly rows: BenchRow[];
  readonly cpuOverheadPercent: number;
  /** Lowest and highest round's CPU overhead: how much the rounds agreed. */
  readonly cpuOverheadRangePercent: [number, number];
  /** 95 % confidence interval of the median overhead (order statistics of the rounds' ratios, no assumption on their spread). */
  readonly cpuOverheadConfidencePercent: [number, number];
  /** The bare client against itself in the same rounds: its median "overhead" and that median's 95 % interval. */
  readonly selfCheck?: { readonly cpuOverheadPercent: number; readonly confidencePercent: [number, number] };
  readonly throughputOverheadPercent: number;
  readonly cpuMicrosecondsPerAppend: { adapter: number; bareClient: number };
}

/** Every order of `items`: rounds cycle through them, so that no subject always follows the same one. */
function orders<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

async function runScenario(subjects: readonly Subject[], s: Scenario): Promise<ScenarioResult> {
  // Warm each path in this shape (connections, JIT, GC) before anything is measured:
  // otherwise whichever subject runs first pays for compiling its code.
  for (const subject of subjects) await measure(subject, s.callers, s.warmUp, s.batch);
  gc({ type: 'major' });
  const runs = new Map<string, Measurement[]>(subjects.map((subject) => [subject.name, []]));
  const latencies = new Map(subjects.map((subject) => [subject.name, new LatencyRecorder()]));
  // Two subjects: adapter first in even rounds, bare client first in odd ones; three: all six orders in turn.
  const roundOrders = subjects.length === 2 ? [subjects, [...subjects].reverse()] : orders(subjects);
  for (let round = 0; round < SIZES.rounds; round++) {
    for (const subject of roundOrders[round % roundOrders.length]) {
      runs
        .get(subject.name)!
        .push(
          await measure(subject, s.callers, s.appendsEach, s.batch, latencies.get(subject.name), s.settle),
        );
    }
  }
  const cpuPerAppend = (m: Measurement) => m.cpuUs / m.appends;
  const rows: BenchRow[] = [];
  const medianCpu = new Map<string, number>();
  for (const subject of subjects) {
    const measured = runs.get(subject.name)!;
    const cpuUs = median(measured.map(cpuPerAppend));
    const opsPerSecond = median(measured.map((m) => m.appends / m.seconds));
    medianCpu.set(subject.name, cpuUs);
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
  const bareRuns = runs.get('bare client');
  const adapterRuns = runs.get('adapter');
  if (bareRuns === undefined || adapterRuns === undefined) {
    return {
      rows,
      cpuOverheadPercent: NaN,
      cpuOverheadRangePercent: [NaN, NaN],
      cpuOverheadConfidencePercent: [NaN, NaN],
      throughputOverheadPercent: NaN,
      cpuMicrosecondsPerAppend: { adapter: NaN, bareClient: NaN },
    };
  }
  /** Per round: the subject's CPU per append over the bare client's in the same round, − 1, in %. */
  const overheadsOf = (measured: readonly Measurement[]) =>
    measured.map((m, round) => (cpuPerAppend(m) / cpuPerAppend(bareRuns[round]) - 1) * 100);
  const roundOverheads = overheadsOf(adapterRuns);
  const cpuOverheadPercent = median(roundOverheads);
  const confidence = medianConfidenceInterval(roundOverheads);
  const selfCheckRuns = runs.get(SELF_CHECK_SUBJECT);
  const selfCheck =
    selfCheckRuns === undefined
      ? undefined
      : {
          cpuOverheadPercent: round1(median(overheadsOf(selfCheckRuns))),
          confidencePercent: medianConfidenceInterval(overheadsOf(selfCheckRuns)).map(round1) as [
            number,
            number,
          ],
        };
  const throughputOverheadPercent =
    median(
      adapterRuns.map(
        (m, round) => ((bareRuns[round].appends / bareRuns[round].seconds) * m.seconds) / m.appends - 1,
      ),
    ) * 100;
  const rowOf = (name: string) => rows.find((row) => row.subject === name)!;
  const error = selfCheck
    ? `; self-check (bare client vs itself, same rounds) ${selfCheck.cpuOverheadPercent.toFixed(1)} % (95 % CI ${selfCheck.confidencePercent[0].toFixed(1)} … ${selfCheck.confidencePercent[1].toFixed(1)})`
    : '';
  const adapterRow = rowOf('adapter');
  return {
    // The reference first, as in every other table.
    rows: [
      rowOf('bare client'),
      ...(selfCheckRuns ? [rowOf(SELF_CHECK_SUBJECT)] : []),
      {
        ...adapterRow,
        note:
          `${adapterRow.note}; overhead ${cpuOverheadPercent.toFixed(1)} % cpu (95 % CI ${confidence[0].toFixed(1)} … ${confidence[1].toFixed(1)}; ` +
          `${roundOverheads.length} rounds ${Math.min(...roundOverheads).toFixed(0)} … ${Math.max(...roundOverheads).toFixed(0)} %)${error}, ` +
          `${throughputOverheadPercent.toFixed(1)} % ops/s; target < 15 % cpu`,
      },
    ],
    cpuOverheadPercent: round1(cpuOverheadPercent),
    cpuOverheadRangePercent: [round1(Math.min(...roundOverheads)), round1(Math.max(...roundOverheads))],
    cpuOverheadConfidencePercent: [round1(confidence[0]), round1(confidence[1])],
    ...(selfCheck ? { selfCheck } : {}),
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
  // The bare client sends the call the adapter sends: the same deadline and the requires-leader
  // header (the adapter's defaults); --plain-bare drops them, to see what they cost.
  const { deadlineMs, requireLeader } = resolveEventStoreDbOptions({ connectionString });
  const callOptions = plainBare ? {} : { deadline: deadlineMs, requiresLeader: requireLeader };
  const bareAppend =
    (on: EventStoreDBClient): Subject['append'] =>
    async (stream, events, revision) => {
      await on.appendToStream(
        stream,
        events.map((e) => jsonEvent({ id: e.eventId, type: e.type, data: e.data, metadata: e.metadata })),
        { expectedRevision: revision < 0 ? 'no_stream' : BigInt(revision), ...callOptions },
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
  const withSelfCheck = (scenario: Scenario): Subject[] =>
    scenario.selfCheck && subjects.length === 2 && !selfCheck
      ? [...subjects, { name: SELF_CHECK_SUBJECT, append: bareAppend(second) }]
      : subjects;
  const scenarios: Scenario[] = [
    {
      key: 'single-1',
      scenario: 'single-event appends, 1 caller',
      callers: 1,
      appendsEach: SIZES.single,
      batch: 1,
      // The adapter's CPU per append falls for its first ~2,000 appends, the bare client's for ~800:
      // five quick runs with 2,000 warm-up appends read 15.7-21.4 %, ten with 2,500 10.0-16.7 %.
      warmUp: quick ? 2500 : 6000,
      settle: SIZES.settle.single,
      // The row the target is closest at: its error is measured in the same rounds.
      selfCheck: true,
    },
    {
      key: 'single-50',
      scenario: `single-event appends, ${CALLERS} callers`,
      callers: CALLERS,
      appendsEach: Math.ceil(SIZES.concurrent / CALLERS),
      batch: 1,
      warmUp: quick ? 30 : 100,
      settle: SIZES.settle.concurrent,
      selfCheck: false,
    },
    {
      key: 'batches',
      scenario: `batches of ${BATCH}, 1 caller`,
      callers: 1,
      appendsEach: SIZES.batches,
      batch: BATCH,
      warmUp: quick ? 30 : 60,
      settle: SIZES.settle.batches,
      selfCheck: false,
    },
  ];

  const overheads: Record<string, Omit<ScenarioResult, 'rows' | 'cpuMicrosecondsPerAppend'>> = {};
  const cpuPerAppend: Record<string, ScenarioResult['cpuMicrosecondsPerAppend']> = {};
  for (const scenario of scenarios.filter((s) => only === undefined || s.key === only)) {
    const { rows, cpuMicrosecondsPerAppend, ...overhead } = await runScenario(
      withSelfCheck(scenario),
      scenario,
    );
    for (const row of rows) report.add(row);
    overheads[scenario.scenario] = overhead;
    cpuPerAppend[scenario.scenario] = cpuMicrosecondsPerAppend;
  }

  await store.close();
  await client.dispose();
  await second.dispose();
  report.print();
  if (only !== undefined || onlySubject !== undefined || selfCheck || plainBare) return;
  report.writeJson(join(__dirname, 'results', quick ? 'eventstoredb.quick.json' : 'eventstoredb.json'), {
    overheadPercent: overheads,
    cpuMicrosecondsPerAppend: cpuPerAppend,
  });
}

function optionValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index < 0 ? undefined : process.argv[index + 1];
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
