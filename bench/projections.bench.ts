/**
 * `npm run bench:projections [-- --quick]`: how fast the read side rebuilds the
 * operational picture and the timeline from a large log, and how much memory it
 * takes. The log is the demo generator's deep variant (one operation over three
 * years, ~1M events; ~50k with --quick), sealed with the hash chain and stored in
 * the embedded SQLite store; it is kept under .tmp/bench/ and reused by later runs.
 *
 * Each measurement runs in a fresh child process, so its peak RSS (VmHWM) is its own,
 * three times (once with --quick), the phases alternating round by round; the table shows
 * the median run and its note all three:
 * - reference: the same-run reference of the runner's phases: better-sqlite3 iterating the
 *             stored rows directly (no adapter, no runner), `JSON.parse` of data and
 *             metadata, and the same two folds (`@timeline/projections/folds`), on one thread;
 * - catch-up: a runner with no checkpoint subscribing from position 0 until caught up
 *             (a start after a version change: store reads, JSON, mapping, folds);
 *             with the store's defaults: pages are read ahead only while a core is free;
 * - catch-up-read-ahead: the same with pages always read ahead on the store's thread;
 * - catch-up-one-thread: the same with the store's read-ahead off, every page read on the
 *             main thread as the reference reads its rows (what the runner itself costs);
 * - rebuild:  a live runner rebuilding both projections from position 0 in one read of
 *             the log, while the old states keep answering (old and new states in memory);
 * - fold:     both folds over events already in memory (the folds' own speed);
 * - checkpoint: after a catch-up, one checkpoint of both read models to files (its time,
 *             and the peak resident set while it is taken and written).
 * Every phase but the checkpoint ends with a digest of the read models it folded (each
 * operation's picture view, daily series and first timeline page); the bench refuses to
 * report phases whose digests differ, so a ratio compares the same work.
 * Prints a table and writes bench/results/projections.json (.quick.json with --quick).
 * `--prepare` only generates the log.
 * The SSE fan-out measurement of issue 4 belongs beside these rows (see `main`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoDataset, principalSubject, type SeedSubmission } from '@timeline/demo-data';
import { createEventStore, type EventStore, type EventToAppend } from '@timeline/event-store';
import { SqliteEventStore } from '@timeline/event-store/sqlite/sqlite.event-store';
import { toStoredEventData, type EventType } from '@timeline/events';
import { sealEvents } from '@timeline/integrity';
import type { JsonObject } from '@timeline/kernel';
import {
  FileProjectionCheckpointStore,
  ProjectionRunner,
  StoreTimelinePayloads,
  dailySeries,
  foldEvents,
  operationalPictureProjection,
  operationalPictureView,
  timelinePage,
  timelineProjection,
  toStoredTimelineEvent,
  type OperationalPictureState,
  type StoredTimelineEvent,
  type TimelineState,
} from '@timeline/projections';
import { BenchReport } from './support/bench-report';
import { foldRawRows } from './support/raw-projection-fold';

const ROOT = join(__dirname, '..');
const quick = process.argv.includes('--quick');
/** Runs of each phase; the table shows the median one. */
const RUNS_PER_PHASE = quick ? 1 : 3;
const SEED = 2020;
const SCALE = quick ? 0.02 : 1;
const APPEND_BATCH = 2_000;
const READ_PAGE = 10_000;

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

interface MemoryFigures {
  /** Peak resident set (VmHWM), MiB. */
  readonly peakRssMiB: number;
  /** Resident now: anonymous (heap and native allocations) and file-backed (mainly the store file SQLite maps for reading), MiB. */
  readonly anonMiB: number;
  readonly fileMiB: number;
  readonly heapUsedMiB: number;
}

function memory(): MemoryFigures {
  const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  const mib = (value: number) => Math.round(value / 1024);
  return {
    peakRssMiB: Number.isNaN(kb('VmHWM'))
      ? Math.round(process.memoryUsage().rss / 2 ** 20)
      : mib(kb('VmHWM')),
    anonMiB: mib(kb('RssAnon')),
    fileMiB: mib(kb('RssFile')),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
}

/** Resets the peak resident set (VmHWM) to the current one (Linux); elsewhere a no-op. */
function resetPeakRss(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* not Linux: the peak then covers the whole process */
  }
}

