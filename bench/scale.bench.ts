/**
 * `ts-node -r tsconfig-paths/register --transpile-only bench/scale.bench.ts [--quick]`
 * (run by `npm run bench`): how the costs grow with the size of the log, from
 * 10,000 to 1,000,000 events (--quick: 10,000 only, a smoke run). For each size the
 * demo generator's deep variant (one operation, every force, three years) is
 * scaled to that many events, sealed as the write path seals them and stored in
 * the embedded SQLite store in a temporary directory; then each phase runs in a
 * fresh child process so its peak RSS is its own (--quick: all in this process):
 *
 * - populate: the sealed log appended in batches of 2,000 (disk size per million events after it);
 * - cold:     the first write after a start, in alternating rounds of fresh processes:
 *             without a snapshot of the decided state (the whole stream folded), with one
 *             (read, checked and the tail folded), and the median of 20 warm single writes
 *             after each; the snapshot taken at shutdown is timed too (docs/architecture.md,
 *             "Snapshots of the decided state");
 * - write:    the operation's last ~2,000 events through the application's write path
 *             (validation, rules, hash chain, durable append), first the cold start
 *             (the decided state rebuilt from the whole stream), then warm;
 * - read:     the whole global log read through the port, pages of 10,000;
 * - rebuild:  the operational picture and the timeline built from the whole log by the
 *             projection runner catching up from position 0, as the api does without a checkpoint;
 * - fan-out:  100 live subscribers to the global log, 2,000 new events appended in
 *             batches of 20: deliveries per second and append-to-delivery latency.
 *
 * Prints a table and writes bench/results/scale.json (scale.quick.json with --quick).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DecidedStateSnapshots, DEFAULT_RECORDING_OPTIONS, RecordEventsHandler } from '@timeline/application';
import { operationDecider } from '@timeline/domain';
import { DemoDataset, LoadingClock, WriteHandlerSeedWriter, type SeedSubmission } from '@timeline/demo-data';
import {
  createEventStore,
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
} from '@timeline/event-store';
import { EVENT_CATALOGUE, isEventType, operationStreamName, toStoredEventData } from '@timeline/events';
import { sealEvents } from '@timeline/integrity';
import type { JsonObject } from '@timeline/kernel';
import {
  InMemoryProjectionCheckpointStore,
  ProjectionRunner,
  operationalPictureProjection,
  timelineProjection,
} from '@timeline/projections';
import { LatencyRecorder } from './support/latency';
import { BenchReport, type BenchRow } from './support/bench-report';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [10_000] : [10_000, 100_000, 1_000_000];
/** Events of the deep variant at scale 1 (seed 2020), to scale it to a size. */
const DEEP_EVENTS_AT_SCALE_1 = 985_000;
const WRITE_PATH_EVENTS = 2_000;
const APPEND_BATCH = 2_000;
const READ_PAGE = 10_000;
const SUBSCRIBERS = 100;
const FAN_OUT_EVENTS = 2_000;
const FAN_OUT_BATCH = 20;
/** Rounds of (first write without a snapshot, first write with one), each in a fresh process. */
const COLD_ROUNDS = quick ? 1 : 3;
/** Sequential warm writes after each first write: their median is the reference. */
const WARM_WRITES = 20;

type Phase = 'populate' | 'cold' | 'write' | 'read' | 'rebuild' | 'fan-out';

