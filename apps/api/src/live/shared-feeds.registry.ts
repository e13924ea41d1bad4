import { Inject, Injectable } from '@nestjs/common';
import { LIVE_OPTIONS, type LiveOptions } from './live.options';
import type { ResumableFeedSource } from './live-source';
import { SharedFeed, type MessageOf } from './shared-feed';

/**
 * The shared feeds in use, by key: clients whose key is equal are sent the
 * same bytes and share one feed. A feed is dropped when its last client leaves.
 */
@Injectable()
export class SharedFeeds {
  private readonly feeds = new Map<string, SharedFeed<unknown>>();

  constructor(@Inject(LIVE_OPTIONS) private readonly options: LiveOptions) {}

  /**
   * The feed for `key`, made by `create` when none is in use. The key must name
   * everything `messageOf` depends on (stream, filter, the members' agency).
   */
  feed<T>(
    key: string,
    create: () => { source: ResumableFeedSource<T>; messageOf: MessageOf<T> },
  ): SharedFeed<T> {
    const existing = this.feeds.get(key);
    if (existing) return existing as SharedFeed<T>;
    const { source, messageOf } = create();
    const feed: SharedFeed<T> = new SharedFeed<T>({
      source,
      messageOf,
      maxPending: this.options.maxPendingLive,
      maxBacklogBytes: this.options.sharedBacklogBytes,
      onIdle: () => {
        if (this.feeds.get(key) === feed) this.feeds.delete(key);
      },
    });
    this.feeds.set(key, feed as SharedFeed<unknown>);
    return feed;
  }

  /** Feeds in use (for /metrics). */
  get size(): number {
    return this.feeds.size;
  }
}