// ---- the log

const CURRENT_VERSION: Record<string, number> = { IntelligenceReceived: 2 };

/** Seals one operation's pending events after its current head, as the write path does. */
class LogWriter {
  private readonly heads = new Map<string, { hash: string | null; revision: number }>();
  private pending: {
    operationId: string;
    submission: SeedSubmission;
    event: SeedSubmission['events'][number];
  }[] = [];
  written = 0;

  constructor(private readonly store: EventStore) {}

  async add(submission: SeedSubmission): Promise<void> {
    for (const event of submission.events)
      this.pending.push({ operationId: submission.operationId, submission, event });
    if (this.pending.length >= APPEND_BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const byOperation = new Map<string, typeof this.pending>();
    for (const item of this.pending)
      (
        byOperation.get(item.operationId) ?? byOperation.set(item.operationId, []).get(item.operationId)!
      ).push(item);
    this.pending = [];
    for (const [operationId, items] of byOperation) {
      const head = this.heads.get(operationId) ?? { hash: null, revision: 0 };
      const sealed = sealEvents(
        head.hash,
        head.revision,
        items.map(({ submission, event }) => ({
          eventId: event.eventId,
          type: event.type,
          // What the write path stores: derived fields added (drug classes, a correction's replacement version).
          data: toStoredEventData(event.type as EventType, event.data as never) as unknown as JsonObject,
          envelope: {
            schemaVersion: CURRENT_VERSION[event.type] ?? 1,
            operationId,
            occurredAt: event.occurredAt,
            recordedAt: submission.recordedAt,
            recordedBy: principalSubject(submission.agency),
            agency: submission.agency,
            correlationId: event.correlationId,
            causationId: event.causationId ?? null,
            classification: event.classification,
          },
        })),
      );
      const events: EventToAppend[] = sealed.map((event) => ({
        eventId: event.eventId,
        type: event.type,
        data: event.data,
        metadata: event.envelope as unknown as JsonObject,
      }));
      await this.store.append(`operation-${operationId}`, events);
      this.heads.set(operationId, {
        hash: sealed[sealed.length - 1].envelope.hash,
        revision: head.revision + sealed.length,
      });
      this.written += events.length;
    }
  }
}

async function ensureLog(file: string): Promise<{ events: number; seconds: number | null }> {
  if (existsSync(`${file}.complete`)) {
    const store = await createEventStore({ kind: 'sqlite', file });
    const head = (await store.describe()).headPosition;
    await store.close();
    return { events: Number(head?.commit ?? 0n), seconds: null };
  }
  rmSync(file, { force: true });
  mkdirSync(join(ROOT, '.tmp', 'bench'), { recursive: true });
  const store = await createEventStore({ kind: 'sqlite', file });
  const started = process.hrtime.bigint();
  const writer = new LogWriter(store);
  for (const submission of new DemoDataset({ variant: 'deep', seed: SEED, scale: SCALE })) {
    // A retried submission repeats ids already stored: the store would make it a no-op.
    if (!submission.retry) await writer.add(submission);
  }
  await writer.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  writeFileSync(`${file}.complete`, `${writer.written}\n`);
  return { events: writer.written, seconds };
}

// ---- the measured phases, each in its own process

interface PhaseResult extends MemoryFigures {
  readonly events: number;
  readonly seconds: number;
  /** CPU time (user + system, all threads) of the timed part: on a shared machine, events per CPU-second say more than wall time. */
  readonly cpuSeconds: number;
  /** SHA-256 of the folded read models' views (absent for the checkpoint). */
  readonly digest?: string;
  readonly arrests?: number;
  readonly note?: string;
}

async function readWholeLog(store: EventStore): Promise<StoredTimelineEvent[]> {
  const events: StoredTimelineEvent[] = [];
  let after;
  for (;;) {
    const page = await store.readAll({
      after,
      maxCount: READ_PAGE,
      filter: { streamNamePrefixes: ['operation-'] },
    });
    if (page.length === 0) return events;
    for (const recorded of page) events.push(toStoredTimelineEvent(recorded));
    after = page[page.length - 1].position;
  }
}

/** Query times on the folded states; a timeline page reads its entries' data from the log. */
async function queryCosts(
  picture: OperationalPictureState,
  timeline: TimelineState,
  store: EventStore,
): Promise<string> {
  const payloads = new StoreTimelinePayloads(store);
  const operationId = [...picture.operations.keys()][0];
  let started = process.hrtime.bigint();
  const view = operationalPictureView(picture, operationId)!;
  const pictureMs = Number(process.hrtime.bigint() - started) / 1e6;
  started = process.hrtime.bigint();
  await timelinePage(timeline, operationId, { limit: 50 }, payloads);
  const firstPageMs = Number(process.hrtime.bigint() - started) / 1e6;
  started = process.hrtime.bigint();
  await timelinePage(
    timeline,
    operationId,
    { limit: 50, types: ['ChargeBrought'], from: '2021-01-01T00:00:00Z' },
    payloads,
  );
  const filteredMs = Number(process.hrtime.bigint() - started) / 1e6;
  return `${view.totals.arrests} arrests; picture view ${pictureMs.toFixed(1)} ms, first timeline page ${firstPageMs.toFixed(1)} ms, filtered page ${filteredMs.toFixed(1)} ms`;
}

/**
 * What every phase must end with: each operation's picture view, daily series and first
 * timeline page (its data read from the log), hashed. Equal digests mean the phases folded
 * the same events into the same read models.
 */
async function readModelDigest(
  picture: OperationalPictureState,
  timeline: TimelineState,
  store: EventStore,
): Promise<{ digest: string; arrests: number }> {
  const payloads = new StoreTimelinePayloads(store);
  const hash = createHash('sha256').update(`${timeline.entries.size} entries\n`);
  let arrests = 0;
  for (const operationId of [...picture.operations.keys()].sort()) {
    const view = operationalPictureView(picture, operationId)!;
    arrests += view.totals.arrests;
    hash.update(JSON.stringify(view));
    hash.update(JSON.stringify(dailySeries(timeline, operationId)));
    hash.update(JSON.stringify(await timelinePage(timeline, operationId, { limit: 50 }, payloads)));
  }
  return { digest: hash.digest('hex'), arrests };
}

/** A benchmark of a projection that stopped at an event would measure nothing: refuse it. */
function assertHealthy(runner: ProjectionRunner): void {
  const failed = runner.currentStatus().projections.filter((projection) => projection.failure !== null);
  if (failed.length > 0)
    throw new Error(`projections failed: ${JSON.stringify(failed.map((projection) => projection.failure))}`);
}

/** Where the store read the pages: from its read-ahead thread, or here because no core was free. */
function readAheadNote(store: EventStore): string {
  if (!(store instanceof SqliteEventStore)) return '';
  const { readAheadPages, readAheadDeclinedPages } = store.metrics();
  return `; pages read ahead ${whole(readAheadPages)}, read here for want of a free core ${whole(readAheadDeclinedPages)}`;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function runPhase(phase: string, file: string): Promise<PhaseResult> {
  if (phase === 'reference') {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const { picture, timeline, events } = foldRawRows(file);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpuSeconds = cpuSince(cpu);
    const figures = memory();
    // Opened only now: the store's threads are no part of the reference.
    const store = await createEventStore({ kind: 'sqlite', file });
    try {
      const note = await queryCosts(picture, timeline, store);
      return {
        events,
        seconds,
        cpuSeconds,
        ...figures,
        ...(await readModelDigest(picture, timeline, store)),
        note,
      };
    } finally {
      await store.close();
    }
  }
  // The same catch-up with the store's read-ahead off reads every page on this thread, like the reference.
  const store =
    phase === 'catch-up-one-thread'
      ? await SqliteEventStore.open({ file, readAheadPages: 0 })
      : phase === 'catch-up-read-ahead'
        ? await SqliteEventStore.open({ file, readAheadWhen: 'always' })
        : await createEventStore({ kind: 'sqlite', file });
  let checkpointDirectory: string | undefined;
  try {
    if (phase === 'fold') {
      const events = await readWholeLog(store);
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const picture = foldEvents(operationalPictureProjection, events);
      const timeline = foldEvents(timelineProjection, events);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuSeconds = cpuSince(cpu);
      return {
        events: events.length,
        seconds,
        cpuSeconds,
        ...memory(),
        ...(await readModelDigest(picture, timeline, store)),
        note: `${await queryCosts(picture, timeline, store)}; RSS includes the whole log held in memory`,
      };
    }
    // Checkpoints go to files, as in the api: an in-memory store would keep every snapshot in the heap measured.
    checkpointDirectory = mkdtempSync(join(tmpdir(), 'timeline-bench-checkpoints-'));
    const runner = new ProjectionRunner(
      store,
      [operationalPictureProjection, timelineProjection],
      new FileProjectionCheckpointStore({ directory: checkpointDirectory }),
      {
        checkpointEveryEvents: Number.MAX_SAFE_INTEGER,
        checkpointIntervalMs: 3_600_000,
      },
    );
    if (phase === 'catch-up' || phase === 'catch-up-read-ahead' || phase === 'catch-up-one-thread') {
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await runner.start();
      await runner.whenCaughtUp();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuSeconds = cpuSince(cpu);
      assertHealthy(runner);
      const events = runner.currentStatus().eventsProcessed;
      const figures = memory();
      const picture = runner.state(operationalPictureProjection);
      const timeline = runner.state(timelineProjection);
      const note = `${await queryCosts(picture, timeline, store)}${readAheadNote(store)}`;
      const digest = await readModelDigest(picture, timeline, store);
      await runner.stop();
      return { events, seconds, cpuSeconds, ...figures, ...digest, note };
    }
    if (phase === 'checkpoint') {
      await runner.start();
      await runner.whenCaughtUp();
      assertHealthy(runner);
      const before = memory();
      resetPeakRss();
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await runner.checkpoint();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuSeconds = cpuSince(cpu);
      const figures = memory();
      await runner.stop();
      return {
        events: runner.currentStatus().eventsProcessed,
        seconds,
        cpuSeconds,
        ...figures,
        note: `both read models written to checkpoint files; resident before it ${before.anonMiB + before.fileMiB} MiB`,
      };
    }
    if (phase === 'rebuild') {
      await runner.start();
      await runner.whenCaughtUp();
      assertHealthy(runner);
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      const rebuilt = await runner.rebuild([operationalPictureProjection.name, timelineProjection.name]);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuSeconds = cpuSince(cpu);
      const figures = memory();
      assertHealthy(runner);
      const digest = await readModelDigest(
        runner.state(operationalPictureProjection),
        runner.state(timelineProjection),
        store,
      );
      await runner.stop();
      return {
        events: rebuilt.events,
        seconds,
        cpuSeconds,
        ...figures,
        ...digest,
        note: `both projections from one read of the log; the old states answer queries until the swap${readAheadNote(store)}`,
      };
    }
    throw new Error(`unknown phase ${phase}`);
  } finally {
    await store.close();
    if (checkpointDirectory) rmSync(checkpointDirectory, { recursive: true, force: true });
  }
}

function runChild(phase: string, file: string): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        join(__dirname, 'projections.bench.ts'),
        '--phase',
        phase,
        '--file',
        file,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = output.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`phase ${phase} exited with ${code ?? signal}`));
      resolve(JSON.parse(line) as PhaseResult);
    });
  });
}