interface PhaseResult {
  readonly events: number;
  readonly seconds: number;
  readonly peakRssMiB: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly diskBytes?: number;
  readonly coldStartMs?: number;
  readonly note?: string;
  /** Cold phase: submissions written, the sequential warm writes' median, the snapshot read and written. */
  readonly submissions?: number;
  readonly warmMedianMs?: number;
  readonly snapshotLoaded?: boolean;
  /** Reading, checking and decoding the snapshot (part of the first write). */
  readonly snapshotLoadMs?: number;
  /** The longest the event loop waited on one step of reading, checking and decoding it. */
  readonly snapshotLoadLongestBlockMs?: number;
  readonly snapshotSaveMs?: number;
  readonly snapshotBytes?: number;
  readonly snapshotLongestBlockMs?: number;
  readonly cpuMs?: number;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

function peakRssMiB(): number {
  // maxRSS is in KiB on every platform Node supports.
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function datasetFor(size: number): DemoDataset {
  return new DemoDataset({ variant: 'deep', seed: 2020, scale: Math.min(1, size / DEEP_EVENTS_AT_SCALE_1) });
}

/** Submissions of the dataset split: the sealed bulk, and the tail that goes through the write path. */
function* bulkOf(size: number, tail: SeedSubmission[]): Generator<SeedSubmission> {
  // The tail is the last WRITE_PATH_EVENTS events' submissions; keep a bounded window to find it.
  const window: SeedSubmission[] = [];
  let windowEvents = 0;
  for (const submission of datasetFor(size)) {
    if (submission.retry) continue;
    window.push(submission);
    windowEvents += submission.events.length;
    while (windowEvents - window[0].events.length >= WRITE_PATH_EVENTS) {
      const oldest = window.shift()!;
      windowEvents -= oldest.events.length;
      yield oldest;
    }
  }
  tail.push(...window);
}

// ---- phases ----------------------------------------------------------------------------------------

/** Seals and appends the bulk as the write path would have (stored data shape, envelope, hash chain). */
async function populate(file: string, size: number): Promise<PhaseResult> {
  const store = await createEventStore({ kind: 'sqlite', file });
  const started = process.hrtime.bigint();
  const heads = new Map<string, { hash: string | null; revision: number }>();
  let pending: SeedSubmission[] = [];
  let pendingEvents = 0;
  let written = 0;
  const flush = async (): Promise<void> => {
    const byOperation = new Map<string, SeedSubmission[]>();
    for (const submission of pending) {
      const list = byOperation.get(submission.operationId) ?? [];
      list.push(submission);
      byOperation.set(submission.operationId, list);
    }
    for (const [operationId, submissions] of byOperation) {
      const head = heads.get(operationId) ?? { hash: null, revision: 0 };
      const sealed = sealEvents(
        head.hash,
        head.revision,
        submissions.flatMap((submission) =>
          submission.events.map((event) => {
            if (!isEventType(event.type)) throw new Error(`unknown type ${event.type}`);
            return {
              eventId: event.eventId,
              type: event.type,
              data: toStoredEventData(event.type, event.data as never) as unknown as JsonObject,
              envelope: {
                schemaVersion: EVENT_CATALOGUE[event.type].currentVersion,
                operationId,
                occurredAt: event.occurredAt,
                recordedAt: submission.recordedAt,
                recordedBy: submission.subject,
                agency: submission.agency,
                correlationId: event.correlationId,
                causationId: event.causationId ?? null,
                classification: event.classification,
              },
            };
          }),
        ),
      );
      const events: EventToAppend[] = sealed.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        data: event.data,
        metadata: event.envelope as unknown as JsonObject,
      }));
      await store.append(operationStreamName(operationId), events, {
        expectedRevision: head.revision === 0 ? 'no_stream' : head.revision - 1,
      });
      heads.set(operationId, {
        hash: sealed[sealed.length - 1].envelope.hash,
        revision: head.revision + sealed.length,
      });
      written += events.length;
    }
    pending = [];
    pendingEvents = 0;
  };
  for (const submission of bulkOf(size, [])) {
    pending.push(submission);
    pendingEvents += submission.events.length;
    if (pendingEvents >= APPEND_BATCH) await flush();
  }
  await flush();
  const elapsed = seconds(started);
  await store.close();
  return { events: written, seconds: elapsed, peakRssMiB: peakRssMiB(), diskBytes: diskBytes(file) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * A fresh start's first write (tail submission `from`), then WARM_WRITES sequential
 * ones; with a snapshot directory, the writer starts from the snapshot there (if any)
 * and writes a new one at shutdown, timed.
 */
async function cold(
  file: string,
  size: number,
  from: number,
  snapshotDir: string | null,
): Promise<PhaseResult> {
  const tail: SeedSubmission[] = [];
  for (const _ of bulkOf(size, tail)); // regenerate deterministically to find the tail
  Logger.overrideLogger(false);
  const store = await createEventStore({ kind: 'sqlite', file });
  const clock = new LoadingClock();
  // Taken at shutdown only: a snapshot during the measured writes would share their time.
  const snapshots =
    snapshotDir === null ? undefined : new DecidedStateSnapshots({ directory: snapshotDir, every: 1e12 });
  const handler = new RecordEventsHandler(
    store,
    operationDecider,
    clock,
    DEFAULT_RECORDING_OPTIONS,
    snapshots,
  );
  const writer = new WriteHandlerSeedWriter(handler, clock);
  const cpuBefore = process.cpuUsage();
  const coldStarted = process.hrtime.bigint();
  await writer.write(tail[from]);
  const coldStartMs = seconds(coldStarted) * 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const warm: number[] = [];
  let events = tail[from].events.length;
  for (const submission of tail.slice(from + 1, from + 1 + WARM_WRITES)) {
    const started = process.hrtime.bigint();
    await writer.write(submission);
    warm.push(seconds(started) * 1000);
    events += submission.events.length;
  }
  const saveStarted = process.hrtime.bigint();
  await handler.snapshotChanged();
  const snapshotSaveMs = seconds(saveStarted) * 1000;
  const report = snapshots?.report();
  await store.close();
  return {
    events,
    seconds: coldStartMs / 1000,
    peakRssMiB: peakRssMiB(),
    coldStartMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    submissions: 1 + warm.length,
    warmMedianMs: median(warm),
    snapshotLoaded: (report?.loaded ?? 0) > 0,
    ...(report?.lastLoaded
      ? { snapshotLoadMs: report.lastLoaded.ms, snapshotLoadLongestBlockMs: report.longestLoadBlockMs }
      : {}),
    ...(report?.lastSaved
      ? {
          snapshotSaveMs,
          snapshotBytes: report.lastSaved.bytes,
          snapshotLongestBlockMs: report.longestSaveBlockMs,
        }
      : {}),
  };
}

/** The tail through the application's write path: the first request pays the cold start. */
async function write(file: string, size: number, from: number): Promise<PhaseResult> {
  const tail: SeedSubmission[] = [];
  for (const _ of bulkOf(size, tail)); // regenerate deterministically to find the tail
  tail.splice(0, from); // written by the cold rounds
  const store = await createEventStore({ kind: 'sqlite', file });
  const clock = new LoadingClock();
  const handler = new RecordEventsHandler(store, operationDecider, clock, DEFAULT_RECORDING_OPTIONS);
  const writer = new WriteHandlerSeedWriter(handler, clock);
  const coldStarted = process.hrtime.bigint();
  await writer.write(tail[0]);
  const coldStartMs = seconds(coldStarted) * 1000;
  const latencies = new LatencyRecorder();
  const started = process.hrtime.bigint();
  let events = 0;
  // Several submissions in flight, as from concurrent clients: the write path combines them.
  const inFlight = new Set<Promise<void>>();
  for (const submission of tail.slice(1)) {
    const task = latencies
      .time(() => writer.write(submission))
      .then(() => {
        events += submission.events.length;
      });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const elapsed = seconds(started);
  await store.close();
  return { events, seconds: elapsed, peakRssMiB: peakRssMiB(), coldStartMs, ...latencies.summary() };
}

async function readPages(
  store: EventStore,
  onPage: (page: Awaited<ReturnType<EventStore['readAll']>>) => void,
): Promise<number> {
  let after: GlobalPosition | undefined;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: READ_PAGE });
    onPage(page);
    count += page.length;
    if (page.length < READ_PAGE) return count;
    after = page[page.length - 1].position;
  }
}

