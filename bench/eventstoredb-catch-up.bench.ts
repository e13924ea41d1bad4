/**
 * `npm run bench:eventstoredb-catch-up [-- --quick]`: how fast the projection runner
 * catches up from position 0 over the EventStoreDB adapter — a start after a version
 * change, or a new api instance joining a cluster. The log is the demo generator's deep
 * variant (one operation; ~50k events, ~10k with --quick), sealed as the write path
 * seals it, on the protocol test server in a child process, so that the CPU time
 * measured is the api side's alone: the subscription, the adapter, the folds of the
 * operational picture and the timeline — and, beside it, the subscription alone, to
 * separate delivering the log from folding it; and the cost of decoding one read response,
 * the client's way and the adapter's. Three runs each (one with --quick); the
 * table shows the median by CPU time (events per CPU-second hold up on a shared machine). Prints a table and writes bench/results/eventstoredb-catch-up[.quick].json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoDataset, principalSubject } from '@timeline/demo-data';
import type { EventToAppend } from '@timeline/event-store';
import { toStoredEventData, type EventType } from '@timeline/events';
import { sealEvents } from '@timeline/integrity';
import type { JsonObject } from '@timeline/kernel';
import {
  FileProjectionCheckpointStore,
  ProjectionRunner,
  operationalPictureProjection,
  timelineProjection,
} from '@timeline/projections';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent';
import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { EventStoreDbEventStore } from '../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import { decodeReadResponse } from '../libs/event-store/src/eventstoredb/eventstoredb.read-decoder';
import { BenchReport } from './support/bench-report';
import { startServerProcess } from './support/eventstoredb-server-process';

const quick = process.argv.includes('--quick');
const SCALE = quick ? 0.01 : 0.05;
const RUNS = quick ? 1 : 3;
const APPEND_BATCH = 500;
const CURRENT_VERSION: Record<string, number> = { IntelligenceReceived: 2 };

/** Writes the demo log sealed per operation, each batch at the exact revision it follows. */
async function populate(store: EventStoreDbEventStore): Promise<number> {
  const heads = new Map<string, { hash: string | null; revision: number }>();
  let written = 0;
  for (const submission of new DemoDataset({ variant: 'deep', seed: 2020, scale: SCALE })) {
    if (submission.retry) continue;
    const operationId = submission.operationId;
    for (let offset = 0; offset < submission.events.length; offset += APPEND_BATCH) {
      const head = heads.get(operationId) ?? { hash: null, revision: 0 };
      const sealed = sealEvents(
        head.hash,
        head.revision,
        submission.events.slice(offset, offset + APPEND_BATCH).map((event) => ({
          eventId: event.eventId,
          type: event.type,
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
      await store.append(`operation-${operationId}`, events, {
        expectedRevision: head.revision === 0 ? 'no_stream' : head.revision - 1,
      });
      heads.set(operationId, {
        hash: sealed[sealed.length - 1].envelope.hash,
        revision: head.revision + events.length,
      });
      written += events.length;
    }
  }
  return written;
}

interface Run {
  readonly events: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

async function catchUp(connectionString: string): Promise<Run> {
  const store = await EventStoreDbEventStore.open({ connectionString });
  const directory = mkdtempSync(join(tmpdir(), 'timeline-bench-checkpoints-'));
  try {
    const runner = new ProjectionRunner(
      store,
      [operationalPictureProjection, timelineProjection],
      new FileProjectionCheckpointStore({ directory }),
      { checkpointEveryEvents: Number.MAX_SAFE_INTEGER, checkpointIntervalMs: 3_600_000 },
    );
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await runner.start();
    await runner.whenCaughtUp();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    const status = runner.currentStatus();
    const failed = status.projections.filter((projection) => projection.failure !== null);
    if (failed.length > 0) throw new Error(`projections failed: ${JSON.stringify(failed)}`);
    await runner.stop();
    return { events: status.eventsProcessed, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The adapter's subscription alone to caught-up, no runner: what delivering the log costs before any fold. */
async function subscriptionOnly(connectionString: string): Promise<Run> {
  const store = await EventStoreDbEventStore.open({ connectionString });
  try {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    let events = 0;
    await new Promise<void>((resolve, reject) => {
      const subscription = store
        .subscribeToAll({ filter: { streamNamePrefixes: ['operation-'] } })
        .subscribe({
          next: (message) => {
            if (message.kind === 'event') events++;
            else {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    return { events, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    await store.close();
  }
}

/**
 * Decoding one read response, as the wire carries the log's first 2,000 events: the client's
 * generated classes and convertGrpcEvent against the adapter's decodeReadResponse, alternated
 * over seven rounds in this process; the median CPU time per event of each.
 */
async function decodingPerEvent(connectionString: string): Promise<{ client: number; adapter: number }> {
  const store = await EventStoreDbEventStore.open({ connectionString });
  const events = await store.readAll({ maxCount: 2000 });
  await store.close();
  const messages = events.map((event) => {
    const recorded = new ReadResp.ReadEvent.RecordedEvent()
      .setId(new UUID().setString(event.eventId))
      .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(event.streamName)))
      .setStreamRevision(String(event.revision))
      .setPreparePosition(event.position.prepare.toString())
      .setCommitPosition(event.position.commit.toString())
      .setCustomMetadata(Buffer.from(JSON.stringify(event.metadata)))
      .setData(Buffer.from(JSON.stringify(event.data)));
    const metadata = recorded.getMetadataMap();
    metadata.set('type', event.type);
    metadata.set('content-type', 'application/json');
    metadata.set('created', String(BigInt(Date.parse(event.createdAt)) * 10_000n));
    const read = new ReadResp.ReadEvent()
      .setEvent(recorded)
      .setCommitPosition(event.position.commit.toString());
    return Buffer.from(new ReadResp().setEvent(read).serializeBinary());
  });
  const decoders = {
    client: (bytes: Buffer) =>
      convertGrpcEvent(ReadResp.deserializeBinary(new Uint8Array(bytes)).getEvent()!),
    adapter: (bytes: Buffer) => decodeReadResponse(bytes)!,
  };
  const rounds: Record<keyof typeof decoders, number[]> = { client: [], adapter: [] };
  for (let round = 0; round < 7; round++) {
    for (const name of ['client', 'adapter'] as const) {
      const cpu = process.cpuUsage();
      for (let repeat = 0; repeat < 5; repeat++) for (const bytes of messages) decoders[name](bytes);
      const used = process.cpuUsage(cpu);
      rounds[name].push((used.user + used.system) / (5 * messages.length));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { client: median(rounds.client), adapter: median(rounds.adapter) };
}

async function main(): Promise<void> {
  const server = await startServerProcess();
  try {
    const writer = await EventStoreDbEventStore.open({ connectionString: server.connectionString });
    const written = await populate(writer);
    await writer.close();
    const report = new BenchReport('eventstoredb-catch-up', { events: written, runs: RUNS, quick });
    const results: Record<string, Run[]> = {};
    for (const [scenario, measure] of [
      ['the subscription alone, to caught-up (no runner)', subscriptionOnly],
      ['projection runner catch-up from position 0 (picture + timeline)', catchUp],
    ] as const) {
      const runs: Run[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(await measure(server.connectionString));
      results[scenario] = runs;
      const median = [...runs].sort((a, b) => a.cpuSeconds - b.cpuSeconds)[Math.floor(runs.length / 2)];
      report.add({
        scenario,
        subject: 'EventStoreDB adapter, test server',
        count: median.events,
        seconds: median.seconds,
        eventsPerSecond: median.events / median.seconds,
        eventsPerCpuSecond: median.events / median.cpuSeconds,
        note: `runs: ${runs.map((run) => `${Math.round(run.events / run.cpuSeconds)}`).join(', ')} events/cpu-s`,
      });
    }
    const decoding = await decodingPerEvent(server.connectionString);
    for (const [subject, microseconds] of [
      ['@eventstore/db-client (generated classes + convertGrpcEvent)', decoding.client],
      ['the adapter (decodeReadResponse)', decoding.adapter],
    ] as const) {
      report.add({
        scenario: 'decoding one read response, CPU µs per event (median of 7 alternating rounds)',
        subject,
        eventsPerCpuSecond: 1e6 / microseconds,
        note: `${microseconds.toFixed(1)} µs per event`,
      });
    }
    report.print();
    report.writeJson(
      join(__dirname, 'results', quick ? 'eventstoredb-catch-up.quick.json' : 'eventstoredb-catch-up.json'),
      { runs: results },
    );
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