const PHASES = [
  'reference',
  'catch-up',
  'catch-up-read-ahead',
  'catch-up-one-thread',
  'rebuild',
  'fold',
  'checkpoint',
] as const;
type Phase = (typeof PHASES)[number];

const rate = (result: PhaseResult) => result.events / result.seconds;
const perCpuSecond = (result: PhaseResult) => result.events / result.cpuSeconds;
const whole = (value: number) => Math.round(value).toLocaleString('en-GB');

/** The run of median wall time. */
function medianRun(results: readonly PhaseResult[]): PhaseResult {
  return [...results].sort((a, b) => a.seconds - b.seconds)[Math.floor(results.length / 2)];
}

/** Each round's figure (`measure`) of `subject` over the reference's in the same round. */
function roundRatios(
  subject: readonly PhaseResult[],
  reference: readonly PhaseResult[],
  measure: (result: PhaseResult) => number,
): number[] {
  return subject.map(
    (result, round) => Math.round((measure(result) / measure(reference[round])) * 1000) / 1000,
  );
}

function ratioText(ratios: readonly number[]): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return ratios.length > 1
    ? `${median.toFixed(2)}× (${ratios.map((ratio) => ratio.toFixed(2)).join(' / ')})`
    : `${median.toFixed(2)}×`;
}

