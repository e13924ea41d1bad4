import { Observable, Subject } from 'rxjs';
import { positionOf } from '@timeline/event-store';
import { DEFAULT_LIVE_OPTIONS } from './live.options';
import type { Positioned } from './live-source';
import { ResumableFeed } from './resumable-feed';
import { SharedFeed, type MessageOf } from './shared-feed';
import { SharedFeeds } from './shared-feeds.registry';
import { SseChannel, type SseMessage } from './sse-channel';
import { FakeSseResponse, writtenIds } from './testing/fake-sse-response';

const item = (n: number): Positioned<number> => ({ position: positionOf(n), item: n });
const message = ({ position, item: n }: Positioned<number>): SseMessage => ({
  id: position.commit.toString(),
  data: { n },
});
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A hot source that counts its subscribers. */
function countedSource(): {
  live: Subject<Positioned<number>>;
  live$: Observable<Positioned<number>>;
  subscriptions: () => number;
} {
  const live = new Subject<Positioned<number>>();
  let count = 0;
  const live$ = new Observable<Positioned<number>>((subscriber) => {
    count += 1;
    const inner = live.subscribe(subscriber);
    return () => {
      count -= 1;
      inner.unsubscribe();
    };
  });
  return { live, live$, subscriptions: () => count };
}

async function member(feed: SharedFeed<number>): Promise<{ response: FakeSseResponse; channel: SseChannel }> {
  const response = new FakeSseResponse();
  const channel = new SseChannel(response.asServerResponse(), {
    heartbeatMs: 60_000,
    maxBufferedBytes: 1e6,
    retryMs: 1,
  });
  channel.open();
  response.writes.length = 0;
  await new ResumableFeed(channel, feed, { maxPendingLive: 100 }).start(undefined);
  return { response, channel };
}

function sharedFeed(
  live$: Observable<Positioned<number>>,
  messageOf: MessageOf<number>,
  onIdle = (): void => undefined,
): SharedFeed<number> {
  return new SharedFeed({
    source: { live$, livePosition: () => null, backlog: async function* () {} },
    messageOf,
    maxPending: 100,
    onIdle,
  });
}

describe('SharedFeed', () => {
  it('gives its members one subscription, one decision per item and one write per turn', async () => {
    const source = countedSource();
    let decisions = 0;
    const feed = sharedFeed(source.live$, (entry) => {
      decisions += 1;
      return message(entry);
    });
    const members = await Promise.all([member(feed), member(feed), member(feed)]);
    expect(source.subscriptions()).toBe(1);
    source.live.next(item(1));
    source.live.next(item(2));
    source.live.next(item(3));
    await turn();
    expect(decisions).toBe(3);
    for (const { response } of members) {
      expect(response.writes).toHaveLength(1);
      expect(writtenIds(response)).toEqual([1, 2, 3]);
    }
    // The same bytes for everyone: the frames were encoded once.
    expect(new Set(members.map(({ response }) => response.writes[0])).size).toBe(1);
  });

  it('keeps the source order when one decision waits on something asynchronous', async () => {
    const source = countedSource();
    let release: (value: SseMessage) => void = () => undefined;
    const feed = sharedFeed(source.live$, (entry) =>
      entry.item === 2 ? new Promise<SseMessage>((resolve) => (release = resolve)) : message(entry),
    );
    const { response } = await member(feed);
    source.live.next(item(1));
    source.live.next(item(2));
    source.live.next(item(3));
    await turn();
    expect(writtenIds(response)).toEqual([1]);
    release(message(item(2)));
    await Promise.resolve();
    await turn();
    expect(writtenIds(response)).toEqual([1, 2, 3]);
  });

  it('tells every member and disconnects it when a decision fails, rather than skip the item', async () => {
    const source = countedSource();
    const feed = sharedFeed(source.live$, (entry) =>
      entry.item === 2 ? Promise.reject(new Error('membership read failed')) : message(entry),
    );
    const members = await Promise.all([member(feed), member(feed)]);
    source.live.next(item(1));
    source.live.next(item(2));
    await turn();
    await turn();
    for (const { response, channel } of members) {
      expect(response.written).toContain('event: error');
      expect(response.written).toContain('live.push-failed');
      expect(response.written).toContain('"lastEventId":"1"');
      expect(channel.isClosed).toBe(true);
    }
    expect(source.subscriptions()).toBe(0);
  });

  it('skips an item the source repeats, and unsubscribes once the last member has left', async () => {
    const source = countedSource();
    let idle = 0;
    const feed = sharedFeed(source.live$, message, () => (idle += 1));
    const first = await member(feed);
    const second = await member(feed);
    source.live.next(item(1));
    source.live.next(item(1));
    source.live.next(item(2));
    await turn();
    expect(writtenIds(first.response)).toEqual([1, 2]);
    first.channel.close();
    expect(source.subscriptions()).toBe(1);
    expect(idle).toBe(0);
    second.channel.close();
    expect(source.subscriptions()).toBe(0);
    expect(idle).toBe(1);
  });
});

describe('SharedFeeds', () => {
  it('hands clients with the same key the same feed, and a new one once the old is idle', async () => {
    const feeds = new SharedFeeds(DEFAULT_LIVE_OPTIONS);
    const source = countedSource();
    const create = (): { source: SharedFeed<number>['source']; messageOf: MessageOf<number> } => ({
      source: { live$: source.live$, livePosition: () => null, backlog: async function* () {} },
      messageOf: message,
    });
    const feed = feeds.feed('events\u0000NCA\u0000*', create);
    expect(feeds.feed('events\u0000NCA\u0000*', create)).toBe(feed);
    expect(feeds.feed('events\u0000NWP\u0000*', create)).not.toBe(feed);
    const { channel } = await member(feed);
    channel.close();
    expect(feeds.feed('events\u0000NCA\u0000*', create)).not.toBe(feed);
  });
});
