import fc from 'fast-check';
import { Subject } from 'rxjs';
import { positionOf, type GlobalPosition } from '@timeline/event-store';
import type { Positioned, ResumableFeedSource } from './live-source';
import { ResumableFeed } from './resumable-feed';
import { SharedFeed } from './shared-feed';
import { SseChannel } from './sse-channel';
import { FakeSseResponse, writtenIds } from './testing/fake-sse-response';

const item = (n: number): Positioned<number> => ({ position: positionOf(n), item: n });

function openChannel(): { response: FakeSseResponse; channel: SseChannel } {
  const response = new FakeSseResponse();
  const channel = new SseChannel(response.asServerResponse(), {
    heartbeatMs: 60_000,
    maxBufferedBytes: 1e9,
    retryMs: 1,
  });
  channel.open();
  return { response, channel };
}

/**
 * A log of `head` items (1..head) read in pages of `pageSize`, as the store is:
 * every page read is a resolved promise, so nothing but the reader itself yields
 * to the event loop. Counts the pages read.
 */
function logSource(
  live$: Subject<Positioned<number>>,
  head: () => number,
  pageSize: number,
): { source: ResumableFeedSource<number>; pagesRead: () => number } {
  let pagesRead = 0;
  return {
    source: {
      live$,
      livePosition: () => (head() === 0 ? null : positionOf(head())),
      backlog: async function* (after: GlobalPosition | undefined, upTo: GlobalPosition) {
        let next = after === undefined ? 1 : Number(after.commit) + 1;
        const last = Number(upTo.commit);
        while (next <= last) {
          pagesRead += 1;
          const page: Positioned<number>[] = [];
          for (; next <= last && page.length < pageSize; next += 1) page.push(item(next));
          yield await Promise.resolve(page);
        }
      },
    },
    pagesRead: () => pagesRead,
  };
}

describe('SharedBacklog (through ResumableFeed)', () => {
  it('sends each of a crowd resuming from nearby positions every item once, in order, reading and encoding each item once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        async (head, pageSize, resumePoints, appended, staggered) => {
          const live$ = new Subject<Positioned<number>>();
          let stored = head;
          const { source, pagesRead } = logSource(live$, () => stored, pageSize);
          const decisions = new Map<number, number>();
          const feed = new SharedFeed<number>({
            source,
            messageOf: ({ position, item: n }) => {
              decisions.set(n, (decisions.get(n) ?? 0) + 1);
              // Every third item is not for this feed: it moves the resume point without a frame.
              const message = n % 3 === 0 ? null : { id: position.commit.toString(), data: { n } };
              // Some decisions wait on the store, as a membership check does.
              return n % 5 === 0 ? Promise.resolve(message) : message;
            },
            maxPending: 10_000,
            onIdle: () => undefined,
          });
          const clients = resumePoints.map((point) => ({ after: Math.min(point, head), ...openChannel() }));
          const started: Promise<void>[] = [];
          for (const [index, { channel, after }] of clients.entries()) {
            started.push(
              new ResumableFeed(channel, feed, { maxPendingLive: 10_000 }).start(
                after === 0 ? undefined : positionOf(after),
              ),
            );
            // Some arrive a turn later, while the others' reads are in progress.
            if (staggered[index % staggered.length]) await new Promise((resolve) => setImmediate(resolve));
          }
          // Items appended while the crowd resumes arrive live.
          for (let n = 0; n < appended; n += 1) {
            stored += 1;
            live$.next(item(stored));
            await new Promise((resolve) => setImmediate(resolve));
          }
          await Promise.all(started);
          await new Promise((resolve) => setImmediate(resolve));
          for (const { response, after, channel } of clients) {
            const expected = [];
            for (let n = after + 1; n <= stored; n += 1) if (n % 3 !== 0) expected.push(n);
            expect(writtenIds(response)).toEqual(expected);
            channel.close();
          }
          // One decision (and encoding) per item whoever needed it, one read of each page.
          for (const count of decisions.values()) expect(count).toBe(1);
          expect(pagesRead()).toBeLessThanOrEqual(Math.ceil(head / pageSize) + resumePoints.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('yields to the event loop between pages: other work runs while a long backlog is sent', async () => {
    const live$ = new Subject<Positioned<number>>();
    const { source, pagesRead } = logSource(live$, () => 5_000, 100);
    const feed = new SharedFeed<number>({
      source,
      messageOf: ({ position, item: n }) => ({ id: position.commit.toString(), data: n }),
      maxPending: 10_000,
      onIdle: () => undefined,
    });
    const { response, channel } = openChannel();
    let pagesWhenOtherWorkRan: number | null = null;
    setImmediate(() => (pagesWhenOtherWorkRan = pagesRead()));
    await new ResumableFeed(channel, feed, { maxPendingLive: 10 }).start(positionOf(0));
    expect(writtenIds(response)).toHaveLength(5_000);
    // The request that came in meanwhile was served after a page or two, not after all 50.
    expect(pagesWhenOtherWorkRan).not.toBeNull();
    expect(pagesWhenOtherWorkRan!).toBeLessThanOrEqual(2);
    channel.close();
  });
});
