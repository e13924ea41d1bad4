/**
 * `ts-node -r tsconfig-paths/register --transpile-only bench/merkle.bench.ts [--quick] [--leaves N]`:
 * what the Merkle log (docs/merkle-log.md) costs and gives.
 * 1. The durable append path of the embedded store (single-event appends from
 *    32 callers, group commit, fsync) with and without the tree follower
 *    running beside it in the same process; rounds alternate, medians reported,
 *    and the process's CPU time per append shown beside the wall-clock rate.
 * 2. A tree of N leaves (default 1,000,000; --quick 50,000) in its leaf file:
 *    appending, reopening (rebuild of the in-memory levels from the file),
 *    memory held, inclusion and consistency proofs (size, generation and
 *    verification rates).
 * Prints a table and writes bench/results/merkle.json (merkle.quick.json with --quick).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, type EventStore, type EventToAppend } from '@timeline/event-store';
import {
  MerkleLog,
  MerkleLogFollower,
  leafHash,
  sealEvents,
  verifyConsistency,
  verifyInclusion,
  type UnsealedEvent,
} from '@timeline/integrity';
import type { JsonObject } from '@timeline/kernel';
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
}

async function appendRound(dir: string, round: number, withTree: boolean): Promise<AppendRound> {
  const file = join(dir, `round-${round}.db`);
  const store: EventStore = await createEventStore({ kind: 'sqlite', file });
  const log = withTree ? MerkleLog.openFile(join(dir, `round-${round}`, 'leaves.bin')) : null;
  const follower = log ? new MerkleLogFollower(store, log) : null;
  await follower?.start();
  const perCaller = Math.floor(sizes.appendsPerRound / sizes.callers);
  const events = prepared(round, perCaller);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    events.map(async (stream, caller) => {
      let revision: number | 'no_stream' = 'no_stream';
      for (const event of stream) {
        const result = await store.append(`operation-bench-${round * 100 + caller}`, [event], {
          expectedRevision: revision,
        });
        revision = result.nextExpectedRevision;
      }
    }),
  );
  // The follower's work counts: the round ends once the tree holds every event appended.
  await follower?.sync();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const leaves = log?.size ?? 0;
  follower?.stop();
  log?.close();
  await store.close();
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, appends: perCaller * sizes.callers, leaves };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function appendPath(report: BenchReport, dir: string): Promise<void> {
  const results: Record<'without' | 'with', AppendRound[]> = { without: [], with: [] };
  for (let round = 0; round < sizes.rounds * 2; round += 1) {
    const withTree = round % 2 === 1;
    const result = await appendRound(dir, round, withTree);
    if (withTree && result.leaves !== result.appends)
      throw new Error(`the tree holds ${result.leaves} leaves, ${result.appends} were appended`);
    results[withTree ? 'with' : 'without'].push(result);
  }
  const summary = (key: 'without' | 'with') => ({
    rate: median(results[key].map((r) => r.appends / r.seconds)),
    cpuPerAppendUs: median(results[key].map((r) => (r.cpuSeconds / r.appends) * 1e6)),
    rates: results[key].map((r) => Math.round(r.appends / r.seconds)),
  });
  // Each round's store caught up once (the first warms the code up); the median run is reported.
  const catchUps = [];
  for (let round = 0; round < sizes.rounds * 2; round += 2) catchUps.push(await followerCost(dir, round));
  const follower = [...catchUps].sort((a, b) => a.cpuPerEventUs - b.cpuPerEventUs)[
    Math.floor(catchUps.length / 2)
  ];
  const without = summary('without');
  const withTree = summary('with');
  const scenario = `durable single-event appends, ${sizes.callers} callers`;
  report.add({
    scenario,
    subject: 'store alone',
    count: sizes.appendsPerRound,
    opsPerSecond: Math.round(without.rate),
    note: `median of ${sizes.rounds} rounds ${JSON.stringify(without.rates)}; CPU ${without.cpuPerAppendUs.toFixed(1)} µs per append`,
  });
  const costWall = (1 - withTree.rate / without.rate) * 100;
  const costCpu = (withTree.cpuPerAppendUs / without.cpuPerAppendUs - 1) * 100;
  report.add({
    scenario,
    subject: 'store + tree follower',
    count: sizes.appendsPerRound,
    opsPerSecond: Math.round(withTree.rate),
    note:
      `median of ${sizes.rounds} rounds ${JSON.stringify(withTree.rates)}; CPU ${withTree.cpuPerAppendUs.toFixed(1)} µs per append; ` +
      `throughput ${costWall.toFixed(1)} % lower, CPU per append ${costCpu.toFixed(1)} % higher`,
  });
  const share = (follower.cpuPerEventUs / without.cpuPerAppendUs) * 100;
  report.add({
    scenario,
    subject: 'tree follower alone (catch-up of a round, median)',
    count: follower.events,
    eventsPerSecond: Math.round(follower.events / follower.seconds),
    eventsPerCpuSecond: Math.round(1e6 / follower.cpuPerEventUs),
    note:
      `CPU ${follower.cpuPerEventUs.toFixed(1)} µs per event (${follower.treeCpuPerEventUs.toFixed(1)} of it the tree, the rest reading the log): ` +
      `${share.toFixed(1)} % of the CPU of a durable append alone`,
  });
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

function treeAtScale(report: BenchReport, dir: string): void {
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

  started = performance.now();
  const reopened = MerkleLog.openFile(file);
  seconds = (performance.now() - started) / 1000;
  if (!reopened.rootAt().equals(root)) throw new Error('the reopened tree has another root');
  report.add({
    scenario: `tree of ${sizes.leaves.toLocaleString('en-GB')} leaves`,
    subject: 'reopen: rebuild the levels from the leaf file',
    count: sizes.leaves,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(sizes.leaves / seconds),
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
    treeAtScale(report, dir);
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
