import { defineProjection, snapshotParts } from '../core/projection';
import { canonicalJson } from '@timeline/kernel';
import { positionOf } from '@timeline/event-store';
import { InMemoryProjectionCheckpointStore } from '../checkpoint/in-memory.projection-checkpoint-store';
import {
  ProjectionFailedError,
  ProjectionPositionTimeoutError,
  ProjectionRunnerNotRunningError,
  RebuildInProgressError,
  UnknownProjectionError,
} from '../core/projection.errors';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { recordingProjection, type RecordingState } from '../testing/recording.projection';
import { eventIdOf, eventToAppend } from '../testing/timeline-event.builders';
import { ProjectionRunner } from './projection-runner';
import type { ProjectionChange } from './projection-runner.types';

async function appendNumbered(
  store: InMemoryEventStore,
  from: number,
  to: number,
  stream = 'operation-venetic',
): Promise<void> {
  for (let n = from; n <= to; n += 1) {
    await store.append(stream, [
      eventToAppend({ type: 'RaidConducted', data: { n }, eventId: eventIdOf(n) }),
    ]);
  }
}

const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => eventIdOf(from + i));

/** A copy of what was durably saved at this instant: what a process killed now would find. */
async function crashCopy(checkpoints: InMemoryProjectionCheckpointStore, names: string[]) {
  const copy = new InMemoryProjectionCheckpointStore();
  for (const name of names) {
    const saved = await checkpoints.load(name);
    if (saved) await copy.save(saved);
  }
  return copy;
}