/** A ratio between phases that folded different events, or folded them differently, would measure nothing: refuse it. */
function assertSameReadModels(runs: Record<Phase, PhaseResult[]>): void {
  const digests = PHASES.flatMap((phase) =>
    runs[phase].flatMap((result, round) =>
      result.digest === undefined
        ? []
        : [{ phase, round, digest: result.digest, events: result.events, arrests: result.arrests }],
    ),
  );
  const first = digests[0];
  const differing = digests.filter((entry) => entry.digest !== first.digest || entry.events !== first.events);
  if (differing.length > 0)
    throw new Error(
      `the phases' read models differ: ${JSON.stringify(first)} against ${JSON.stringify(differing)}`,
    );
}

async function main(): Promise<void> {
  const file = join(ROOT, '.tmp', 'bench', `projections-deep-${SEED}-${SCALE}.v2.db`);
  const report = new BenchReport('projections', {
    variant: 'deep',
    seed: SEED,
    scale: SCALE,
    log: file,
    loadAverageAtStart: loadavg(),
  });
  process.stdout.write(`projections: preparing the log (${quick ? 'quick' : 'full'})\n`);
  const log = await ensureLog(file);
  report.add({
    scenario: 'log',
    subject: 'demo deep variant → sealed → SQLite',
    count: log.events,
    seconds: log.seconds ?? undefined,
    eventsPerSecond: log.seconds === null ? undefined : Math.round(log.events / log.seconds),
    note:
      log.seconds === null
        ? 'reused from an earlier run'
        : 'generated, sealed and appended in batches of 2,000',
  });
  if (process.argv.includes('--prepare')) return;
  const runs: Record<Phase, PhaseResult[]> = {
    reference: [],
    'catch-up': [],
    'catch-up-read-ahead': [],
    'catch-up-one-thread': [],
    rebuild: [],
    fold: [],
    checkpoint: [],
  };
  // Round by round, the phases alternating, each in its own process: this machine's speed drifts
  // by 10–20 % over minutes, so a ratio is only worth figures taken side by side.
  for (let round = 0; round < RUNS_PER_PHASE; round += 1)
    for (const phase of PHASES) {
      const result = await runChild(phase, file);
      runs[phase].push(result);
      process.stdout.write(
        `  round ${round + 1}, ${phase}: ${whole(rate(result))} events/s, ${whole(perCpuSecond(result))} per CPU-second, peak RSS ${result.peakRssMiB} MiB\n`,
      );
    }
  assertSameReadModels(runs);
  const medians = Object.fromEntries(PHASES.map((phase) => [phase, medianRun(runs[phase])])) as Record<
    Phase,
    PhaseResult
  >;
  // Events/s compare one thread (the reference) with two (the store reads ahead on a thread of its
  // own); events per CPU-second (every thread counted) compare the work, and hold up under load.
  const ratios = {
    eventsPerSecond: {
      catchUpToReference: roundRatios(runs['catch-up'], runs.reference, rate),
      readAheadCatchUpToReference: roundRatios(runs['catch-up-read-ahead'], runs.reference, rate),
      oneThreadCatchUpToReference: roundRatios(runs['catch-up-one-thread'], runs.reference, rate),
      rebuildToReference: roundRatios(runs.rebuild, runs.reference, rate),
      rebuildToCatchUp: roundRatios(runs.rebuild, runs['catch-up'], rate),
    },
    eventsPerCpuSecond: {
      catchUpToReference: roundRatios(runs['catch-up'], runs.reference, perCpuSecond),
      readAheadCatchUpToReference: roundRatios(runs['catch-up-read-ahead'], runs.reference, perCpuSecond),
      oneThreadCatchUpToReference: roundRatios(runs['catch-up-one-thread'], runs.reference, perCpuSecond),
      rebuildToReference: roundRatios(runs.rebuild, runs.reference, perCpuSecond),
      rebuildToCatchUp: roundRatios(runs.rebuild, runs['catch-up'], perCpuSecond),
    },
  };
  const row = (phase: Phase, scenario: string, subject: string, comparison = '') => {
    const result = medians[phase];
    const results = runs[phase];
    const spread =
      results.length > 1
        ? `median of ${results.length} rounds (${results.map((r) => whole(rate(r))).join(' / ')} events/s, peak RSS at most ${Math.max(...results.map((r) => r.peakRssMiB))} MiB); `
        : '';
    report.add({
      scenario,
      subject,
      count: result.events,
      seconds: Math.round(result.seconds * 100) / 100,
      eventsPerSecond: Math.round(rate(result)),
      eventsPerCpuSecond: Math.round(result.events / result.cpuSeconds),
      peakRssMiB: result.peakRssMiB,
      note: `${spread}${comparison}at the end: anon ${result.anonMiB}, file ${result.fileMiB}, heap ${result.heapUsedMiB} MiB${result.note ? `; ${result.note}` : ''}`,
    });
  };
  const against = (what: string, key: keyof (typeof ratios)['eventsPerSecond']) =>
    `${ratioText(ratios.eventsPerCpuSecond[key])} of ${what} in events per CPU-second, ${ratioText(ratios.eventsPerSecond[key])} in events/s, round by round; `;
  const FROM_ZERO = 'picture + timeline from position 0';
  row('reference', FROM_ZERO, 'reference: better-sqlite3 rows + JSON.parse + the folds, one thread');
  row(
    'catch-up',
    FROM_ZERO,
    "runner: catch-up (rebuild from position 0), the store's defaults",
    against('the reference', 'catchUpToReference'),
  );
  row(
    'catch-up-read-ahead',
    FROM_ZERO,
    'runner: catch-up, pages always read ahead on a second thread',
    against('the reference', 'readAheadCatchUpToReference'),
  );
  row(
    'catch-up-one-thread',
    FROM_ZERO,
    "runner: catch-up, the store's read-ahead off (one thread)",
    against('the reference', 'oneThreadCatchUpToReference'),
  );
  row(
    'rebuild',
    FROM_ZERO,
    'runner: live rebuild',
    `${against('the reference', 'rebuildToReference')}${against('the catch-up', 'rebuildToCatchUp')}`,
  );
  row('fold', 'the folds alone', 'picture + timeline over events in memory');
  row('checkpoint', 'checkpoint of both', 'picture + timeline');
  // The SSE fan-out rows (1,000 subscribers at 1,000 appends/s, delivery lag p50/p99) are added here by the api's live endpoints.
  report.print();
  report.writeJson(join(ROOT, 'bench', 'results', quick ? 'projections.quick.json' : 'projections.json'), {
    cores: availableParallelism(),
    phases: medians,
    runs,
    ratios,
    loadAverage: loadavg(),
  });
}

const phase = argument('--phase');
if (phase) {
  runPhase(phase, argument('--file')!).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
