import { snapshotParts } from '../core/projection';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { canonicalJson } from '@timeline/kernel';
import { createEventStore, type EventStore } from '@timeline/event-store';
import { FileProjectionCheckpointStore } from '../checkpoint/file.projection-checkpoint-store';
import { foldEvents, type AnyProjectionHandle } from '../core/projection';
import { toStoredTimelineEvent } from '../core/stored-timeline-event';
import { operationalPictureProjection } from '../picture/operational-picture.projection';
import { operationalPictureView } from '../picture/operational-picture.view';
import { timelineProjection } from '../timeline/timeline.projection';
import { recordingProjection } from '../testing/recording.projection';
import { eventIdOf, eventToAppend } from '../testing/timeline-event.builders';
import { veneticScenario } from '../testing/venetic.scenario';
import { ProjectionRunner } from './projection-runner';

const ROOT = resolve(__dirname, '../../../..');
const PROJECTIONS: AnyProjectionHandle[] = [operationalPictureProjection, timelineProjection];

async function appendVenetic(store: EventStore, operationId = 'venetic'): Promise<void> {
  const specs = veneticScenario(operationId, operationId === 'venetic' ? 0 : 0x100000);
  await store.append(
    `operation-${operationId}`,
    specs.map((spec, revision) => eventToAppend(spec, revision)),
  );
}

/** Raids recorded `batch` per append, as small writes would arrive. */
async function appendRaids(
  store: EventStore,
  from: number,
  to: number,
  operationId = 'venetic',
  batch = 1,
): Promise<void> {
  for (let first = from; first <= to; first += batch) {
    const numbers = Array.from({ length: Math.min(batch, to - first + 1) }, (_, index) => first + index);
    await store.append(
      `operation-${operationId}`,
      numbers.map((n) =>
        eventToAppend({
          type: 'RaidConducted',
          operationId,
          eventId: eventIdOf(n),
          occurredAt: new Date(Date.UTC(2020, 5, 13) + n * 60_000).toISOString(),
          agency: 'NWP',
          data: {
            raidId: `R-${n}`,
            force: 'NWP',
            postcodeDistrict: 'LL11',
            legalPower: 'pace-s18',
            startedAt: '2020-06-13T05:00:00.000Z',
            endedAt: '2020-06-13T06:00:00.000Z',
            officers: 1 + (n % 7),
          },
        }),
      ),
    );
  }
}

jest.setTimeout(60_000);

