import { v7 as uuidv7 } from 'uuid';
import type { Subscription } from 'rxjs';
import { EventStoreDbTestCluster } from '../../../../test/support/eventstoredb-test-server/eventstoredb-test-cluster';
import { EventStoreDbTestServer } from '../../../../test/support/eventstoredb-test-server/eventstoredb-test-server';
import type { AllSubscriptionMessage, EventToAppend } from '../event-store.port';
import { EventStoreUnavailableError } from '../event-store.errors';
import { EventStoreDbEventStore } from './eventstoredb.event-store';
import type { EventStoreDbOptions } from './eventstoredb.options';

// The adapter through a cluster's normal life (docs/architecture.md §3): elections, a
// demoted leader, a stuck node, a lost node — on the protocol test server's 3-node cluster.
jest.setTimeout(60_000);

const anEvent = (i: number): EventToAppend => ({
  eventId: uuidv7(),
  type: 'Counted',
  data: { i },
  metadata: { source: 'eventstoredb-cluster-int-spec' },
});

async function captureError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('EventStoreDbEventStore on a 3-node cluster', () => {
  let cluster: EventStoreDbTestCluster;
  const open: EventStoreDbEventStore[] = [];
  const openStore = async (options: Partial<EventStoreDbOptions> = {}) => {
    const store = await EventStoreDbEventStore.open({
      connectionString: cluster.connectionString,
      ...options,
    });
    open.push(store);
    return store;
  };

  beforeEach(async () => {
    cluster = await EventStoreDbTestCluster.start();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    await cluster.stop();
  });

  it('sends every request to the leader with requires-leader', async () => {
    const store = await openStore();
    const stream = `operation-${uuidv7()}`;
    await store.append(stream, [anEvent(1)], { expectedRevision: 'no_stream' });
    await store.readStream(stream);
    await store.readAll({ maxCount: 10 });

    const leader = cluster.nodes[0];
    expect(leader.appended).toBe(1);
    expect(leader.requiresLeader.append).toBeGreaterThan(0);
    expect(leader.requiresLeader.read).toBeGreaterThan(0);
    expect(cluster.nodes.slice(1).map((node) => node.calls.read + node.calls.batchAppend)).toEqual([0, 0]);
  });

  it('loses no append and duplicates none when the leader dies and the election leaves no leader for a while', async () => {
    const store = await openStore();
    const streams = Array.from({ length: 8 }, () => `operation-${uuidv7()}`);
    const written = new Map(streams.map((stream) => [stream, [] as number[]]));
    let killed: Promise<void> | null = null;
    let failures = 0;

    // Eight writers, each appending to its stream at the exact revision it last wrote.
    await Promise.all(
      streams.map(async (stream) => {
        let revision: number | 'no_stream' = 'no_stream';
        for (let i = 0; i < 25; i++) {
          if (stream === streams[0] && i === 10) killed = cluster.killLeader(1500);
          try {
            const result = await store.append(stream, [anEvent(i)], { expectedRevision: revision });
            revision = result.nextExpectedRevision;
            written.get(stream)!.push(i);
          } catch {
            failures++;
          }
        }
      }),
    );
    await killed;

    expect(failures).toBe(0);
    expect(cluster.elections).toHaveLength(1);
    for (const stream of streams) {
      const stored = (await store.readStream(stream)).map((event) => event.data.i);
      expect(stored).toEqual(written.get(stream));
      expect(stored).toEqual(Array.from({ length: 25 }, (_, i) => i));
    }
    const newLeader = cluster.nodes[cluster.elections[0].newLeader];
    expect(newLeader.appended).toBeGreaterThan(0);
  });

  it('follows a demoted leader to the new one: writes land on the leader, subscriptions keep up', async () => {
    const store = await openStore();
    const stream = `operation-${uuidv7()}`;
    const received: AllSubscriptionMessage[] = [];
    const subscription: Subscription = store
      .subscribeToAll({ filter: { streamNamePrefixes: [stream] } })
      .subscribe((message) => received.push(message));
    const events = () => received.flatMap((m) => (m.kind === 'event' ? [m.event.data.i] : []));
    await store.append(stream, [anEvent(0)], { expectedRevision: 'no_stream' });
    await until(() => events().length === 1, 'the first event');

    const demoted = await cluster.demoteLeader(300);
    const before = cluster.nodes[demoted].appended;
    await store.append(stream, [anEvent(1)], { expectedRevision: 0 });
    await store.append(stream, [anEvent(2)], { expectedRevision: 1 });
    await until(() => events().length === 3, 'the events written after the demotion');
    subscription.unsubscribe();

    expect(events()).toEqual([0, 1, 2]);
    expect(cluster.nodes[demoted].appended).toBe(before);
    expect(cluster.nodes[cluster.leaderIndex].appended).toBe(2);
  });

  it('moves off a leader that stopped answering once the cluster has elected another', async () => {
    const store = await openStore({ deadlineMs: 300 });
    const stream = `operation-${uuidv7()}`;
    await store.append(stream, [anEvent(0)], { expectedRevision: 'no_stream' });

    cluster.nodes[0].stall();
    const pending = store.append(stream, [anEvent(1)], { expectedRevision: 0 });
    await cluster.elect(200);

    expect((await pending).nextExpectedRevision).toBe(1);
    expect((await store.readStream(stream)).map((event) => event.data.i)).toEqual([0, 1]);
  });
});

