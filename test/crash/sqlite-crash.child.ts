/**
 * Appends to the embedded store without pause until it is killed, printing one
 * JSON line per acknowledged append. The crash test SIGKILLs it and checks that
 * everything printed here is on disk.
 *
 * Usage: sqlite-crash.child.ts <file> <round>
 */
import { v7 as uuidv7 } from 'uuid';
import { StreamNotFoundError, type EventStore, type EventToAppend } from '@timeline/event-store';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite/sqlite.event-store';

/** What the child prints for each acknowledged append. */
export interface Acknowledgement {
  readonly stream: string;
  readonly eventIds: readonly string[];
  readonly firstRevision: number | null;
  readonly nextExpectedRevision: number;
  readonly position: string;
}

/** Writers with an exact expected revision, each on its own stream that continues across rounds. */
const EXACT_WRITERS = 6;
/** Writers with `any` on one shared stream, racing each other. */
const SHARED_WRITERS = 3;
export const SHARED_STREAM = 'crash-shared';

async function currentRevision(store: EventStore, stream: string): Promise<number | null> {
  try {
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last.revision;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return null;
    throw error;
  }
}

function batch(round: number, writer: string, counter: { n: number }): EventToAppend[] {
  // Mostly single events, sometimes batches of up to 40, so both paths are cut by the kill.
  const size = Math.random() < 0.6 ? 1 : 2 + Math.floor(Math.random() * 39);
  const batchId = uuidv7();
  return Array.from({ length: size }, (_, i) => ({
    eventId: uuidv7(),
    type: 'CrashProbe',
    data: {
      round,
      writer,
      n: counter.n++,
      text: 'Operation Venetic — the crash probe carries some realistic bulk. '.repeat(3),
    },
    metadata: { batchId, batchSize: size, indexInBatch: i },
  }));
}

function acknowledge(ack: Acknowledgement): void {
  process.stdout.write(`${JSON.stringify(ack)}\n`);
}

async function exactWriter(store: EventStore, round: number, k: number): Promise<never> {
  const stream = `crash-exact-${k}`;
  let revision = await currentRevision(store, stream);
  const counter = { n: 0 };
  for (;;) {
    const events = batch(round, stream, counter);
    const result = await store.append(stream, events, { expectedRevision: revision ?? 'no_stream' });
    acknowledge({
      stream,
      eventIds: events.map((e) => e.eventId),
      firstRevision: (revision ?? -1) + 1,
      nextExpectedRevision: result.nextExpectedRevision,
      position: result.position.commit.toString(),
    });
    revision = result.nextExpectedRevision;
  }
}

async function sharedWriter(store: EventStore, round: number, k: number): Promise<never> {
  const counter = { n: 0 };
  for (;;) {
    const events = batch(round, `shared-${k}`, counter);
    const result = await store.append(SHARED_STREAM, events, { expectedRevision: 'any' });
    acknowledge({
      stream: SHARED_STREAM,
      eventIds: events.map((e) => e.eventId),
      firstRevision: null,
      nextExpectedRevision: result.nextExpectedRevision,
      position: result.position.commit.toString(),
    });
  }
}

async function main(): Promise<void> {
  const [file, roundText] = process.argv.slice(2);
  const round = Number(roundText);
  const store = await SqliteEventStore.open({ file });
  process.stdout.write('READY\n');
  await Promise.all([
    ...Array.from({ length: EXACT_WRITERS }, (_, k) => exactWriter(store, round, k)),
    ...Array.from({ length: SHARED_WRITERS }, (_, k) => sharedWriter(store, round, k)),
  ]);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`crash child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
