/**
 * `ts-node -r tsconfig-paths/register --transpile-only bench/merkle.bench.ts [--quick] [--leaves N]`:
 * what the Merkle log (docs/merkle-log.md) costs and gives.
 * 1. The durable append path of the embedded store (single-event appends from
 *    32 callers, group commit, fsync) with the projection runner following it
 *    as in the api, and with the tree follower beside it: fed by the runner's
 *    applied events (the api's way), or reading the log through its own
 *    subscription (the earlier way, kept as the same-run reference). Rounds
 *    alternate, medians reported, the process's CPU time per append shown
 *    beside the wall-clock rate; the store alone is the reference below them.
 * 2. A tree of N leaves (default 1,000,000; --quick 50,000) in its leaf file:
 *    appending, reopening as the api does at start (in turns, the event loop's
 *    longest stall measured), memory held, finding a leaf by event id,
 *    inclusion and consistency proofs (size, generation and verification rates).
 * Prints a table and writes bench/results/merkle.json (merkle.quick.json with --quick).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Subject } from 'rxjs';
import {
  comparePositions,
  createEventStore,
  type EventStore,
  type EventToAppend,
  type GlobalPosition,
} from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import {
  MerkleLog,
  MerkleLogFollower,
  leafIdsFileOf,
  leafHash,
  sealEvents,
  verifyConsistency,
  verifyInclusion,
  type UnsealedEvent,
} from '@timeline/integrity';
import type { JsonObject } from '@timeline/kernel';
import {
  InMemoryProjectionCheckpointStore,
  ProjectionRunner,
  operationalPictureProjection,
  timelineProjection,
  toStoredTimelineEvent,
  type ProjectionChange,
} from '@timeline/projections';
import { merkleFeedOf } from '../apps/api/src/transparency/merkle-feed';
import { BenchReport, type BenchRow } from './support/bench-report';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const sizes = {
  leaves: Number(option('--leaves') ?? (quick ? 50_000 : 1_000_000)),
  appendsPerRound: quick ? 3_000 : 20_000,
  rounds: quick ? 2 : 3,
  callers: 32,
  proofs: quick ? 5_000 : 50_000,
};

function seizure(caller: number, n: number): UnsealedEvent {
  const at = new Date(Date.UTC(2020, 5, 13) + n * 1000).toISOString();
  return {
    eventId: `00000000-0000-4000-8${caller.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`,
    type: 'SeizureRecorded',
    data: {
      seizureId: `SZ-${caller}-${n}`,
      raidId: `RAID-${n % 977}`,
      seizedBy: 'NWP',
      postcodeDistrict: 'LL11',
      drugs: [{ drugType: 'cocaine', drugClass: 'A', quantity: 1.25, unit: 'kg' }],
      cash: [{ amountPence: 2_000_000 + (n % 1000), power: 'poca-s294' }],
    },
    envelope: {
      schemaVersion: 1,
      operationId: `bench-${caller}`,
      occurredAt: at,
      recordedAt: at,
      recordedBy: 'officer-nwp-1',
      agency: 'NWP',
      correlationId: `corr-${n}`,
      causationId: null,
      classification: 'OFFICIAL-SENSITIVE',
    },
  };
}

/** Every caller's events, sealed in advance so the round measures the store, not the hashing of the write path. */
function prepared(round: number, perCaller: number): EventToAppend[][] {
  return Array.from({ length: sizes.callers }, (_, caller) =>
    sealEvents(
      null,
      0,
      Array.from({ length: perCaller }, (_, n) => seizure(round * 100 + caller, n)),
    ).map((event) => ({
      eventId: event.eventId,
      type: event.type,
      data: event.data,
      metadata: event.envelope as unknown as JsonObject,
    })),
  );
}

interface AppendRound {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly appends: number;
  readonly leaves: number;
  readonly fromStore: number;
}

/** `store`: appends alone; `runner`: the projections follow (the api); `fed` / `subscribed`: the tree too. */
type Setup = 'store' | 'runner' | 'fed' | 'subscribed';
const SETUPS: readonly Setup[] = ['store', 'runner', 'fed', 'subscribed'];

