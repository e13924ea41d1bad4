import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { operationDecider, type OperationDecider } from '@timeline/domain';
import { createEventStore, type EventStore } from '@timeline/event-store';
import type { Clock } from '../clock/clock';
import type { RecordEventsRequest } from '../record-events/record-events.request';
import { RecordEventsHandler } from '../record-events/record-events.handler';
import { DEFAULT_RECORDING_OPTIONS } from '../record-events/recording.options';
import { agencyJoins, arrest, body, fixedId, launch, raid } from '../testing/record-events.fixtures';
import { DecidedStateSnapshots } from './decided-state.snapshots';
import { FileDecidedStateStore } from './file.decided-state-store';

jest.setTimeout(60_000);

const clock: Clock = { now: () => new Date('2020-07-02T12:00:00.000Z') };
const NCA = { subject: 'analyst-01', agency: 'NCA' };

describe('snapshots of the decided state on a file-backed SQLite store', () => {
  let root: string;
  let store: EventStore;
  let directory: string;
  let operationId: string;
  let counter = 0;
  let warnings: string[];

  const eid = (n: number): string => fixedId(counter * 1000 + n);
  const request = (events: unknown[], extra: Partial<RecordEventsRequest> = {}): RecordEventsRequest => ({
    operationId,
    body: body(events as Parameters<typeof body>[0]),
    recorder: NCA,
    correlationId: 'corr-1',
    ...extra,
  });
  const snapshots = (every = 1_000_000): DecidedStateSnapshots =>
    new DecidedStateSnapshots({ directory, every });
  const handler = (
    with_: DecidedStateSnapshots | undefined,
    decider: OperationDecider<unknown> = operationDecider as OperationDecider<unknown>,
  ): RecordEventsHandler => new RecordEventsHandler(store, decider, clock, DEFAULT_RECORDING_OPTIONS, with_);
  const snapshotFile = (): string => join(directory, `${operationId}.ndjson`);
  /** The launch and NWP joining (revisions 0 and 1). */
  const opening = (base = 0): unknown[] => [
    launch({ eventId: eid(base + 1) }),
    agencyJoins('NWP', 'wales', { eventId: eid(base + 50) }),
  ];

  /** Launches the operation and records three raids through a handler that snapshots at shutdown. */
  async function recordedAndSnapshotted(): Promise<DecidedStateSnapshots> {
    const taken = snapshots();
    const first = handler(taken);
    await first.execute(
      request([launch({ eventId: eid(1) }), agencyJoins('NWP', 'wales', { eventId: eid(2) })]),
    );
    for (const n of [3, 4, 5]) await first.execute(request([raid(`RAID-${n}`, { eventId: eid(n) })]));
    await first.beforeApplicationShutdown();
    expect(taken.report()).toMatchObject({ saved: 1, lastSaved: { operationId, revision: 4 } });
    return taken;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'timeline-decided-state-'));
    store = await createEventStore({ kind: 'sqlite', file: join(root, 'events.db') });
  });

  beforeEach(() => {
    counter += 1;
    operationId = `op-${counter}`;
    directory = join(root, `decided-state-${counter}`);
    warnings = [];
    Logger.overrideLogger({
      log: () => undefined,
      error: () => undefined,
      warn: (message: unknown) => warnings.push(String(message)),
    });
  });

  afterAll(async () => {
    Logger.overrideLogger(false);
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts a new writer from the snapshot and folds only the newer events', async () => {
    await recordedAndSnapshotted();
    // Another writer without snapshots adds to the stream: the snapshot is now behind, not wrong.
    await handler(undefined).execute(request([arrest('ARR-1', 'RAID-3', { eventId: eid(6) })]));
    const used = snapshots();
    const second = handler(used);
    // The rules see everything: the raid from the snapshot, the arrest from the tail.
    const refused = await second
      .execute(request([arrest('ARR-1', 'RAID-4', { eventId: eid(7) })]))
      .catch((error: { code: string }) => error.code);
    expect(refused).toBe('operation.reference-already-used');
    const written = await second.execute(request([arrest('ARR-2', 'RAID-4', { eventId: eid(8) })]));
    expect(written.streamRevision).toBe(6);
    // A replay of an event from before the snapshot is still found by its id.
    const replay = await second.execute(request([raid('RAID-3', { eventId: eid(3) })]));
    expect([replay.replayed, replay.streamRevision]).toEqual([true, 2]);
    expect(used.report()).toMatchObject({ loaded: 1, rejected: 0, lastLoaded: { operationId, revision: 4 } });
    expect(warnings).toEqual([]);
  });

  describe('loading ahead of writes after a start', () => {
    const warming = (warmUp: number): DecidedStateSnapshots =>
      new DecidedStateSnapshots({ directory, every: 1_000_000, warmUp });

    it('loads the snapshotted operation in the background; its first write reads nothing more', async () => {
      await recordedAndSnapshotted();
      const used = warming(8);
      const started = handler(used);
      started.onApplicationBootstrap();
      await started.warmedUp();
      expect(used.report()).toMatchObject({
        loaded: 1,
        lastLoaded: { operationId, revision: 4 },
        warmUp: { operations: 1, loaded: 1, done: true },
      });
      const reads = jest.spyOn(store, 'readStream');
      try {
        // RAID-3 is known from the loaded snapshot: refused without reading the stream.
        const refused = await started
          .execute(request([raid('RAID-3', { eventId: eid(9) })]))
          .catch((error: { code: string }) => error.code);
        expect(refused).toBe('operation.reference-already-used');
        const written = await started.execute(request([raid('RAID-6', { eventId: eid(6) })]));
        expect(written.streamRevision).toBe(5);
        expect(reads).not.toHaveBeenCalled();
      } finally {
        reads.mockRestore();
      }
      expect(used.report()).toMatchObject({ loaded: 1, rejected: 0 });
    });

    it('decides a write that arrives during the load against the loaded state, loading once', async () => {
      await recordedAndSnapshotted();
      const used = warming(8);
      const started = handler(used);
      // The load's first read (the stored event the snapshot's head hash is checked against) is held
      // until both writes are queued.
      const readStream = store.readStream.bind(store);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const reads = jest
        .spyOn(store, 'readStream')
        .mockImplementationOnce(async (...args) => held.then(() => readStream(...args)));
      started.onApplicationBootstrap();
      while (reads.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
      const outcomes = Promise.all([
        started
          .execute(request([raid('RAID-4', { eventId: eid(9) })]))
          .catch((error: { code: string }) => error.code),
        started.execute(request([raid('RAID-7', { eventId: eid(7) })])),
      ]);
      release();
      const [refused, written] = await outcomes;
      reads.mockRestore();
      await started.warmedUp();
      expect(refused).toBe('operation.reference-already-used');
      expect(written.streamRevision).toBe(5);
      expect(used.report()).toMatchObject({ loaded: 1, rejected: 0 });
    });

    it('loads nothing ahead when told to load no operation', async () => {
      await recordedAndSnapshotted();
      const used = warming(0);
      const started = handler(used);
      started.onApplicationBootstrap();
      await started.warmedUp();
      expect(used.report()).toMatchObject({ loaded: 0, warmUp: { operations: 0, loaded: 0, done: true } });
    });
  });

  it('keeps idempotency keys across the snapshot', async () => {
    const taken = snapshots();
    const first = handler(taken);
    await first.execute(request(opening()));
    const original = await first.execute(
      request([raid('RAID-1'), raid('RAID-2')], { idempotencyKey: 'raids' }),
    );
    await first.beforeApplicationShutdown();
    const used = snapshots();
    const second = handler(used);
    const retried = await second.execute(
      request([raid('RAID-1'), raid('RAID-2')], { idempotencyKey: 'raids' }),
    );
    expect(retried).toEqual({ ...original, replayed: true });
    await expect(
      second.execute(request([raid('RAID-9')], { idempotencyKey: 'raids' })),
    ).rejects.toMatchObject({ code: 'request.idempotency-conflict' });
    expect(used.report().loaded).toBe(1);
  });

  it('is not needed: without a file the writer folds the stream', async () => {
    const first = handler(undefined);
    await first.execute(request(opening()));
    const used = snapshots();
    const written = await handler(used).execute(request([raid('RAID-1', { eventId: eid(2) })]));
    expect(written.streamRevision).toBe(2);
    expect(used.report()).toMatchObject({ loaded: 0, rejected: 0 });
  });

  it.each([
    ['a changed byte', (text: string) => text.replace('RAID-4', 'RAID-X'), /parts hash to/],
    ['a truncated file', (text: string) => text.slice(0, text.length - 20), /truncated/],
    [
      'another format',
      (text: string) => text.replace('decided-state/2', 'decided-state/0'),
      /unknown format/,
    ],
    [
      'the previous format, of state version 1',
      (text: string) =>
        text.replace('decided-state/2', 'decided-state/1').replace(/"stateVersion":\d+/, '"stateVersion":1'),
      /unknown format "decided-state\/1"/,
    ],
    ['not JSON', () => 'garbage\n', /unreadable/],
  ])('ignores and rebuilds a snapshot with %s, with a warning', async (_, tamper, warning) => {
    await recordedAndSnapshotted();
    writeFileSync(snapshotFile(), tamper(readFileSync(snapshotFile(), 'utf8')));
    const used = snapshots(1);
    const second = handler(used);
    const written = await second.execute(request([arrest('ARR-1', 'RAID-4', { eventId: eid(9) })]));
    expect(written.streamRevision).toBe(5);
    expect(used.report()).toMatchObject({ loaded: 0, rejected: 1 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(warning);
    expect(warnings[0]).toContain('the state is rebuilt from the log');
    // Rebuilt: the next snapshot (every event here) replaces the bad one.
    await second.beforeApplicationShutdown();
    expect(used.report().saved).toBeGreaterThanOrEqual(1);
    expect((await new FileDecidedStateStore(directory).load(operationId))?.revision).toBe(5);
  });

  it('writes on when the snapshot cannot be read at all, and when it cannot be written', async () => {
    await handler(undefined).execute(request(opening()));
    // A directory where the file should be: reading and replacing it both fail.
    mkdirSync(snapshotFile(), { recursive: true });
    const used = snapshots(1);
    const writer = handler(used);
    const written = await writer.execute(request([raid('RAID-1', { eventId: eid(2) })]));
    expect(written.streamRevision).toBe(2);
    await writer.snapshotChanged();
    expect(used.report()).toMatchObject({ loaded: 0, rejected: 1, saved: 0 });
    expect(used.report().failedSaves).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(/snapshot not readable: EISDIR/);
    expect(warnings[1]).toMatch(/snapshot at revision \d not written/);
  });

  it('ignores a snapshot taken under another version of the rules', async () => {
    await recordedAndSnapshotted();
    const nextRules: OperationDecider<unknown> = {
      ...(operationDecider as OperationDecider<unknown>),
      snapshot: { ...operationDecider.snapshot!, version: operationDecider.snapshot!.version + 1 } as never,
    };
    const used = snapshots();
    await handler(used, nextRules).execute(request([arrest('ARR-1', 'RAID-4', { eventId: eid(9) })]));
    expect(used.report()).toMatchObject({ loaded: 0, rejected: 1 });
    const { version } = operationDecider.snapshot!;
    expect(warnings[0]).toContain(`state version ${version}, the rules are at ${version + 1}`);
  });

  it('ignores a snapshot of another log (its head hash is not the stored event’s)', async () => {
    await recordedAndSnapshotted();
    const foreign = readFileSync(snapshotFile(), 'utf8');
    // The same operation id on another store, with other content at the same revisions.
    const otherRoot = mkdtempSync(join(tmpdir(), 'timeline-decided-state-other-'));
    const other = await createEventStore({ kind: 'sqlite', file: join(otherRoot, 'events.db') });
    try {
      const onOther = new RecordEventsHandler(other, operationDecider, clock, DEFAULT_RECORDING_OPTIONS);
      await onOther.execute(request(opening()));
      for (const n of [2, 3, 4])
        await onOther.execute(request([raid(`RAID-${n + 10}`, { eventId: eid(n + 10) })]));
      writeFileSync(snapshotFile(), foreign);
      const used = snapshots();
      const fromOther = new RecordEventsHandler(
        other,
        operationDecider,
        clock,
        DEFAULT_RECORDING_OPTIONS,
        used,
      );
      // RAID-3 is only in the foreign snapshot: trusting it would refuse this raid as a duplicate.
      const written = await fromOther.execute(request([raid('RAID-3', { eventId: eid(20) })]));
      expect(written.streamRevision).toBe(5);
      expect(used.report()).toMatchObject({ loaded: 0, rejected: 1 });
      expect(warnings[0]).toMatch(/snapshot at revision 4 has head hash [0-9a-f]+, the log [0-9a-f]+/);
    } finally {
      await other.close();
      rmSync(otherRoot, { recursive: true, force: true });
    }
  });

  it('ignores a snapshot beyond the end of the stream (a log restored from an older backup)', async () => {
    await recordedAndSnapshotted();
    const file = readFileSync(snapshotFile(), 'utf8');
    const header = JSON.parse(file.slice(0, file.indexOf('\n'))) as { operationId: string };
    operationId = `op-${counter}-restored`;
    const moved = file.replace(`"operationId":"${header.operationId}"`, `"operationId":"${operationId}"`);
    writeFileSync(snapshotFile(), moved);
    await handler(undefined).execute(request(opening(30)));
    const used = snapshots();
    await handler(used).execute(request([raid('RAID-3', { eventId: eid(32) })]));
    expect(used.report()).toMatchObject({ loaded: 0, rejected: 1 });
    expect(warnings[0]).toMatch(/beyond the stream's end/);
  });

  it('ignores a snapshot whose header names an earlier revision than its state holds', async () => {
    await recordedAndSnapshotted();
    // The header moved back one event, with that event's own head hash: the log confirms the header,
    // but the state holds five events, so it already holds the log's event after revision 3.
    const [atThree] = await store.readStream(`operation-${operationId}`, { fromRevision: 3, maxCount: 1 });
    const text = readFileSync(snapshotFile(), 'utf8');
    const header = JSON.parse(text.slice(0, text.indexOf('\n'))) as { headHash: string };
    writeFileSync(
      snapshotFile(),
      text
        .replace('"revision":4', '"revision":3')
        .replace(header.headHash, (atThree!.metadata as { hash: string }).hash),
    );
    const used = snapshots();
    const written = await handler(used).execute(request([arrest('ARR-1', 'RAID-4', { eventId: eid(9) })]));
    expect(written.streamRevision).toBe(5);
    expect(used.report()).toMatchObject({ loaded: 0, rejected: 1 });
    expect(warnings[0]).toContain(`snapshot at revision 3 holds the log's event ${eid(5)} at revision 4`);
  });

  it('is safe for two instances on one store: each append still carries the exact revision', async () => {
    const onA = snapshots(1);
    const onB = snapshots(1);
    const a = handler(onA);
    const b = handler(onB);
    await a.execute(request(opening()));
    await a.execute(request([raid('RAID-1', { eventId: eid(2) })]));
    await a.beforeApplicationShutdown();
    // B starts from A's snapshot, then A, unaware of B's write, writes from its stale state.
    await b.execute(request([arrest('ARR-1', 'RAID-1', { eventId: eid(3) })]));
    const fromA = await a.execute(request([arrest('ARR-2', 'RAID-1', { eventId: eid(4) })]));
    expect(fromA.streamRevision).toBe(4);
    // B's state is behind A's now; its next decision still sees A's arrest.
    await expect(b.execute(request([arrest('ARR-2', 'RAID-1', { eventId: eid(5) })]))).rejects.toMatchObject({
      code: 'operation.reference-already-used',
    });
    await Promise.all([a.beforeApplicationShutdown(), b.beforeApplicationShutdown()]);
    expect(onB.report().loaded).toBe(1);
    // Both wrote one file in turn; whichever is there is whole and matches the log.
    expect(readdirSync(directory)).toEqual([`${operationId}.ndjson`]);
    const last = snapshots();
    const c = handler(last);
    const written = await c.execute(request([raid('RAID-2', { eventId: eid(6) })]));
    expect(written.streamRevision).toBe(5);
    expect(last.report()).toMatchObject({ loaded: 1, rejected: 0 });
  });

  it('takes snapshots off the request path every N events', async () => {
    const taken = snapshots(3);
    const writer = handler(taken);
    await writer.execute(request(opening()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(taken.report().saved).toBe(0);
    await writer.execute(request([raid('RAID-2', { eventId: eid(3) })]));
    // Started after the reply: the request did not wait for it.
    expect(taken.report().saved).toBe(0);
    await writer.snapshotChanged();
    expect(taken.report()).toMatchObject({ saved: 1, lastSaved: { revision: 2 } });
    await writer.execute(request([raid('RAID-3', { eventId: eid(4) })]));
    await writer.snapshotChanged();
    expect(taken.report()).toMatchObject({ saved: 2, lastSaved: { revision: 3 } });
  });
});
