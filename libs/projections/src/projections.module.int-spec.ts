import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { EVENT_STORE, EventStoreModule, type EventStore } from '@timeline/event-store';
import type { AnyProjectionHandle } from './core/projection';
import { ProjectionQueries, type PictureChange, type TimelineChange } from './projection-queries';
import { ProjectionsModule } from './projections.module';
import { ProjectionRunner } from './runner/projection-runner';
import { recordingProjection } from './testing/recording.projection';
import { eventToAppend } from './testing/timeline-event.builders';
import { VENETIC_IDS, veneticScenario } from './testing/venetic.scenario';

jest.setTimeout(30_000);

describe('ProjectionsModule in a Nest application on the SQLite store', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'projections-module-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  async function boot(extraProjections: readonly AnyProjectionHandle[] = []) {
    const module = await Test.createTestingModule({
      imports: [
        EventStoreModule.forRoot({ kind: 'sqlite', file: join(directory, 'events.db'), pollIntervalMs: 20 }),
        ProjectionsModule.forRoot({
          checkpointDirectory: join(directory, 'projections'),
          defaultWaitMs: 2_000,
          extraProjections,
        }),
      ],
    }).compile();
    const app = module.createNestApplication();
    await app.init();
    return {
      app,
      store: app.get<EventStore>(EVENT_STORE),
      queries: app.get(ProjectionQueries),
      runner: app.get(ProjectionRunner),
    };
  }

  it('answers a query right after a write with minPosition, pushes changes, and checkpoints on shutdown', async () => {
    const { app, store, queries, runner } = await boot();
    const pictures: PictureChange[] = [];
    const entries: TimelineChange[] = [];
    queries.pictureChanges('venetic').subscribe((change) => pictures.push(change));
    queries.timelineChanges('venetic').subscribe((change) => entries.push(change));

    const specs = veneticScenario();
    const first = await store.append(
      'operation-venetic',
      specs.slice(0, 19).map((spec, revision) => eventToAppend(spec, revision)),
    );
    const picture = await queries.picture('venetic', { minPosition: '19' });
    expect(picture.asOf.position).toBe('19');
    expect(first.position.commit).toBe(19n);
    expect(picture.totals.drugs.byType.cocaine.kg).toBe(2.5);
    const last = await store.append(
      'operation-venetic',
      specs.slice(19).map((spec, index) => eventToAppend(spec, 19 + index)),
    );
    const page = await queries.timeline(
      'venetic',
      { types: ['SeizureRecorded'] },
      { minPosition: `${last.position.commit}` },
    );
    expect(page.entries.map((entry) => entry.status)).toEqual(['recorded', 'corrected', 'retracted']);
    expect((await queries.nationalPicture()).totals.arrests).toBe(3);
    expect(await queries.operationIds()).toEqual(['venetic']);
    await expect(queries.picture('nope')).rejects.toMatchObject({
      code: 'projections.unknown-operation',
      category: 'not-found',
    });
    await expect(queries.picture('venetic', { minPosition: '99', timeoutMs: 50 })).rejects.toMatchObject({
      code: 'projections.position-timeout',
      category: 'unavailable',
    });
    await expect(queries.picture('venetic', { minPosition: 'x' })).rejects.toMatchObject({
      code: 'projections.invalid-position',
      category: 'invalid-input',
    });

    expect(pictures.map((change) => change.position)).toEqual(
      Array.from({ length: 21 }, (_, index) => String(index + 1)),
    );
    expect(
      entries
        .filter((change) => change.kind === 'changed')
        .map((change) => [change.position, change.entry.eventId, change.entry.status]),
    ).toEqual([
      ['19', VENETIC_IDS.seizure1, 'corrected'],
      ['20', VENETIC_IDS.seizure3, 'retracted'],
    ]);
    expect(entries.filter((change) => change.kind === 'appended')).toHaveLength(19);

    const known = await queries.at('venetic', { kind: 'known-at', recordedAt: '2020-06-13T23:59:59Z' });
    expect(known.picture!.totals.arrests).toBe(2);
    expect((await runner.status()).healthy).toBe(true);

    await app.close();
    expect((await readdir(join(directory, 'projections'))).sort()).toEqual([
      'operational-picture.checkpoint.ndjson',
      'timeline.checkpoint.ndjson',
    ]);

    const again = await boot();
    await again.runner.whenCaughtUp();
    expect(again.runner.currentStatus()).toMatchObject({ eventsProcessed: 0, position: '21' });
    expect((await again.queries.picture('venetic')).totals.cash.pounds).toBe('54000.00');
    await again.app.close();
  });

  it('serves and time-travels an extra projection like the read models, found by its handle', async () => {
    const recording = recordingProjection();
    const { app, store, queries } = await boot([recording]);
    const specs = veneticScenario();
    const { position } = await store.append(
      'operation-venetic',
      specs.map((spec, revision) => eventToAppend(spec, revision)),
    );
    const ids = (await store.readStream('operation-venetic')).map((event) => event.eventId);
    const live = await queries.state(recording, { minPosition: position });
    expect(live.ids).toEqual(ids);
    const known = await queries.at('venetic', { kind: 'known-at', position: '3' });
    expect(known.state(recording).ids).toEqual(ids.slice(0, 3));
    await expect(queries.state(recordingProjection('recording'))).rejects.toMatchObject({
      code: 'projections.unknown-projection',
    });
    await app.close();
  });
});