describe('EventStoreDbEventStore with a slow consumer', () => {
  it('resumes a subscription the node dropped for reading too slowly, without a gap or a duplicate', async () => {
    const server = await EventStoreDbTestServer.start({ slowConsumerMessages: 50 });
    const store = await EventStoreDbEventStore.open({
      connectionString: server.connectionString,
      resubscribe: { initialDelayMs: 1, maxDelayMs: 10, maxAttempts: 1000 },
    });
    try {
      const stream = `operation-${uuidv7()}`;
      const padding = 'x'.repeat(400);
      const received: unknown[] = [];
      let caughtUp = false;
      const subscription = store
        .subscribeToAll({ filter: { streamNamePrefixes: [stream] } })
        .subscribe((message) => {
          if (message.kind === 'event') received.push(message.event.data.i);
          else caughtUp = true;
        });
      await until(() => caughtUp, 'caught-up');
      // The backlog is read in pages: the live subscription, pushed 100 events at once, is what falls behind.
      for (let batch = 0; batch < 4; batch++) {
        await store.append(
          stream,
          Array.from({ length: 100 }, (_, i) => ({
            ...anEvent(batch * 100 + i),
            data: { i: batch * 100 + i, padding },
          })),
          { expectedRevision: batch === 0 ? 'no_stream' : batch * 100 - 1 },
        );
      }
      await until(() => received.length >= 400, 'all 400 events');
      subscription.unsubscribe();

      expect(server.slowConsumerDrops).toBeGreaterThan(0);
      expect(received).toEqual(Array.from({ length: 400 }, (_, i) => i));
    } finally {
      await store.close();
      await server.stop();
    }
  });
});

describe('EventStoreDbEventStore with a stuck node', () => {
  let server: EventStoreDbTestServer;
  beforeEach(async () => {
    server = await EventStoreDbTestServer.start();
  });
  afterEach(() => server.stop());

  it('close() settles within its grace period; the append and the read it abandons reject', async () => {
    const store = await EventStoreDbEventStore.open({
      connectionString: server.connectionString,
      closeGraceMs: 200,
    });
    const stream = `operation-${uuidv7()}`;
    await store.append(stream, [anEvent(0)], { expectedRevision: 'no_stream' });
    server.stall();

    const append = captureError(store.append(stream, [anEvent(1)], { expectedRevision: 0 }));
    const read = captureError(store.readStream(stream));
    const readAll = captureError(store.readAll());
    await until(() => server.calls.read >= 2, 'the reads to reach the node');
    await store.close();

    for (const error of [await append, await read, await readAll]) {
      expect(error).toBeInstanceOf(EventStoreUnavailableError);
      expect((error as Error).message).toMatch(/the event store closed before (append to|read) /);
    }
  });

  it('a subscription whose set-up is never confirmed is resumed once the node answers again', async () => {
    const store = await EventStoreDbEventStore.open({
      connectionString: server.connectionString,
      deadlineMs: 200,
      resubscribe: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    const stream = `operation-${uuidv7()}`;
    await store.append(stream, [anEvent(0)], { expectedRevision: 'no_stream' });
    server.stall();
    const received: AllSubscriptionMessage[] = [];
    const subscription = store
      .subscribeToAll({ filter: { streamNamePrefixes: [stream] } })
      .subscribe((message) => received.push(message));
    await until(() => server.calls.read + server.calls.subscribe >= 1, 'the subscription to reach the node');
    server.resume();

    await until(() => received.some((m) => m.kind === 'caught-up'), 'caught-up');
    subscription.unsubscribe();
    await store.close();
    expect(received.map((m) => (m.kind === 'event' ? m.event.data.i : m.kind))).toEqual([0, 'caught-up']);
  });
});