async function read(file: string): Promise<PhaseResult> {
  const store = await createEventStore({ kind: 'sqlite', file });
  const started = process.hrtime.bigint();
  const events = await readPages(store, () => undefined);
  const elapsed = seconds(started);
  await store.close();
  return { events, seconds: elapsed, peakRssMiB: peakRssMiB() };
}

/** The read models built as the api builds them on a start with no checkpoint: the runner catching up from 0. */
async function rebuild(file: string): Promise<PhaseResult> {
  const store = await createEventStore({ kind: 'sqlite', file });
  const runner = new ProjectionRunner(
    store,
    [operationalPictureProjection, timelineProjection],
    new InMemoryProjectionCheckpointStore(),
    { checkpointEveryEvents: Number.MAX_SAFE_INTEGER, checkpointIntervalMs: 3_600_000 },
  );
  const started = process.hrtime.bigint();
  await runner.start();
  await runner.whenCaughtUp();
  const elapsed = seconds(started);
  const peak = peakRssMiB();
  const status = runner.currentStatus();
  if (!status.healthy) throw new Error(`projections failed: ${JSON.stringify(status.projections)}`);
  // The final checkpoint of stopping is neither in the time nor in the peak.
  await runner.stop();
  await store.close();
  return { events: status.eventsProcessed, seconds: elapsed, peakRssMiB: peak };
}

