import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import type { ReadAllOptions, RecordedEvent } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { leafIdsFileOf } from '@timeline/integrity';
import { aHistory, appendSealed } from '@timeline/integrity/testing/sealed-history.fixture';
import { toStoredTimelineEvent, type ProjectionChange } from '@timeline/projections';
import { HealthRegistry } from '../health/health.registry';
import { toProblem } from '../http/problem-details';
import {
  LeafMismatchError,
  MerkleLogDivergedError,
  ProofEventNotFoundError,
  TransparencyCatchingUpError,
} from './transparency.errors';
import { TransparencyService } from './transparency.service';

/** A store whose `readAll` waits while the gate is shut: the tree's catch-up, held. */
class GatedStore extends InMemoryEventStore {
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;

  shut(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  override async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    if (this.gate) await this.gate;
    return super.readAll(options);
  }
}

describe('TransparencyService: start-up in the background, the runner feed, health, proofs by id', () => {
  let dir: string;
  let store: GatedStore;
  let changes: Subject<ProjectionChange>;
  let health: HealthRegistry;
  let services: TransparencyService[];

  function start(): TransparencyService {
    health = new HealthRegistry();
    const service = new TransparencyService(
      store,
      {
        treeFile: join(dir, 'merkle', 'leaves.bin'),
        signingKeyPem: null,
        headsFile: null,
        webhookUrl: null,
        headIntervalMs: 0,
      },
      { changes$: changes },
      health,
    );
    service.onModuleInit();
    services.push(service);
    return service;
  }

  function stop(service: TransparencyService): void {
    service.onApplicationShutdown();
    services = services.filter((running) => running !== service);
  }

  /** What the projection runner hands over after applying an event. */
  function applied(event: RecordedEvent, projections = ['timeline', 'picture']): void {
    changes.next({ kind: 'applied', event: toStoredTimelineEvent(event), projections });
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-transparency-'));
    store = new GatedStore();
    changes = new Subject();
    services = [];
  });
  afterEach(async () => {
    services.forEach((service) => service.onApplicationShutdown());
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After until the tree has caught up, and says so on /health', async () => {
    await appendSealed(store, 'venetic', aHistory('venetic', 12));
    store.shut();
    const service = start();
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(service.status()).toMatchObject({ state: 'catching-up', startUpMs: null });
    expect(await health.reports()).toMatchObject({
      transparency: { status: 'up', state: 'catching-up' },
    });
    const refused = await service.inclusionProof('venetic', store.log[0].eventId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransparencyCatchingUpError);
    const mapped = toProblem(refused, { instance: '/x', conditional: false });
    expect([mapped.problem.status, mapped.problem.code, mapped.headers['Retry-After']]).toEqual([
      503,
      'transparency.catching-up',
      '1',
    ]);
    expect(() => service.consistencyProof(1)).toThrow(TransparencyCatchingUpError);

    store.release();
    await service.caughtUp();
    expect(service.status()).toMatchObject({ state: 'following', treeSize: 12 });
    expect(service.status().startUpMs).toEqual(expect.any(Number));
    expect(await health.reports()).toMatchObject({
      transparency: { status: 'up', state: 'following', treeSize: 12, divergence: null },
    });
    expect((await service.inclusionProof('venetic', store.log[3].eventId)).leafIndex).toBe(3);
  });

  it("takes the runner's applied events without reading the log again, and reads a gap it reports", async () => {
    await appendSealed(store, 'venetic', aHistory('venetic', 5));
    const service = start();
    await service.caughtUp();
    applied(store.log[4]);
    const more = await appendSealed(store, 'venetic', aHistory('venetic', 10, 5));
    const readsBefore = store.readAllCalls;
    for (const event of store.log.slice(5)) applied(event);
    await new Promise((resolve) => setImmediate(resolve));
    expect(service.status().treeSize).toBe(15);
    expect(store.readAllCalls).toBe(readsBefore);

    // An event the runner cannot read stops every projection: the next reaches none, and the gap is read.
    await appendSealed(store, 'venetic', aHistory('venetic', 2, 15));
    applied(store.log[16], []);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(service.status().treeSize).toBe(17);
    expect(store.readAllCalls).toBeGreaterThan(readsBefore);
    expect(more).toHaveLength(10);
  });

  it("finds an event's leaf by its id, never walking its stream, and checks it against the store", async () => {
    await appendSealed(store, 'venetic', aHistory('venetic', 6));
    await appendSealed(store, 'alpha', aHistory('alpha', 4));
    await appendSealed(store, 'venetic', aHistory('venetic', 6, 6));
    const service = start();
    await service.caughtUp();
    store.reads.splice(0);
    const target = store.log[13];
    const proof = await service.inclusionProof('venetic', target.eventId);
    expect(proof).toMatchObject({ leafIndex: 13, treeSize: 16, eventHash: target.metadata.hash });
    expect(store.reads.filter((read) => read.kind === 'stream')).toEqual([]);

    await expect(service.inclusionProof('alpha', target.eventId)).rejects.toBeInstanceOf(
      ProofEventNotFoundError,
    );
    await expect(
      service.inclusionProof('venetic', '0190a6f0-0000-7000-8000-00000000ffff'),
    ).rejects.toBeInstanceOf(ProofEventNotFoundError);

    // Its id file lost: the ids are read from the log again at the next start.
    stop(service);
    await rm(leafIdsFileOf(join(dir, 'merkle', 'leaves.bin')));
    const again = start();
    await again.caughtUp();
    expect((await again.inclusionProof('venetic', target.eventId)).leafIndex).toBe(13);

    // The stored hash changed after the event was logged; then the event removed.
    const hash = target.metadata.hash;
    (target.metadata as { hash: string }).hash = 'f'.repeat(64);
    await expect(again.inclusionProof('venetic', target.eventId)).rejects.toBeInstanceOf(LeafMismatchError);
    (target.metadata as { hash: unknown }).hash = hash;
    store.log.splice(13, 1);
    await expect(again.inclusionProof('venetic', target.eventId)).rejects.toBeInstanceOf(
      MerkleLogDivergedError,
    );
  });

  it('reports a log that diverged from the tree as down, naming the first leaf it no longer holds', async () => {
    await appendSealed(store, 'venetic', aHistory('venetic', 20));
    const first = start();
    await first.caughtUp();
    stop(first);
    store.log.splice(9);

    const service = start();
    await service.caughtUp();
    expect(await health.reports()).toMatchObject({
      transparency: {
        status: 'down',
        state: 'diverged',
        treeSize: 20,
        divergence: { leafIndex: 9, logHolds: null },
      },
    });
  });
});
