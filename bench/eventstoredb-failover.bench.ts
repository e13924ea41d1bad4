/**
 * `npm run bench:eventstoredb-failover [-- --quick]`: what a leader change costs the
 * writers. 50 writers append single events at exact revisions (one stream each, as the
 * command handler does) through the EventStoreDB adapter to the protocol test server's
 * 3-node cluster (in this process); once they run, the leader is killed, demoted (left
 * live, its view of the log frozen) or stuck (takes calls, never answers), and the
 * cluster has no leader for 1.5 s before another node leads.
 *
 * Per election and per retry budget (the default 15 s, and 0: no retry): the errors the
 * writers saw, the recovery time (from the fault to the first append acknowledged after
 * the new leader took over), the longest append, and the events lost or stored twice
 * (checked against the acknowledgements at the end). Prints a table and writes
 * bench/results/eventstoredb-failover[.quick].json.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventStoreDbEventStore } from '../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import type { EventToAppend } from '../libs/event-store/src/event-store.port';
import { EventStoreDbTestCluster } from '../test/support/eventstoredb-test-server/eventstoredb-test-cluster';
import { BenchReport } from './support/bench-report';
import { LatencyRecorder } from './support/latency';

const quick = process.argv.includes('--quick');
const WRITERS = 50;
const NO_LEADER_MS = 1500;
const BEFORE_MS = quick ? 500 : 1500;
const AFTER_MS = quick ? 1500 : 3000;
const ROUNDS = quick ? 1 : 3;

type Fault = 'leader killed' | 'leader demoted' | 'leader stuck';

interface ElectionResult {
  readonly appends: number;
  readonly errors: number;
  readonly recoveryMs: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly latency: ReturnType<LatencyRecorder['summary']>;
}

const anEvent = (writer: number, i: number): EventToAppend => ({
  eventId: randomUUID(),
  type: 'IntelligenceReceived',
  data: { reportRef: `VEN-INT-${writer}-${i}`, priority: 'LOW' },
  metadata: { operationId: `failover-${writer}`, recordedBy: `officer-${writer}` },
});

async function election(fault: Fault, budgetMs: number): Promise<ElectionResult> {
  const cluster = await EventStoreDbTestCluster.start();
  const store = await EventStoreDbEventStore.open({
    connectionString: cluster.connectionString,
    retry: { budgetMs },
    // A stuck node is noticed at the deadline; a short one keeps the scenarios comparable.
    deadlineMs: 1000,
  });
  const latency = new LatencyRecorder();
  const acknowledged = new Map<string, string[]>();
  let errors = 0;
  let appends = 0;
  let faultAt = 0;
  let electedAt = 0;
  let recoveredAt = 0;
  let stop = false;

  const writers = Array.from({ length: WRITERS }, async (_, writer) => {
    const stream = `operation-failover-${writer}-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    acknowledged.set(stream, ids);
    let revision: number | 'no_stream' = 'no_stream';
    for (let i = 0; !stop; i++) {
      const event = anEvent(writer, i);
      const started = performance.now();
      try {
        const result = await store.append(stream, [event], { expectedRevision: revision });
        latency.record(performance.now() - started);
        appends++;
        revision = result.nextExpectedRevision;
        ids.push(event.eventId);
        if (electedAt && !recoveredAt && Date.now() >= electedAt) recoveredAt = Date.now();
      } catch {
        errors++;
        // The outcome of a failed append is unknown: learn the revision from the store, as a caller would.
        const stored = await store.readStream(stream).catch(() => null);
        if (stored) {
          revision = stored.length === 0 ? 'no_stream' : stored[stored.length - 1].revision;
          // An append that failed may still have been written: it is then the caller's, acknowledged late.
          for (const recorded of stored) if (!ids.includes(recorded.eventId)) ids.push(recorded.eventId);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });

  await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
  faultAt = Date.now();
  if (fault === 'leader killed') await cluster.killLeader(NO_LEADER_MS);
  else if (fault === 'leader demoted') await cluster.demoteLeader(NO_LEADER_MS);
  else {
    cluster.nodes[cluster.leaderIndex].stall();
    await cluster.elect(NO_LEADER_MS);
  }
  electedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
  stop = true;
  await Promise.all(writers);

  let lost = 0;
  let duplicated = 0;
  for (const [stream, ids] of acknowledged) {
    const stored = cluster.log.stream(stream) ?? [];
    const storedIds = stored.map((event) => event.eventId);
    duplicated += storedIds.length - new Set(storedIds).size;
    const present = new Set(storedIds);
    lost += ids.filter((id) => !present.has(id)).length;
  }
  await store.close();
  await cluster.stop();
  return {
    appends,
    errors,
    recoveryMs: recoveredAt ? recoveredAt - faultAt : NaN,
    lost,
    duplicated,
    latency: latency.summary(),
  };
}

async function main(): Promise<void> {
  const report = new BenchReport('eventstoredb-failover', {
    writers: WRITERS,
    noLeaderMs: NO_LEADER_MS,
    rounds: ROUNDS,
    quick,
  });
  const summary: Record<string, ElectionResult[]> = {};
  for (const fault of ['leader killed', 'leader demoted', 'leader stuck'] as const) {
    for (const budgetMs of [15_000, 0]) {
      const results: ElectionResult[] = [];
      for (let round = 0; round < ROUNDS; round++) results.push(await election(fault, budgetMs));
      const subject = budgetMs === 0 ? 'no retry' : 'retry budget 15 s';
      summary[`${fault}, ${subject}`] = results;
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
      report.add({
        scenario: `${fault}, ${NO_LEADER_MS / 1000} s without a leader`,
        subject,
        count: results.reduce((sum, r) => sum + r.appends, 0),
        p50Ms: median(results.map((r) => r.latency.p50Ms)),
        p99Ms: median(results.map((r) => r.latency.p99Ms)),
        maxMs: Math.max(...results.map((r) => r.latency.maxMs)),
        note:
          `errors per election ${results.map((r) => r.errors).join('/')}; ` +
          `recovery ${results.map((r) => r.recoveryMs).join('/')} ms; ` +
          `lost ${results.reduce((sum, r) => sum + r.lost, 0)}, stored twice ${results.reduce((sum, r) => sum + r.duplicated, 0)}`,
      });
    }
  }
  report.print();
  report.writeJson(
    join(__dirname, 'results', quick ? 'eventstoredb-failover.quick.json' : 'eventstoredb-failover.json'),
    { elections: summary },
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
