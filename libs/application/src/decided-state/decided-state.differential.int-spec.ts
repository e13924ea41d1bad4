import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import {
  operationDecider,
  settleOperation,
  type OperationDecider,
  type ProposedEvent,
} from '@timeline/domain';
import { randomHistory, type HistoryRequest } from '@timeline/domain/testing/operation.histories';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import type { Clock } from '../clock/clock';
import { RecordEventsHandler } from '../record-events/record-events.handler';
import { DEFAULT_RECORDING_OPTIONS } from '../record-events/recording.options';
import { DecidedStateSnapshots } from './decided-state.snapshots';

// Writer-from-snapshot + tail must decide exactly as writer-from-full-fold
// (docs/architecture.md, "Snapshots of the decided state"): same results, same
// errors, same stored events, for random histories cut at a random point.

jest.setTimeout(120_000);

const clock: Clock = { now: () => new Date('2020-07-02T12:00:00.000Z') };
const OPERATION = 'venetic';

function bodyOf(events: readonly ProposedEvent[]): unknown {
  return { events: events.map((event) => ({ ...event })) };
}

/** Every fifth request carries an idempotency key out of a few, so keys are reused, replayed and refused. */
const keyOf = (index: number): string | undefined => (index % 5 === 0 ? `key-${index % 3}` : undefined);

interface Run {
  readonly outcomes: unknown[];
  readonly stored: unknown[];
  readonly loaded: number;
  readonly rejected: number;
  readonly failedSaves: number;
}

/**
 * The decider with every committed state's overlays folded into their native
 * bases at once (docs/architecture.md, "The decided state's collections"): a
 * writer reading a state it may no longer read (a dropped round, the state a
 * snapshot is being written from) would throw and answer differently.
 */
const settlingAlways: OperationDecider = {
  ...operationDecider,
  settle: (state) => settleOperation(state, 0),
};

async function run(
  history: readonly HistoryRequest[],
  cut: number,
  flushAtCut: boolean,
  directory: string | null,
  decider: OperationDecider = operationDecider,
): Promise<Run> {
  const store = new InMemoryEventStore();
  const snapshots = (): DecidedStateSnapshots | undefined =>
    directory === null ? undefined : new DecidedStateSnapshots({ directory, every: 1 });
  const outcomes: unknown[] = [];
  const execute = async (handler: RecordEventsHandler, request: HistoryRequest, index: number) => {
    try {
      const result = await handler.execute({
        operationId: OPERATION,
        body: bodyOf(request.events),
        recorder: request.recorder,
        correlationId: `corr-${index}`,
        ...(keyOf(index) === undefined ? {} : { idempotencyKey: keyOf(index) }),
      });
      outcomes.push({ result });
    } catch (error: unknown) {
      const { code, message, context } = error as { code?: string; message: string; context?: unknown };
      outcomes.push({ code, message, context });
    }
  };
  const before = new RecordEventsHandler(store, decider, clock, DEFAULT_RECORDING_OPTIONS, snapshots());
  for (let index = 0; index < cut; index += 1) await execute(before, history[index]!, index);
  // Shut down cleanly (every change snapshotted) or as after a crash (the last background snapshot, if any).
  if (flushAtCut) await before.snapshotChanged();
  else await new Promise((resolve) => setImmediate(resolve));
  const afterSnapshots = snapshots();
  const after = new RecordEventsHandler(store, decider, clock, DEFAULT_RECORDING_OPTIONS, afterSnapshots);
  for (let index = cut; index < history.length; index += 1) await execute(after, history[index]!, index);
  await before.snapshotChanged();
  await after.snapshotChanged();
  const stored = await store.readStream(`operation-${OPERATION}`).catch(() => []);
  return {
    outcomes,
    stored,
    loaded: afterSnapshots?.report().loaded ?? 0,
    rejected: afterSnapshots?.report().rejected ?? 0,
    failedSaves: afterSnapshots?.report().failedSaves ?? 0,
  };
}

describe('a writer started from a snapshot decides as one that folded the whole stream', () => {
  let root: string;
  let runs = 0;

  beforeAll(() => {
    Logger.overrideLogger(false);
    root = mkdtempSync(join(tmpdir(), 'timeline-decided-state-'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('for random histories cut at a random point', async () => {
    let usedSnapshots = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        randomHistory(30).chain((history) =>
          fc.tuple(fc.constant(history), fc.nat(history.length), fc.boolean()),
        ),
        async ([history, cut, flush]) => {
          runs += 1;
          const directory = join(root, `run-${runs}`);
          const folded = await run(history, cut, flush, null);
          const snapshotted = await run(history, cut, flush, directory);
          expect(snapshotted.outcomes).toEqual(folded.outcomes);
          expect(snapshotted.stored).toEqual(folded.stored);
          expect(snapshotted.rejected).toBe(0);
          const settled = await run(history, cut, flush, join(root, `run-${runs}-settled`), settlingAlways);
          expect(settled.outcomes).toEqual(folded.outcomes);
          expect(settled.stored).toEqual(folded.stored);
          expect(settled.rejected).toBe(0);
          expect(settled.failedSaves).toBe(0);
          const storedAtCut = folded.outcomes
            .slice(0, cut)
            .some((outcome) => (outcome as { result?: { replayed: boolean } }).result?.replayed === false);
          // A stream written before the cut is always snapshotted by then when the writer shut down cleanly.
          if (flush && storedAtCut && cut < history.length) expect(snapshotted.loaded).toBe(1);
          usedSnapshots += snapshotted.loaded;
          accepted += folded.stored.length;
        },
      ),
      { numRuns: 60 },
    );
    // The histories are not all refused, and many runs did start from a snapshot.
    expect(accepted).toBeGreaterThan(300);
    expect(usedSnapshots).toBeGreaterThan(15);
  });
});