describe('ProjectionRunner', () => {
  let runners: ProjectionRunner[] = [];
  const track = (runner: ProjectionRunner) => (runners.push(runner), runner);
  afterEach(async () => {
    for (const runner of runners) await runner.stop();
    runners = [];
  });

  it('applies every event of the operation streams, in order, to every projection, and reports the position', async () => {
    const store = new InMemoryEventStore();
    await appendNumbered(store, 1, 3);
    await store.append('audit-other', [eventToAppend({ type: 'Other', data: {} })]);
    await appendNumbered(store, 5, 6);
    const a = recordingProjection('a');
    const b = recordingProjection('b');
    const runner = track(new ProjectionRunner(store, [a, b], new InMemoryProjectionCheckpointStore()));
    await runner.start();
    await runner.whenCaughtUp();

    expect(runner.state(a).ids).toEqual([...ids(1, 3), ...ids(5, 6)]);
    expect(runner.state(b).ids).toEqual([...ids(1, 3), ...ids(5, 6)]);
    await appendNumbered(store, 7, 7);
    await runner.waitForPosition('7', 1000);
    expect(runner.state(a).ids).toEqual([...ids(1, 3), ...ids(5, 7)]);
    const status = await runner.status();
    expect(status).toMatchObject({
      state: 'running',
      healthy: true,
      position: '7',
      headPosition: '7',
      caughtUp: true,
      eventsProcessed: 6,
    });
    expect(status.lag.commitGap).toBe('0');
    expect(status.projections.map((p) => [p.name, p.status, p.position, p.eventCount])).toEqual([
      ['a', 'running', '7', 6],
      ['b', 'running', '7', 6],
    ]);
  });

  it('lets a projection settle its state once caught up and as a rebuilt state is swapped in', async () => {
    const store = new InMemoryEventStore();
    await appendNumbered(store, 1, 3);
    const settled: { state: RecordingState; ids: string[] }[] = [];
    const settling = defineProjection<RecordingState>({
      ...recordingProjection('settling'),
      settle: (state) => void settled.push({ state, ids: [...state.ids] }),
    });
    const runner = track(new ProjectionRunner(store, [settling], new InMemoryProjectionCheckpointStore()));
    await runner.start();
    await runner.whenCaughtUp();
    // Settled before anyone waiting for the catch-up reads.
    expect(settled).toEqual([{ state: runner.state(settling), ids: ids(1, 3) }]);
    await appendNumbered(store, 4, 4);
    await runner.waitForPosition('4', 1000);
    expect(settled).toHaveLength(1); // not per live event
    await runner.rebuild('settling');
    expect(settled).toHaveLength(2);
    expect(settled[1]).toEqual({ state: runner.state(settling), ids: ids(1, 4) });
    expect(settled[1].state).not.toBe(settled[0].state);
  });

  it('resumes after a crash between checkpoints without re-applying or skipping anything', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpointStore();
    const recording = recordingProjection();
    const first = track(
      new ProjectionRunner(store, [recording], checkpoints, {
        checkpointEveryEvents: 4,
        now: () => 0, // a fixed clock: checkpoints are never spaced out by their duration
        checkpointIntervalMs: 60_000,
      }),
    );
    await first.start();
    await appendNumbered(store, 1, 10);
    await first.waitForPosition(positionOf(10), 1000);
    await new Promise((resolve) => setImmediate(resolve)); // lets the save triggered at event 8 finish
    // Killed now: events 9 and 10 were applied in memory but not checkpointed.
    const survived = await crashCopy(checkpoints, ['recording']);
    expect((await survived.load('recording'))!.position).toBe('8');
    await first.stop();

    await appendNumbered(store, 11, 12);
    const second = track(new ProjectionRunner(store, [recording], survived));
    await second.start();
    await second.whenCaughtUp();
    expect(second.state(recording).ids).toEqual(ids(1, 12));
    expect(second.currentStatus().eventsProcessed).toBe(4);
  });

  it('saves a last checkpoint on stop, so a clean restart applies only newer events', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpointStore();
    const recording = recordingProjection();
    const first = track(
      new ProjectionRunner(store, [recording], checkpoints, { checkpointEveryEvents: 1000 }),
    );
    await first.start();
    await appendNumbered(store, 1, 5);
    await first.waitForPosition('5', 1000);
    await first.stop();
    expect(await checkpoints.load('recording')).toEqual({
      name: 'recording',
      version: 1,
      position: '5',
      eventCount: 5,
      state: [{ ids: ids(1, 5) }],
    });

    await appendNumbered(store, 6, 6);
    const second = track(new ProjectionRunner(store, [recording], checkpoints));
    await second.start();
    await second.whenCaughtUp();
    expect(second.state(recording).ids).toEqual(ids(1, 6));
    expect(second.currentStatus().eventsProcessed).toBe(1);
  });

  it('spaces checkpoints by nine times the duration of the last one', async () => {
    const store = new InMemoryEventStore();
    let clock = 0;
    const checkpoints = new InMemoryProjectionCheckpointStore();
    const save = checkpoints.save.bind(checkpoints);
    checkpoints.save = async (checkpoint) => {
      clock += 100; // each save takes 100 ms
      await save(checkpoint);
    };
    const runner = track(
      new ProjectionRunner(store, [recordingProjection()], checkpoints, {
        checkpointEveryEvents: 1,
        checkpointIntervalMs: 60_000,
        now: () => clock,
      }),
    );
    await runner.start();
    await appendNumbered(store, 1, 1);
    await runner.waitForPosition('1', 1000);
    await runner.checkpoint();
    expect(checkpoints.saves.get('recording')).toBe(1);
    await appendNumbered(store, 2, 5);
    await runner.waitForPosition('5', 1000);
    expect(checkpoints.saves.get('recording')).toBe(1); // next one due at 100 + 900 ms
    clock = 1_000;
    await appendNumbered(store, 6, 6);
    await runner.waitForPosition('6', 1000);
    await runner.checkpoint();
    expect(checkpoints.saves.get('recording')).toBe(2);
    expect((await checkpoints.load('recording'))!.position).toBe('6');
  });

  it('rebuilds from zero when the projection version changed', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpointStore();
    await checkpoints.save({
      name: 'recording',
      version: 1,
      position: '3',
      eventCount: 1,
      state: [{ ids: ['stale'] }],
    });
    await appendNumbered(store, 1, 4);
    const recording = recordingProjection('recording', 2);
    const runner = track(new ProjectionRunner(store, [recording], checkpoints));
    await runner.start();
    await runner.whenCaughtUp();
    expect(runner.state(recording).ids).toEqual(ids(1, 4));
    await runner.stop();
    expect(await checkpoints.load('recording')).toMatchObject({ version: 2, position: '4', eventCount: 4 });
  });

  it('stops a projection at an event it cannot apply, surfaces it, and never skips it', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpointStore();
    const errors: string[] = [];
    const sturdy = recordingProjection('sturdy');
    const fragile = recordingProjection('fragile');
    const failing = recordingProjection('fragile', 1, (event) => event.eventId === eventIdOf(3));
    const runner = track(
      new ProjectionRunner(store, [failing, sturdy], checkpoints, {
        checkpointEveryEvents: 2,
        now: () => 0,
        logger: { log: () => undefined, warn: () => undefined, error: (message) => errors.push(message) },
      }),
    );
    await runner.start();
    await appendNumbered(store, 1, 5);
    await runner.waitForPosition('5', 1000);

    expect(runner.state(failing).ids).toEqual(ids(1, 2));
    expect(runner.state(sturdy).ids).toEqual(ids(1, 5));
    const status = runner.currentStatus();
    expect(status.healthy).toBe(false);
    expect(status.projections[0]).toMatchObject({
      name: 'fragile',
      status: 'failed',
      position: '2',
      eventCount: 2,
      failure: {
        position: '3',
        eventId: eventIdOf(3),
        type: 'RaidConducted',
        streamName: 'operation-venetic',
        error: { name: 'Error', message: 'cannot apply RaidConducted', code: null },
      },
    });
    expect(errors).toEqual([`Projection fragile stopped: it cannot apply event ${eventIdOf(3)}`]);
    await expect(runner.waitForPosition('4', 1000, 'fragile')).rejects.toBeInstanceOf(ProjectionFailedError);
    await expect(runner.waitForPosition('5', 1000, 'sturdy')).resolves.toBeUndefined();
    await runner.stop();
    // Its last checkpoint stays at the last event it applied; nothing after the failure is saved for it.
    expect((await checkpoints.load('fragile'))!.position).toBe('2');
    expect((await checkpoints.load('sturdy'))!.position).toBe('5');

    // Once the fold is fixed, a restart applies the event it stopped at, then everything after it.
    const fixed = track(new ProjectionRunner(store, [fragile, sturdy], checkpoints));
    await fixed.start();
    await fixed.whenCaughtUp();
    expect(fixed.state(fragile).ids).toEqual(ids(1, 5));
    expect(fixed.state(sturdy).ids).toEqual(ids(1, 5));
    expect(fixed.currentStatus().healthy).toBe(true);
  });

  it('stops a projection at an event whose metadata is not an envelope', async () => {
    const store = new InMemoryEventStore();
    const runner = track(
      new ProjectionRunner(store, [recordingProjection()], new InMemoryProjectionCheckpointStore()),
    );
    await runner.start();
    await store.append('operation-venetic', [
      { eventId: eventIdOf(1), type: 'RaidConducted', data: {}, metadata: { operationId: 'venetic' } },
    ]);
    await runner.waitForPosition('1', 1000);
    expect(runner.currentStatus().projections[0].failure).toMatchObject({
      eventId: eventIdOf(1),
      error: { name: 'MalformedStoredEventError', code: 'projections.malformed-stored-event' },
    });
  });

  it('waits for a position (read-your-writes) and times out with an unavailable error', async () => {
    const store = new InMemoryEventStore();
    const recording = recordingProjection();
    const runner = track(new ProjectionRunner(store, [recording], new InMemoryProjectionCheckpointStore()));
    await runner.start();
    const waiting = runner.waitForPosition('2', 1000, 'recording');
    await appendNumbered(store, 1, 2);
    await expect(waiting).resolves.toBeUndefined();
    expect(runner.state(recording).ids).toEqual(ids(1, 2));

    const timeout = runner.waitForPosition('3', 20);
    await expect(timeout).rejects.toBeInstanceOf(ProjectionPositionTimeoutError);
    await expect(timeout).rejects.toMatchObject({
      category: 'unavailable',
      code: 'projections.position-timeout',
      details: { position: '3', reached: '2', timeoutMs: 20 },
    });
    await expect(runner.waitForPosition('bogus', 10)).rejects.toMatchObject({
      code: 'projections.invalid-position',
      category: 'invalid-input',
    });
    expect(() => runner.waitForPosition('1', 10, 'nope')).toThrow(UnknownProjectionError);

    const pending = runner.waitForPosition('9', 10_000);
    await runner.stop();
    await expect(pending).rejects.toBeInstanceOf(ProjectionRunnerNotRunningError);
  });

  it('resubscribes after the subscription fails, from the last processed position, with no gap and no duplicate', async () => {
    const store = new InMemoryEventStore();
    const recording = recordingProjection();
    const runner = track(
      new ProjectionRunner(store, [recording], new InMemoryProjectionCheckpointStore(), {
        resubscribeDelayMs: 5,
      }),
    );
    await runner.start();
    await appendNumbered(store, 1, 3);
    await runner.waitForPosition('3', 1000);
    store.failSubscriptions('network partition');
    expect(runner.currentStatus()).toMatchObject({
      healthy: false,
      subscription: { active: false, lastError: 'The event store is unavailable: network partition' },
    });
    await appendNumbered(store, 4, 6);
    await runner.waitForPosition('6', 1000);
    expect(runner.state(recording).ids).toEqual(ids(1, 6));
    expect(runner.currentStatus()).toMatchObject({
      healthy: true,
      subscription: { active: true, lastError: null, resubscriptions: 1 },
    });
    expect(store.subscriberCount).toBe(1);
  });

  it('pushes each applied event with the projections it reached, in order', async () => {
    const store = new InMemoryEventStore();
    const runner = track(
      new ProjectionRunner(store, [recordingProjection()], new InMemoryProjectionCheckpointStore()),
    );
    const seen: ProjectionChange[] = [];
    runner.changes$.subscribe((change) => seen.push(change));
    await runner.start();
    await appendNumbered(store, 1, 2);
    await runner.waitForPosition('2', 1000);
    expect(
      seen.map((change) =>
        change.kind === 'applied'
          ? [change.event.position, change.event.eventId, change.projections]
          : change,
      ),
    ).toEqual([
      ['1', eventIdOf(1), ['recording']],
      ['2', eventIdOf(2), ['recording']],
    ]);
  });

  it('rebuilds while events keep arriving, answering from the old state until the swap, and ends byte-identical', async () => {
    const store = new InMemoryEventStore();
    const recording = recordingProjection();
    const runner = track(
      new ProjectionRunner(store, [recording], new InMemoryProjectionCheckpointStore(), {
        rebuildPageSize: 7,
      }),
    );
    await runner.start();
    await appendNumbered(store, 1, 40);
    await runner.waitForPosition('40', 1000);
    const before = runner.state(recording);
    const swaps: ProjectionChange[] = [];
    runner.changes$.subscribe((change) => change.kind === 'rebuilt' && swaps.push(change));

    // Hold the rebuild's reads until live events have arrived.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const readAll = store.readAll.bind(store);
    store.readAll = async (options) => (await gate, readAll(options));
    const rebuilding = runner.rebuild('recording');
    expect(runner.currentStatus().projections[0].rebuilding).toBe(true);
    await appendNumbered(store, 41, 50);
    await runner.waitForPosition('50', 1000);
    expect(runner.state(recording)).toBe(before);
    expect(before.ids).toEqual(ids(1, 50));
    release();
    const result = await rebuilding;

    const after = runner.state(recording);
    expect(after).not.toBe(before);
    expect(result).toMatchObject({ projections: ['recording'], events: 50, position: '50' });
    expect(swaps).toEqual([{ kind: 'rebuilt', projection: 'recording', position: '50' }]);
    expect(store.readAllCalls).toBe(8); // 50 events in pages of 7, then the swap
    expect(runner.currentStatus().projections[0]).toMatchObject({
      rebuilding: false,
      position: '50',
      eventCount: 50,
    });
    await appendNumbered(store, 51, 51);
    await runner.waitForPosition('51', 1000);
    expect(canonicalJson(snapshotParts(recordingProjection().toSnapshot(after)))).toBe(
      canonicalJson([{ ids: ids(1, 51) }]),
    );
  });

  it('rebuilds several projections together from one read of the log, swapping and checkpointing them when done', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpointStore();
    const snapshotsOfB: RecordingState[] = [];
    const recordingB = recordingProjection('b');
    const b = defineProjection<RecordingState>({
      ...recordingB,
      toSnapshot: (state) => (snapshotsOfB.push(state), recordingB.toSnapshot(state)),
    });
    const a = recordingProjection('a');
    const runner = track(
      new ProjectionRunner(store, [a, b], checkpoints, {
        rebuildPageSize: 10,
        // A clock that stands still: checkpoints are never held back by the spacing after the last one.
        now: () => Date.parse('2020-06-13T05:00:00Z'),
      }),
    );
    await runner.start();
    await appendNumbered(store, 1, 30);
    await runner.waitForPosition('30', 1000);
    await runner.checkpoint(); // b's first snapshot: the old state, before any rebuild
    const oldA = runner.state(a);
    const oldB = runner.state(b);
    const savedWhileRebuilding: string[] = [];
    const save = checkpoints.save.bind(checkpoints);
    checkpoints.save = async (checkpoint) => {
      if (runner.currentStatus().projections.some((projection) => projection.rebuilding))
        savedWhileRebuilding.push(checkpoint.name);
      return save(checkpoint);
    };
    const swaps: Extract<ProjectionChange, { kind: 'rebuilt' }>[] = [];
    runner.changes$.subscribe((change) => {
      if (change.kind === 'rebuilt') swaps.push(change);
    });
    const readAll = store.readAll.bind(store);
    let reads = 0;
    store.readAll = async (options) => {
      reads += 1;
      // Live events arrive while the rebuild is under way; until the swap the old states take them.
      if (reads === 1) await appendNumbered(store, 31, 32);
      if (reads === 3) {
        await appendNumbered(store, 33, 33);
        await runner.waitForPosition('33', 1000);
        expect(runner.state(a)).toBe(oldA);
        expect(oldA.ids).toEqual(ids(1, 33));
      }
      return readAll(options);
    };

    const result = await runner.rebuild(['a', 'b']);

    expect(swaps.map((swap) => [swap.projection, swap.position])).toEqual([
      ['a', '33'],
      ['b', '33'],
    ]);
    expect(runner.state(a)).not.toBe(oldA);
    expect(runner.state(b)).not.toBe(oldB);
    expect(runner.state(a).ids).toEqual(ids(1, 33));
    expect(runner.state(b).ids).toEqual(ids(1, 33));
    expect(result).toMatchObject({ projections: ['a', 'b'], events: 33, position: '33' });
    expect(reads).toBe(4); // one read of the log for both: pages of 10, 10, 10 and 3
    expect(savedWhileRebuilding).toEqual([]);
    await runner.checkpoint();
    expect(snapshotsOfB[0]).toBe(oldB);
    expect(snapshotsOfB.slice(1).every((state) => state === runner.state(b))).toBe(true);
    await runner.stop();
    expect((await checkpoints.load('a'))?.position).toBe('33');
    expect((await checkpoints.load('b'))?.position).toBe('33');
  });

  it('swaps the projections of a rebuild that did not fail, keeps the old state of one that did, and rejects', async () => {
    const store = new InMemoryEventStore();
    let refuse: string | null = null;
    const a = recordingProjection('a', 1, (event) => event.eventId === refuse);
    const b = recordingProjection('b');
    const runner = track(
      new ProjectionRunner(store, [a, b], new InMemoryProjectionCheckpointStore(), {
        rebuildPageSize: 4,
        now: () => Date.parse('2020-06-13T05:00:00Z'),
        logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
      }),
    );
    await runner.start();
    await appendNumbered(store, 1, 10);
    await runner.waitForPosition('10', 1000);
    const oldA = runner.state(a);
    const oldB = runner.state(b);
    refuse = eventIdOf(6);
    await expect(runner.rebuild(['a', 'b'])).rejects.toThrow('cannot apply RaidConducted');
    expect(runner.state(a)).toBe(oldA);
    expect(runner.state(b)).not.toBe(oldB);
    expect(runner.state(b).ids).toEqual(ids(1, 10));
    const [statusOfA, statusOfB] = runner.currentStatus().projections;
    expect(statusOfA).toMatchObject({
      status: 'running',
      rebuilding: false,
      lastRebuild: { outcome: 'failed', events: 5 },
    });
    expect(statusOfB).toMatchObject({
      status: 'running',
      rebuilding: false,
      lastRebuild: { outcome: 'rebuilt', events: 10 },
    });
  });

  it('refuses a rebuild it cannot start at once, and keeps the outcome of every rebuild in the status', async () => {
    const store = new InMemoryEventStore();
    let refuse: string | null = null;
    const errors: string[] = [];
    const recording = recordingProjection('recording', 1, (event) => event.eventId === refuse);
    const runner = track(
      new ProjectionRunner(store, [recording], new InMemoryProjectionCheckpointStore(), {
        rebuildPageSize: 4,
        now: () => Date.parse('2020-06-13T05:00:00Z'),
        logger: { log: () => undefined, warn: () => undefined, error: (message) => errors.push(message) },
      }),
    );
    expect(() => runner.rebuild('recording')).toThrow(ProjectionRunnerNotRunningError);
    await runner.start();
    await appendNumbered(store, 1, 10);
    await runner.waitForPosition('10', 1000);
    expect(() => runner.rebuild('nothing-by-that-name')).toThrow(UnknownProjectionError);
    const first = runner.rebuild('recording');
    expect(() => runner.rebuild('recording')).toThrow(RebuildInProgressError);
    await first;
    const rebuilt = runner.currentStatus().projections[0];
    expect(rebuilt.lastRebuild).toEqual({
      outcome: 'rebuilt',
      startedAt: '2020-06-13T05:00:00.000Z',
      finishedAt: '2020-06-13T05:00:00.000Z',
      events: 10,
      position: '10',
      error: null,
    });

    // A fold that now refuses event 6 (as a changed projection might): the rebuild fails, the old state stays.
    const before = runner.state(recording);
    refuse = eventIdOf(6);
    await expect(runner.rebuild('recording')).rejects.toThrow('cannot apply RaidConducted');
    const failed = runner.currentStatus().projections[0];
    expect(failed).toMatchObject({ status: 'running', rebuilding: false, position: '10', eventCount: 10 });
    expect(failed.lastRebuild).toMatchObject({
      outcome: 'failed',
      events: 5,
      position: '5',
      error: { name: 'Error', message: 'cannot apply RaidConducted', code: null },
    });
    expect(runner.state(recording)).toBe(before);
    expect(errors).toEqual(['Rebuild of projection recording failed; it keeps its old state']);
  });

  it('runs rebuilds asked for separately one after another, never two at once', async () => {
    const store = new InMemoryEventStore();
    const a = recordingProjection('a');
    const b = recordingProjection('b');
    const runner = track(
      new ProjectionRunner(store, [a, b], new InMemoryProjectionCheckpointStore(), { rebuildPageSize: 10 }),
    );
    await runner.start();
    await appendNumbered(store, 1, 30);
    await runner.waitForPosition('30', 1000);
    const readAll = store.readAll.bind(store);
    let reads = 0;
    store.readAll = async (options) => ((reads += 1), readAll(options));
    const readsAtSwap: Record<string, number> = {};
    runner.changes$.subscribe((change) => {
      if (change.kind === 'rebuilt') readsAtSwap[change.projection] = reads;
    });

    const first = runner.rebuild('a');
    const second = runner.rebuild('b');
    // Both are announced at once; the second waits for the first.
    expect(runner.currentStatus().projections.map((p) => p.rebuilding)).toEqual([true, true]);
    expect(() => runner.rebuild('b')).toThrow(RebuildInProgressError);
    await Promise.all([first, second]);

    // Three pages of 10 each, a's all before its swap and b's all after it.
    expect(readsAtSwap).toEqual({ a: 3, b: 6 });
    expect(runner.state(b).ids).toEqual(ids(1, 30));
  });
});
