import { Subject } from 'rxjs';
import { positionOf, type GlobalPosition } from '@timeline/event-store';
import type { Positioned, ResumableFeedSource } from './live-source';
import { ResumableFeed } from './resumable-feed';
import { SharedFeed, type MessageOf } from './shared-feed';
import { SseChannel } from './sse-channel';
import { FakeSseResponse, writtenIds } from './testing/fake-sse-response';

const item = (n: number): Positioned<number> => ({ position: positionOf(n), item: n });

function shared(source: ResumableFeedSource<number>, messageOf: MessageOf<number>): SharedFeed<number> {
  return new SharedFeed({ source, messageOf, maxPending: 100, onIdle: () => undefined });
}

describe('ResumableFeed', () => {
  it('sends the backlog after Last-Event-ID, then what arrived meanwhile, then live items, each once and in order', async () => {
    const response = new FakeSseResponse();
    const channel = new SseChannel(response.asServerResponse(), {
      heartbeatMs: 60_000,
      maxBufferedBytes: 1e6,
      retryMs: 1,
    });
    channel.open();
    const live = new Subject<Positioned<number>>();
    let head = 6;
    const feed = new ResumableFeed(
      channel,
      shared(
        {
          live$: live,
          livePosition: () => positionOf(head),
          backlog: async function* (after: GlobalPosition | undefined, upTo: GlobalPosition) {
            expect(after).toEqual(positionOf(2));
            expect(upTo).toEqual(positionOf(6));
            // Items committed while the backlog is read arrive live too: the overlap must not be sent twice.
            live.next(item(6));
            live.next(item(7));
            head = 7;
            yield [item(3), item(4)];
            yield [item(5), item(6)];
          },
        },
        ({ position, item: n }) => (n === 4 ? null : { id: position.commit.toString(), data: n }),
      ),
      { maxPendingLive: 10 },
    );
    await feed.start(positionOf(2));
    live.next(item(7));
    live.next(item(8));
    await new Promise((resolve) => setImmediate(resolve));
    expect(writtenIds(response)).toEqual([3, 5, 6, 7, 8]);
    channel.close();
  });

  it('disconnects a client whose held live items exceed the bound while its backlog is sent', async () => {
    const response = new FakeSseResponse();
    const channel = new SseChannel(response.asServerResponse(), {
      heartbeatMs: 60_000,
      maxBufferedBytes: 1e6,
      retryMs: 1,
    });
    channel.open();
    const live = new Subject<Positioned<number>>();
    const feed = new ResumableFeed(
      channel,
      shared(
        {
          live$: live,
          livePosition: () => positionOf(1),
          backlog: async function* () {
            for (let n = 2; n < 10; n += 1) {
              live.next(item(n));
              // Each in its own turn: one batch per item.
              await new Promise((resolve) => setImmediate(resolve));
            }
            yield [item(1)];
          },
        },
        ({ position }) => ({ id: position.commit.toString(), data: null }),
      ),
      { maxPendingLive: 3 },
    );
    await feed.start(undefined);
    expect(response.written).toContain('event: overflow');
    expect(channel.isClosed).toBe(true);
    expect(live.observed).toBe(false);
  });
});