async function fanOut(file: string): Promise<PhaseResult> {
  const store = await createEventStore({ kind: 'sqlite', file });
  const head = (await store.describe()).headPosition ?? undefined;
  const acknowledged = new Map<string, bigint>();
  const latencies = new LatencyRecorder();
  let deliveries = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const expected = SUBSCRIBERS * FAN_OUT_EVENTS;
  const subscriptions = Array.from({ length: SUBSCRIBERS }, () =>
    store.subscribeToAll({ after: head }).subscribe((message) => {
      if (message.kind !== 'event') return;
      const at = acknowledged.get(message.event.eventId);
      if (at !== undefined) latencies.record(Number(process.hrtime.bigint() - at) / 1e6);
      if (++deliveries === expected) resolveAll();
    }),
  );
  const started = process.hrtime.bigint();
  const stream = `bench-fan-out-${process.pid}`;
  for (let batch = 0; batch < FAN_OUT_EVENTS / FAN_OUT_BATCH; batch++) {
    const events = Array.from({ length: FAN_OUT_BATCH }, (_, index) => ({
      eventId: randomUUID(),
      type: 'FanOutProbe',
      data: { batch, index },
      metadata: {},
    }));
    await store.append(stream, events);
    // Latency is measured from the acknowledgement of the append (the moment an SSE push could start).
    const now = process.hrtime.bigint();
    for (const event of events) acknowledged.set(event.eventId, now);
  }
  await all;
  const elapsed = seconds(started);
  for (const subscription of subscriptions) subscription.unsubscribe();
  await store.close();
  return { events: deliveries, seconds: elapsed, peakRssMiB: peakRssMiB(), ...latencies.summary() };
}

function diskBytes(file: string): number {
  const directory = join(file, '..');
  return readdirSync(directory)
    .filter((name) => name.startsWith('events.db'))
    .reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);
}

// ---- orchestration ---------------------------------------------------------------------------------

interface PhaseArguments {
  /** Cold and write phases: the first tail submission to write. */
  readonly from?: number;
  /** Cold phase: where snapshots of the decided state live; none without. */
  readonly snapshotDir?: string | null;
}

function runPhase(
  phase: Phase,
  file: string,
  size: number,
  extra: PhaseArguments = {},
): Promise<PhaseResult> {
  // The quick run must stay short: no process start per phase (RSS figures are then the whole run's).
  if (quick) return runPhaseHere(phase, file, size, extra);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        __filename,
        '--phase',
        phase,
        '--file',
        file,
        '--size',
        String(size),
        '--from',
        String(extra.from ?? 0),
        '--snapshot-dir',
        extra.snapshotDir ?? '',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code, signal) => {
      const line = output.trim().split('\n').pop() ?? '';
      if (code !== 0)
        return reject(
          new Error(`phase ${phase} at ${size} events exited with ${code ?? signal}: ${output.slice(-2000)}`),
        );
      try {
        resolve(JSON.parse(line) as PhaseResult);
      } catch {
        reject(new Error(`phase ${phase} at ${size} events printed no result: ${output.slice(-2000)}`));
      }
    });
  });
}