describe('ProjectionRunner on the embedded SQLite store', () => {
  let directory: string;
  let store: EventStore;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'projections-'));
    store = await createEventStore({
      kind: 'sqlite',
      file: join(directory, 'events.db'),
      pollIntervalMs: 10,
      // The runner follows each commit as it lands: the rebuild test appends while rebuilding.
      liveReadIntervalMs: 0,
    });
  });

  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('projects the scenario, checkpoints to files, and resumes after a clean stop applying only newer events', async () => {
    const checkpoints = new FileProjectionCheckpointStore({ directory: join(directory, 'projections') });
    await appendVenetic(store);
    const first = new ProjectionRunner(
      store,
      [operationalPictureProjection, timelineProjection],
      checkpoints,
    );
    await first.start();
    await first.whenCaughtUp();
    expect(
      operationalPictureView(first.state(operationalPictureProjection), 'venetic')!.totals,
    ).toMatchObject({ arrests: 3, raids: { total: 2 }, cash: { pounds: '54000.00' } });
    await first.stop();
    expect((await readdir(join(directory, 'projections'))).sort()).toEqual([
      'operational-picture.checkpoint.ndjson',
      'timeline.checkpoint.ndjson',
    ]);

    await appendRaids(store, 1000, 1004);
    const second = new ProjectionRunner(
      store,
      [operationalPictureProjection, timelineProjection],
      checkpoints,
    );
    await second.start();
    await second.whenCaughtUp();
    expect(second.currentStatus()).toMatchObject({
      eventsProcessed: 5,
      position: '26',
      caughtUp: true,
      healthy: true,
    });
    const all = (await store.readAll()).map(toStoredTimelineEvent);
    for (const projection of PROJECTIONS) {
      expect(canonicalJson(snapshotParts(projection.toSnapshot(second.state(projection))))).toBe(
        canonicalJson(snapshotParts(projection.toSnapshot(foldEvents(projection, all)))),
      );
    }
    await second.stop();
  });

  it('after a kill -9 between checkpoints, a restart re-applies nothing already saved and skips nothing', async () => {
    const checkpointDirectory = join(directory, 'projections');
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        join(__dirname, '../testing/crash-child.runner.ts'),
        join(directory, 'events.db'),
        checkpointDirectory,
        '37',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let applied = 0;
    let ready!: () => void;
    const isReady = new Promise<void>((resolveReady) => (ready = resolveReady));
    const killedAt = 190;
    let exited = false;
    const killed = new Promise<void>((resolveKilled) =>
      child.on('exit', () => {
        exited = true;
        resolveKilled();
      }),
    );
    /** Resolves once the child has applied up to `position` (false if it ended first). */
    const appliedUpTo = async (position: number): Promise<boolean> => {
      while (applied < position && !exited) await new Promise((resolve) => setTimeout(resolve, 5));
      return applied >= position;
    };
    child.stdout!.setEncoding('utf8');
    let buffer = '';
    child.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') ready();
        else if (line.startsWith('applied ')) applied = Number(line.slice(8));
      }
    });
    try {
      await isReady;
      // In step with the child, five events at a time, so that its checkpoints (every 37 events)
      // land between the steps rather than behind one burst of 190; then killed at 190.
      for (let first = 1; first <= killedAt; first += 5) {
        await appendRaids(store, first, first + 4, 'venetic', 5);
        expect(await appliedUpTo(first + 4)).toBe(true);
      }
      child.kill('SIGKILL');
      await killed;
      await appendRaids(store, killedAt + 1, 250, 'venetic', 5);
    } finally {
      child.kill('SIGKILL');
    }
    expect(applied).toBe(killedAt);

    const checkpoints = new FileProjectionCheckpointStore({ directory: checkpointDirectory });
    const saved = (await checkpoints.load('recording'))!;
    // Saves start after 37 events, spaced by their own duration: the last one that landed is behind the kill.
    expect(Number(saved.position)).toBeGreaterThanOrEqual(37);
    expect(Number(saved.position)).toBeLessThan(killedAt);
    expect((saved.state[0] as { ids: string[] }).ids).toHaveLength(Number(saved.position));

    const recording = recordingProjection();
    const restarted = new ProjectionRunner(store, [recording], checkpoints);
    await restarted.start();
    await restarted.whenCaughtUp();
    const ids = Array.from({ length: 250 }, (_, index) => eventIdOf(index + 1));
    expect(restarted.state(recording).ids).toEqual(ids);
    expect(restarted.currentStatus().eventsProcessed).toBe(250 - Number(saved.position));
    await restarted.stop();
  });

  it('rebuilds picture and timeline while appends continue, and the result is byte-identical to the live read models', async () => {
    await appendVenetic(store);
    await appendVenetic(store, 'tantalum');
    const runner = new ProjectionRunner(
      store,
      [operationalPictureProjection, timelineProjection],
      new FileProjectionCheckpointStore({ directory: join(directory, 'projections') }),
      {
        rebuildPageSize: 16,
      },
    );
    await runner.start();
    await appendRaids(store, 1001, 1100);
    await runner.whenCaughtUp();
    const writing = appendRaids(store, 1101, 1200, 'tantalum');
    const results = await Promise.all([
      runner.rebuild(operationalPictureProjection.name),
      runner.rebuild(timelineProjection.name),
      writing,
    ]);
    expect(results[0].events).toBeGreaterThanOrEqual(142);
    const head = (await store.describe()).headPosition!;
    await runner.waitForPosition(head, 5_000);

    const live = PROJECTIONS.map((projection) =>
      canonicalJson(snapshotParts(projection.toSnapshot(runner.state(projection)))),
    );
    const all = (await store.readAll()).map(toStoredTimelineEvent);
    expect(all).toHaveLength(242);
    const fromZero = PROJECTIONS.map((projection) =>
      canonicalJson(snapshotParts(projection.toSnapshot(foldEvents(projection, all)))),
    );
    expect(live[0]).toBe(fromZero[0]);
    expect(live[1]).toBe(fromZero[1]);
    expect(runner.currentStatus().projections.map((p) => [p.name, p.eventCount, p.position])).toEqual([
      ['operational-picture', 242, '242'],
      ['timeline', 242, '242'],
    ]);
    await runner.stop();
  });
});
