import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Observable, Subject } from 'rxjs';
import type { RecordedEvent } from '@timeline/event-store';
import { InMemoryEventStore } from '@timeline/event-store/testing/in-memory.event-store';
import { leafInputOf, referenceRoot } from './merkle-hashing';
import { MerkleLog } from './merkle-log';
import { MerkleLogFollower, type MerkleFeedEvent } from './merkle-log.follower';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function hashOf(n: number): string {
  return createHash('sha256').update(`event ${n}`).digest('hex');
}

async function appendEvents(store: InMemoryEventStore, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n += 1) {
    // Every fifth event lives outside the operation streams: never a leaf.
    const stream = n % 5 === 4 ? `audit-${n % 2}` : `operation-op${n % 3}`;
    await store.append(stream, [
      {
        eventId: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
        type: 'T',
        data: {},
        metadata: { hash: hashOf(n) },
      },
    ]);
  }
}

function feedEventOf(event: RecordedEvent, gapless: boolean): MerkleFeedEvent {
  return {
    position: event.position,
    streamName: event.streamName,
    eventId: event.eventId,
    hash: event.metadata.hash,
    gapless,
  };
}

function expectTreeToBeTheLog(store: InMemoryEventStore, log: MerkleLog): void {
  const operations = store.log.filter((event) => event.streamName.startsWith('operation-'));
  expect(log.size).toBe(operations.length);
  operations.forEach((event, i) => {
    const leaf = log.leafAt(i);
    expect(leaf.position).toEqual(event.position);
    expect(leaf.leafInput.equals(leafInputOf(event.metadata.hash))).toBe(true);
  });
  if (operations.length > 0)
    expect(
      log.rootAt().equals(referenceRoot(operations.map((event) => leafInputOf(event.metadata.hash)))),
    ).toBe(true);
}

/** A started follower fed by `feed`, retrying at once, with the errors it logs. */
async function followerLoggingErrors(store: InMemoryEventStore, feed: Observable<MerkleFeedEvent>) {
  const log = MerkleLog.inMemory();
  const errors: string[] = [];
  const follower = new MerkleLogFollower(store, log, {
    feed,
    resubscribeDelayMs: 0,
    logger: { error: (message) => errors.push(message) },
  });
  await follower.start();
  return { log, follower, errors };
}