function runPhaseHere(
  phase: Phase,
  file: string,
  size: number,
  extra: PhaseArguments = {},
): Promise<PhaseResult> {
  if (phase === 'cold') return cold(file, size, extra.from ?? 0, extra.snapshotDir ?? null);
  return phase === 'populate'
    ? populate(file, size)
    : phase === 'write'
      ? write(file, size, extra.from ?? 0)
      : phase === 'read'
        ? read(file)
        : phase === 'rebuild'
          ? rebuild(file)
          : fanOut(file);
}

async function child(): Promise<void> {
  const result = await runPhaseHere(
    argument('--phase') as Phase,
    argument('--file')!,
    Number(argument('--size')),
    {
      from: Number(argument('--from') ?? 0),
      snapshotDir: argument('--snapshot-dir') || null,
    },
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

type ScaleRow = BenchRow & {
  readonly peakRssMiB?: number;
  /** Cold rows: CPU time of the first write, and its time in warm single writes. */
  readonly cpuMs?: number;
  readonly warmWrites?: number;
  readonly diskMiBPerMillionEvents?: number;
  readonly logEvents: number;
  readonly phase: Phase;
};

async function main(): Promise<void> {
  const report = new BenchReport(
    `Cost growth with the size of the log${quick ? ' (quick)' : ''}: embedded SQLite, synchronous=FULL`,
    {
      quick,
      sizes: SIZES,
      writePathEvents: WRITE_PATH_EVENTS,
      subscribers: SUBSCRIBERS,
      fanOutEvents: FAN_OUT_EVENTS,
      fanOutBatch: FAN_OUT_BATCH,
    },
  );
  const growth: Record<string, Record<string, number>> = {};
  for (const size of SIZES) {
    const directory = mkdtempSync(join(tmpdir(), 'timeline-scale-'));
    const file = join(directory, 'events.db');
    try {
      const populated = await runPhase('populate', file, size);
      const logEvents = populated.events + WRITE_PATH_EVENTS;
      const label = `${logEvents.toLocaleString('en-GB')} events`;
      const add = (
        phase: Phase,
        scenario: string,
        result: PhaseResult,
        extra: Partial<ScaleRow> = {},
      ): void => {
        const perSecond = Math.round(result.events / result.seconds);
        report.add({
          scenario,
          subject: label,
          count: result.events,
          seconds: Math.round(result.seconds * 100) / 100,
          eventsPerSecond: perSecond,
          p50Ms: result.p50Ms,
          p99Ms: result.p99Ms,
          peakRssMiB: result.peakRssMiB,
          logEvents,
          phase,
          note: result.note,
          ...extra,
        } as ScaleRow);
        (growth[phase] ??= {})[String(size)] = perSecond;
      };
      add('populate', 'append sealed batches of 2,000', populated, {
        diskMiBPerMillionEvents: Math.round(
          (((populated.diskBytes ?? 0) / populated.events) * 1e6) / 2 ** 20,
        ),
        note: `${Math.round((populated.diskBytes ?? 0) / 2 ** 20)} MiB on disk`,
      });
      // The first write after a start, alternating without and with a snapshot of the decided state.
      const snapshotDir = join(directory, 'decided-state');
      const withoutSnapshot: PhaseResult[] = [];
      const withSnapshot: PhaseResult[] = [];
      let from = 0;
      for (let round = 0; round < COLD_ROUNDS; round += 1) {
        // The first round writes the snapshot at its shutdown; later ones do without.
        const without = await runPhase('cold', file, size, {
          from,
          snapshotDir: round === 0 ? snapshotDir : null,
        });
        from += without.submissions ?? 0;
        const withIt = await runPhase('cold', file, size, { from, snapshotDir });
        from += withIt.submissions ?? 0;
        if (without.snapshotLoaded === true || withIt.snapshotLoaded !== true)
          throw new Error(`cold round ${round}: the snapshot was not used as intended`);
        withoutSnapshot.push(without);
        withSnapshot.push(withIt);
      }
      const warmMs = median([...withoutSnapshot, ...withSnapshot].map((result) => result.warmMedianMs!));
      const coldWithoutMs = median(withoutSnapshot.map((result) => result.coldStartMs!));
      const coldWithMs = median(withSnapshot.map((result) => result.coldStartMs!));
      const saved = [...withoutSnapshot, ...withSnapshot].filter(
        (result) => result.snapshotSaveMs !== undefined,
      );
      const addCold = (scenario: string, ms: number, cpuMs: number, note: string): void => {
        report.add({
          scenario,
          subject: label,
          count: COLD_ROUNDS,
          p50Ms: Math.round(ms * 100) / 100,
          logEvents,
          phase: 'cold',
          cpuMs: Math.round(cpuMs),
          warmWrites: Math.round((ms / warmMs) * 10) / 10,
          note,
        } as ScaleRow);
      };
      addCold(
        'first write after a start, no snapshot',
        coldWithoutMs,
        median(withoutSnapshot.map((result) => result.cpuMs!)),
        `whole stream folded; ${Math.round(coldWithoutMs / warmMs)} warm writes`,
      );
      addCold(
        'first write after a start, from a snapshot',
        coldWithMs,
        median(withSnapshot.map((result) => result.cpuMs!)),
        `snapshot read + checked, ~${WARM_WRITES + 1} events' tail folded; ${Math.round(coldWithMs / warmMs)} warm writes`,
      );
      addCold(
        'warm single write (reference)',
        warmMs,
        0,
        `median of ${WARM_WRITES} sequential writes per process`,
      );
      report.add({
        scenario: 'snapshot of the decided state read',
        subject: label,
        count: withSnapshot.length,
        p50Ms: Math.round(median(withSnapshot.map((result) => result.snapshotLoadMs!))),
        loopMaxStallMs: Math.max(...withSnapshot.map((result) => result.snapshotLoadLongestBlockMs!)),
        logEvents,
        phase: 'cold',
        note: 'read, checked and decoded during the first write; loop max stall = longest step between yields',
      } as ScaleRow);
      report.add({
        scenario: 'snapshot of the decided state written',
        subject: label,
        count: saved.length,
        p50Ms: Math.round(median(saved.map((result) => result.snapshotSaveMs!))),
        loopMaxStallMs: Math.max(...saved.map((result) => result.snapshotLongestBlockMs!)),
        logEvents,
        phase: 'cold',
        note: `${Math.round(median(saved.map((result) => result.snapshotBytes!)) / 2 ** 20)} MiB, off the request path; loop max stall = longest step between yields`,
      } as ScaleRow);

      const written = await runPhase('write', file, size, { from });
      add('write', 'write path, 16 requests in flight', written, {
        note: `cold start ${Math.round(written.coldStartMs ?? 0)} ms (decided state rebuilt from the stream)`,
      });
      add('read', 'read the global log, pages of 10,000', await runPhase('read', file, size));
      add('rebuild', 'rebuild picture + timeline', await runPhase('rebuild', file, size));
      add('fan-out', `live fan-out to ${SUBSCRIBERS} subscribers`, await runPhase('fan-out', file, size), {
        note: `${FAN_OUT_EVENTS.toLocaleString('en-GB')} new events × ${SUBSCRIBERS}; latency from append acknowledged`,
      });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  report.print();
  report.writeJson(join(__dirname, 'results', quick ? 'scale.quick.json' : 'scale.json'), {
    eventsPerSecondBySize: growth,
  });
}

if (argument('--phase') !== undefined) {
  child().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