async function appendRound(dir: string, round: number, setup: Setup): Promise<AppendRound> {
  const file = join(dir, `round-${round}.db`);
  const store: EventStore = await createEventStore({ kind: 'sqlite', file });
  const runner =
    setup === 'store'
      ? null
      : new ProjectionRunner(
          store,
          [operationalPictureProjection, timelineProjection],
          new InMemoryProjectionCheckpointStore(),
          { checkpointEveryEvents: Number.MAX_SAFE_INTEGER, checkpointIntervalMs: 3_600_000 },
        );
  await runner?.start();
  await runner?.whenCaughtUp();
  const log =
    setup === 'fed' || setup === 'subscribed'
      ? MerkleLog.openFile(join(dir, `round-${round}`, 'leaves.bin'))
      : null;
  const follower =
    log && runner
      ? new MerkleLogFollower(store, log, setup === 'fed' ? { feed: merkleFeedOf(runner) } : {})
      : null;
  await follower?.start();
  const perCaller = Math.floor(sizes.appendsPerRound / sizes.callers);
  const events = prepared(round, perCaller);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let last: GlobalPosition | null = null;
  await Promise.all(
    events.map(async (stream, caller) => {
      let revision: number | 'no_stream' = 'no_stream';
      for (const event of stream) {
        const result = await store.append(`operation-bench-${round * 100 + caller}`, [event], {
          expectedRevision: revision,
        });
        revision = result.nextExpectedRevision;
        if (last === null || result.position.commit > last.commit) last = result.position;
      }
    }),
  );
  // The followers' work counts: the round ends once the projections and the tree hold every event appended.
  if (runner && last) await runner.waitForPosition(last, 120_000);
  const appends = perCaller * sizes.callers;
  while (log && log.size < appends) await new Promise((resolve) => setTimeout(resolve, 2));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const leaves = log?.size ?? 0;
  const fromStore = follower?.counts.fromStore ?? 0;
  follower?.stop();
  log?.close();
  await runner?.stop();
  await store.close();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, appends, leaves, fromStore };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function appendPath(report: BenchReport, dir: string): Promise<void> {
  // The first warms the code up; the median of the rest is reported.
  const fedCosts = [];
  for (let round = 0; round <= sizes.rounds; round += 1) fedCosts.push(await fedFollowerCost(round));
  fedCosts.shift();
  const results = new Map<Setup, AppendRound[]>(SETUPS.map((setup) => [setup, []]));
  for (let round = 0; round < sizes.rounds * SETUPS.length; round += 1) {
    const setup = SETUPS[round % SETUPS.length];
    const result = await appendRound(dir, round, setup);
    if ((setup === 'fed' || setup === 'subscribed') && result.leaves !== result.appends)
      throw new Error(`the tree holds ${result.leaves} leaves, ${result.appends} were appended`);
    results.get(setup)!.push(result);
  }
  const summary = (setup: Setup) => {
    const rounds = results.get(setup)!;
    return {
      rate: median(rounds.map((r) => r.appends / r.seconds)),
      cpuPerAppendUs: median(rounds.map((r) => (r.cpuSeconds / r.appends) * 1e6)),
      rates: rounds.map((r) => Math.round(r.appends / r.seconds)),
      cpus: rounds.map((r) => Math.round((r.cpuSeconds / r.appends) * 1e7) / 10),
      fromStore: rounds.map((r) => r.fromStore),
    };
  };
  // Each round's store caught up once by a follower reading the log itself (the first warms the code up).
  const catchUps = [];
  for (let round = 0; round < sizes.rounds * SETUPS.length; round += SETUPS.length)
    catchUps.push(await followerCost(dir, round));
  const follower = [...catchUps].sort((a, b) => a.cpuPerEventUs - b.cpuPerEventUs)[
    Math.floor(catchUps.length / 2)
  ];
  const fedCost = median(fedCosts);
  const store = summary('store');
  const runner = summary('runner');
  const fed = summary('fed');
  const subscribed = summary('subscribed');
  const scenario = `durable single-event appends, ${sizes.callers} callers`;
  const rounds = (s: ReturnType<typeof summary>) =>
    `median of ${sizes.rounds} rounds ${JSON.stringify(s.rates)}; CPU ${s.cpuPerAppendUs.toFixed(1)} µs per append ${JSON.stringify(s.cpus)}`;
  report.add({
    scenario,
    subject: 'store alone',
    count: sizes.appendsPerRound,
    opsPerSecond: Math.round(store.rate),
    note: rounds(store),
  });
  report.add({
    scenario,
    subject: 'store + projection runner (the api without the tree)',
    count: sizes.appendsPerRound,
    opsPerSecond: Math.round(runner.rate),
    note: rounds(runner),
  });
  const cost = (s: ReturnType<typeof summary>) => {
    const extraUs = s.cpuPerAppendUs - runner.cpuPerAppendUs;
    return (
      `throughput ${((1 - s.rate / runner.rate) * 100).toFixed(1)} % lower than the runner alone; ` +
      `CPU +${extraUs.toFixed(1)} µs per append: ${((extraUs / runner.cpuPerAppendUs) * 100).toFixed(1)} % of the durable append with the runner, ` +
      `${((extraUs / store.cpuPerAppendUs) * 100).toFixed(1)} % of the store's alone`
    );
  };
  report.add({
    scenario,
    subject: "store + runner + tree fed by the runner's applied events (the api)",
    count: sizes.appendsPerRound,
    opsPerSecond: Math.round(fed.rate),
    note: `${rounds(fed)}; ${cost(fed)}; leaves read from the store per round ${JSON.stringify(fed.fromStore)}`,
  });
  report.add({
    scenario,
    subject: 'store + runner + tree reading the log itself (reference: the earlier follower)',
    count: sizes.appendsPerRound,
    opsPerSecond: Math.round(subscribed.rate),
    note: `${rounds(subscribed)}; ${cost(subscribed)}`,
  });
  report.add({
    scenario,
    subject: "tree follower fed by the runner's applied events, alone (its own CPU per event, median)",
    count: sizes.appendsPerRound,
    eventsPerCpuSecond: Math.round(1e6 / fedCost),
    note:
      `CPU ${fedCost.toFixed(2)} µs per event ${JSON.stringify(fedCosts.map((c) => Math.round(c * 100) / 100))}: ` +
      `${((fedCost / store.cpuPerAppendUs) * 100).toFixed(1)} % of the CPU of a durable append alone (${store.cpuPerAppendUs.toFixed(1)} µs, same run), ` +
      `${((fedCost / runner.cpuPerAppendUs) * 100).toFixed(1)} % of one with the runner (${runner.cpuPerAppendUs.toFixed(1)} µs)`,
  });
  report.add({
    scenario,
    subject: 'tree follower reading the log itself (catch-up of a round, median)',
    count: follower.events,
    eventsPerSecond: Math.round(follower.events / follower.seconds),
    eventsPerCpuSecond: Math.round(1e6 / follower.cpuPerEventUs),
    note:
      `CPU ${follower.cpuPerEventUs.toFixed(1)} µs per event, ${follower.treeCpuPerEventUs.toFixed(1)} of it the tree ` +
      `(${((follower.treeCpuPerEventUs / store.cpuPerAppendUs) * 100).toFixed(1)} % of the store's append), the rest reading the log`,
  });
}