describe('MerkleLogFollower fed by another reader of the log', () => {
  it('reads the store only up to the feed, then takes every leaf from the feed', async () => {
    const store = new InMemoryEventStore();
    await appendEvents(store, 0, 30);
    const feed = new Subject<MerkleFeedEvent>();
    const log = MerkleLog.inMemory();
    const follower = new MerkleLogFollower(store, log, { feed });
    await follower.start();
    expect(follower.state).toBe('following');
    const initial = log.size;
    expect(follower.counts).toEqual({ fromFeed: 0, fromStore: initial });

    // The feed hands over the log's last event first (it is where the runner stands): the tree is aligned with it.
    const lastOperationEvent = store.log.filter((event) => event.streamName.startsWith('operation-')).pop()!;
    feed.next(feedEventOf(lastOperationEvent, true));
    for (let n = 30; n < 60; n += 1) {
      await appendEvents(store, n, 1);
      feed.next(feedEventOf(store.log[store.log.length - 1], true));
    }
    const readsBefore = store.reads.length;
    await settle();
    expect(store.reads.length).toBe(readsBefore);
    expect(follower.counts).toEqual({ fromFeed: log.size - initial, fromStore: initial });
    expectTreeToBeTheLog(store, log);
    follower.stop();
  });

  it('reads from the store an event the feed passed over, and takes none twice', async () => {
    const store = new InMemoryEventStore();
    await appendEvents(store, 0, 3);
    const feed = new Subject<MerkleFeedEvent>();
    const log = MerkleLog.inMemory();
    const follower = new MerkleLogFollower(store, log, { feed });
    await follower.start();
    feed.next(feedEventOf(store.log[2], true));
    await appendEvents(store, 3, 3);
    // Events 3 (op0) and 5 (op2) reach the feed; event 4 is outside the operations; 3 is passed over (unreadable).
    feed.next(feedEventOf(store.log[5], false));
    await follower.sync();
    expectTreeToBeTheLog(store, log);
    expect(follower.counts.fromFeed).toBe(0);
    follower.stop();
  });

  it('stops without an error when the feed ends, keeping every leaf it was handed', async () => {
    const store = new InMemoryEventStore();
    await appendEvents(store, 0, 3);
    const feed = new Subject<MerkleFeedEvent>();
    const { log, follower, errors } = await followerLoggingErrors(store, feed);
    feed.next(feedEventOf(store.log[2], true));
    await appendEvents(store, 3, 1);
    feed.next(feedEventOf(store.log[3], true));
    feed.complete();
    expect(follower.state).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(errors).toEqual([]);
    expect(feed.observed).toBe(false);
    expectTreeToBeTheLog(store, log);
  });

  it('resubscribes when the feed fails, and reads the gap from the store', async () => {
    const store = new InMemoryEventStore();
    await appendEvents(store, 0, 3);
    let feed = new Subject<MerkleFeedEvent>();
    const { log, follower, errors } = await followerLoggingErrors(
      store,
      new Observable<MerkleFeedEvent>((subscriber) => feed.subscribe(subscriber)),
    );
    feed.error(new Error('the runner failed'));
    feed = new Subject<MerkleFeedEvent>();
    await appendEvents(store, 3, 3);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(errors).toEqual(['Merkle log subscription failed; resubscribing']);
    expect(follower.state).toBe('following');
    expect(feed.observed).toBe(true);
    // Events 3 to 5 were appended while no feed was subscribed (4 is no leaf): event 5, handed
    // over as possibly following a gap, makes the follower read event 3 from the store by itself.
    feed.next(feedEventOf(store.log[5], false));
    for (let turn = 0; turn < 100 && log.size < 5; turn += 1) await settle();
    expectTreeToBeTheLog(store, log);
    follower.stop();
  });

  it('holds every operation event once, in log order, whatever the feed does (property)', async () => {
    const step = fc.oneof(
      {
        arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 6 }) }),
        weight: 4,
      },
      // The runner hands over the next events it reads; `unreadable` of them it cannot read and passes over.
      {
        arbitrary: fc.record({
          kind: fc.constant('deliver' as const),
          count: fc.integer({ min: 1, max: 8 }),
          unreadable: fc.integer({ min: -4, max: 7 }),
        }),
        weight: 4,
      },
      // A replay from an earlier point (a runner that went back), or a runner that restarts further on.
      { arbitrary: fc.record({ kind: fc.constant('rewind' as const), to: fc.nat() }), weight: 1 },
      {
        arbitrary: fc.record({ kind: fc.constant('resubscribe' as const), skip: fc.nat({ max: 5 }) }),
        weight: 1,
      },
      { arbitrary: fc.constant({ kind: 'settle' as const }), weight: 3 },
      { arbitrary: fc.constant({ kind: 'sync' as const }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(step, { maxLength: 60 }),
        async (initialEvents, feedStart, steps) => {
          const store = new InMemoryEventStore();
          await appendEvents(store, 0, initialEvents);
          let appended = initialEvents;
          const feed = new Subject<MerkleFeedEvent>();
          const log = MerkleLog.inMemory();
          const follower = new MerkleLogFollower(store, log, { feed, pageSize: 7 });
          // The runner's cursor in the log (an index into it); it passes over unreadable events and says so after.
          let cursor = Math.min(feedStart, store.log.length);
          let passedOver = false;
          const started = follower.start();
          for (const s of steps) {
            if (s.kind === 'append') {
              await appendEvents(store, appended, s.count);
              appended += s.count;
            } else if (s.kind === 'deliver') {
              const end = Math.min(store.log.length, cursor + s.count);
              for (let i = 0; cursor < end; cursor += 1, i += 1) {
                if (i === s.unreadable) {
                  passedOver = true;
                  continue;
                }
                feed.next(feedEventOf(store.log[cursor], !passedOver));
              }
            } else if (s.kind === 'rewind') {
              cursor = store.log.length === 0 ? 0 : s.to % store.log.length;
              passedOver = false;
            } else if (s.kind === 'resubscribe') {
              cursor = Math.min(store.log.length, cursor + s.skip);
              passedOver = s.skip > 0 ? true : passedOver;
            } else if (s.kind === 'sync') {
              await follower.sync();
            } else await settle();
          }
          await started;
          await follower.sync();
          expectTreeToBeTheLog(store, log);
          follower.stop();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names the first leaf of a log rewritten from some event on, or cut short', async () => {
    const store = new InMemoryEventStore();
    await appendEvents(store, 0, 60);
    const log = MerkleLog.inMemory();
    const first = new MerkleLogFollower(store, log);
    await first.start();
    first.stop();
    const operations = store.log.filter((event) => event.streamName.startsWith('operation-'));
    expect(log.size).toBe(operations.length);

    // An insider rewrites leaf 17's event and re-hashes every one after it.
    const rewritten = operations.slice(17);
    const original = rewritten.map((event) => event.metadata.hash);
    for (const event of rewritten) (event.metadata as { hash: string }).hash = hashOf(1_000 + event.revision);
    const again = new MerkleLogFollower(store, log);
    await again.start();
    expect(again.state).toBe('diverged');
    expect(again.divergence).toEqual({
      leafIndex: 17,
      position: log.leafAt(17).position.commit.toString(),
      treeHolds: original[0],
      logHolds: leafInputOf(rewritten[0].metadata.hash).toString('hex'),
    });

    rewritten.forEach((event, i) => ((event.metadata as { hash: string }).hash = original[i] as string));
    store.log.splice(store.log.indexOf(operations[40]));
    const cut = new MerkleLogFollower(store, log);
    await cut.start();
    expect(cut.divergence).toMatchObject({ leafIndex: 40, logHolds: null });
  });
});