/**
 * The fed follower's own work per event: a finished round's events, parsed
 * beforehand as the runner parses them (its work, not the tree's), handed over
 * in groups of `callers` (a group commit) with a turn between groups, as the
 * runner hands them over; the clock runs from the first to the last leaf written.
 */
async function fedFollowerCost(round: number): Promise<number> {
  // A round's events as the runner hands them over, parsed beforehand (its work, not the tree's), from an
  // in-memory store: no store thread's CPU counts. Run before the store rounds, in a process still clean.
  const source = new InMemoryEventStore();
  const perCaller = Math.floor(sizes.appendsPerRound / sizes.callers);
  for (const [caller, stream] of prepared(30 + round, perCaller).entries())
    await source.append(`operation-fed-${round}-${caller}`, stream);
  const recorded = await source.readAll();
  const events = recorded.map(toStoredTimelineEvent);
  // The follower's store holds the first event only: the tree reads it at start, and is then aligned with the feed.
  const store = new InMemoryEventStore();
  const [first] = recorded;
  const { position } = await store.append(first.streamName, [
    { eventId: first.eventId, type: first.type, data: first.data, metadata: first.metadata },
  ]);
  if (comparePositions(position, first.position) !== 0) throw new Error('the first positions differ');
  const feed = new Subject<ProjectionChange>();
  const dir = mkdtempSync(join(tmpdir(), 'timeline-merkle-fed-'));
  const log = MerkleLog.openFile(join(dir, 'leaves.bin'));
  const follower = new MerkleLogFollower(store, log, { feed: merkleFeedOf({ changes$: feed }) });
  await follower.start();
  feed.next({ kind: 'applied', event: events[0], projections: ['timeline'] });
  const cpu = process.cpuUsage();
  for (let i = 1; i < events.length; i += sizes.callers) {
    for (const event of events.slice(i, i + sizes.callers))
      feed.next({ kind: 'applied', event, projections: ['timeline'] });
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(cpu);
  if (log.size !== events.length || follower.counts.fromStore !== 1)
    throw new Error(
      `the fed tree holds ${log.size} leaves of ${events.length}, ${follower.counts.fromStore} read from the store`,
    );
  follower.stop();
  log.close();
  rmSync(dir, { recursive: true, force: true });
  return (used.user + used.system) / (events.length - 1);
}

/** The follower's own work per event, measured by catching up the store of a finished round from an empty tree. */
async function followerCost(
  dir: string,
  round: number,
): Promise<{ events: number; seconds: number; cpuPerEventUs: number; treeCpuPerEventUs: number }> {
  const store = await createEventStore({ kind: 'sqlite', file: join(dir, `round-${round}.db`) });
  const log = MerkleLog.openFile(join(dir, `catch-up-${round}`, 'leaves.bin'));
  const follower = new MerkleLogFollower(store, log);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await follower.start();
  await follower.sync();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  follower.stop();
  const events = log.size;
  const leaves = Array.from({ length: events }, (_, i) => log.leafAt(i));
  log.close();
  await store.close();
  const tree = MerkleLog.inMemory();
  const treeCpu = process.cpuUsage();
  for (let i = 0; i < leaves.length; i += 100) tree.append(leaves.slice(i, i + 100));
  const treeUsed = process.cpuUsage(treeCpu);
  return {
    events,
    seconds,
    cpuPerEventUs: (used.user + used.system) / events,
    treeCpuPerEventUs: (treeUsed.user + treeUsed.system) / events,
  };
}

const leafEventId = (n: number): string =>
  `0190a6f0-${(n % 65536).toString(16).padStart(4, '0')}-7000-8000-${n.toString(16).padStart(12, '0')}`;

async function treeAtScale(report: BenchReport, dir: string): Promise<void> {
  const file = join(dir, 'tree', 'leaves.bin');
  const log = MerkleLog.openFile(file);
  const batch = 1000;
  let started = performance.now();
  for (let first = 0; first < sizes.leaves; first += batch) {
    const leaves = Array.from({ length: Math.min(batch, sizes.leaves - first) }, (_, i) => ({
      position: { commit: BigInt(first + i + 1), prepare: BigInt(first + i + 1) },
      leafInput: createHash('sha256')
        .update(`event ${first + i}`)
        .digest(),
      eventId: leafEventId(first + i),
    }));
    log.append(leaves);
  }
  let seconds = (performance.now() - started) / 1000;
  const rootStarted = performance.now();
  const root = log.rootAt();
  const rootMs = performance.now() - rootStarted;
  report.add({
    scenario: `tree of ${sizes.leaves.toLocaleString('en-GB')} leaves`,
    subject: 'append in batches of 1,000',
    count: sizes.leaves,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(sizes.leaves / seconds),
    note: `leaf file ${mib(statSync(file).size)} MiB; in memory ${mib(log.memoryBytes)} MiB of hashes; root in ${rootMs.toFixed(2)} ms`,
  });
  log.close();

  // As the api opens it at start: in turns, the event loop free between them.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  started = performance.now();
  const reopened = await MerkleLog.openFileInTurns(file);
  seconds = (performance.now() - started) / 1000;
  loop.disable();
  if (!reopened.rootAt().equals(root)) throw new Error('the reopened tree has another root');
  report.add({
    scenario: `tree of ${sizes.leaves.toLocaleString('en-GB')} leaves`,
    subject: 'reopen as the api starts: levels rebuilt from the leaf file in turns, event ids indexed',
    count: sizes.leaves,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(sizes.leaves / seconds),
    loopMaxStallMs: round(loop.max / 1e6, 1),
    loopP99DelayMs: round(loop.percentile(99) / 1e6, 1),
    note: `the api answers meanwhile (proofs and heads 503 until caught up); id file ${mib(statSync(leafIdsFileOf(file)).size)} MiB`,
  });

  started = performance.now();
  let found = 0;
  for (let i = 0; i < sizes.proofs; i += 1) {
    const n = Math.floor((((i * 2654435761) % 2 ** 32) / 2 ** 32) * sizes.leaves);
    if (reopened.leafIndexOfEvent(leafEventId(n)) === n) found += 1;
  }
  const lookup = (performance.now() - started) / 1000;
  if (found !== sizes.proofs) throw new Error(`${sizes.proofs - found} event ids not found at their leaf`);
  report.add({
    scenario: `tree of ${sizes.leaves.toLocaleString('en-GB')} leaves`,
    subject: "find an event's leaf by its id (the proof route)",
    count: sizes.proofs,
    opsPerSecond: Math.round(sizes.proofs / lookup),
  });

  const n = reopened.size;
  const indexes = Array.from({ length: sizes.proofs }, (_, i) =>
    Math.floor((((i * 2654435761) % 2 ** 32) / 2 ** 32) * n),
  );
  started = performance.now();
  const proofs = indexes.map((index) => reopened.inclusionProof(index, n));
  const generate = (performance.now() - started) / 1000;
  const inputs = indexes.map((index) => leafHash(reopened.leafAt(index).leafInput));
  started = performance.now();
  for (let i = 0; i < proofs.length; i += 1) {
    if (!verifyInclusion(inputs[i], indexes[i], n, proofs[i], root)) throw new Error('a proof failed');
  }
  const verify = (performance.now() - started) / 1000;
  const hashes = median(proofs.map((proof) => proof.length));
  report.add({
    scenario: `inclusion proofs at ${n.toLocaleString('en-GB')} leaves`,
    subject: 'generate (from the tree file)',
    count: sizes.proofs,
    opsPerSecond: Math.round(sizes.proofs / generate),
    note: `${hashes} hashes: ${hashes * 32} bytes raw, ${hashes * 67 + 120} bytes as the api's JSON`,
  });
  report.add({
    scenario: `inclusion proofs at ${n.toLocaleString('en-GB')} leaves`,
    subject: 'verify',
    count: sizes.proofs,
    opsPerSecond: Math.round(sizes.proofs / verify),
  });

  const pairs = indexes.map((index, i) => {
    const a = 1 + index;
    const b = a + 1 + ((i * 7919) % (n - a + 1));
    return [a, Math.min(b, n)] as const;
  });
  const roots = new Map<number, Buffer>();
  const rootOf = (size: number): Buffer => {
    let value = roots.get(size);
    if (!value) roots.set(size, (value = reopened.rootAt(size)));
    return value;
  };
  const consistencyCount = Math.min(pairs.length, quick ? 2_000 : 10_000);
  started = performance.now();
  const consistency = pairs.slice(0, consistencyCount).map(([a, b]) => reopened.consistencyProof(a, b));
  const generateConsistency = (performance.now() - started) / 1000;
  const pairRoots = pairs.slice(0, consistencyCount).map(([a, b]) => [rootOf(a), rootOf(b)] as const);
  started = performance.now();
  for (let i = 0; i < consistencyCount; i += 1) {
    const [a, b] = pairs[i];
    if (!verifyConsistency(a, b, pairRoots[i][0], pairRoots[i][1], consistency[i]))
      throw new Error('a consistency proof failed');
  }
  const verifyConsistencyS = (performance.now() - started) / 1000;
  const consistencyHashes = median(consistency.map((proof) => proof.length));
  report.add({
    scenario: `consistency proofs at ${n.toLocaleString('en-GB')} leaves`,
    subject: 'generate',
    count: consistencyCount,
    opsPerSecond: Math.round(consistencyCount / generateConsistency),
    note: `median ${consistencyHashes} hashes (${consistencyHashes * 32} bytes raw)`,
  });
  report.add({
    scenario: `consistency proofs at ${n.toLocaleString('en-GB')} leaves`,
    subject: 'verify',
    count: consistencyCount,
    opsPerSecond: Math.round(consistencyCount / verifyConsistencyS),
  });
  reopened.close();
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'timeline-merkle-bench-'));
  const report = new BenchReport('merkle: the cost of keeping the tree, proof sizes and rates', {
    quick,
    ...sizes,
  });
  try {
    await appendPath(report, dir);
    await treeAtScale(report, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report.print();
  report.writeJson(join(__dirname, 'results', quick ? 'merkle.quick.json' : 'merkle.json'));
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

export type { BenchRow };
