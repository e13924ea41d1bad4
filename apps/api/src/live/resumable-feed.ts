import type { Observable, Subscription } from 'rxjs';
import { comparePositions, type GlobalPosition } from '@timeline/event-store';
import type { SseChannel, SseMessage } from './sse-channel';

/** Something at a place in the global log. */
export interface Positioned<T> {
  readonly position: GlobalPosition;
  readonly item: T;
}

export interface ResumableFeedSource<T> {
  /** Hot and in log order: what happens from the moment of subscription on. */
  readonly live$: Observable<Positioned<T>>;
  /** Everything up to this position can be read from `backlog` (null: nothing yet). */
  readonly livePosition: () => GlobalPosition | null;
  /** Pages of what lies after `after` (exclusive) up to `upTo` (inclusive), in log order. */
  readonly backlog: (
    after: GlobalPosition | undefined,
    upTo: GlobalPosition,
  ) => AsyncIterable<readonly Positioned<T>[]>;
}

export interface ResumableFeedOptions<T> {
  /** The message for an item, or null when this client is not to see it (filtered, not visible to it). */
  readonly toMessage: (item: Positioned<T>) => SseMessage | null | Promise<SseMessage | null>;
  /** Live items that may wait while the backlog is sent; beyond it the client is too slow. */
  readonly maxPendingLive: number;
}

/**
 * Streams a backlog and then live items to one SSE client with no gap and no
 * duplicate: it subscribes to the live feed first (holding what arrives), sends
 * the backlog from the store up to the position the live feed had reached, then
 * the held items past the last one sent, then live items as they come. Every
 * step is ordered by global position; an item at or before the last sent
 * position is never sent again.
 */
export class ResumableFeed<T> {
  private last: GlobalPosition | undefined;
  private subscription: Subscription | null = null;
  private live = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly held: Positioned<T>[] = [];

  constructor(
    private readonly channel: SseChannel,
    private readonly source: ResumableFeedSource<T>,
    private readonly options: ResumableFeedOptions<T>,
  ) {}

  /** Starts streaming after `after` (exclusive; the client's Last-Event-ID) and returns once live. */
  async start(after: GlobalPosition | undefined): Promise<void> {
    this.last = after;
    this.channel.onClose(() => this.stop());
    this.subscription = this.source.live$.subscribe({
      next: (item) => this.onLive(item),
      error: (error: unknown) =>
        this.channel.fail('live.source-failed', error instanceof Error ? error.message : String(error)),
    });
    const upTo = this.source.livePosition();
    if (upTo !== null && (after === undefined || comparePositions(upTo, after) > 0)) {
      for await (const page of this.source.backlog(after, upTo)) {
        for (const item of page) await this.deliver(item);
        if (this.channel.isClosed) return;
        if (!this.channel.hasRoom) await this.channel.drained();
      }
    }
    for (const item of this.held.splice(0)) await this.deliver(item);
    this.live = true;
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.held.length = 0;
  }

  private onLive(item: Positioned<T>): void {
    if (this.channel.isClosed) return;
    if (!this.live) {
      if (this.held.length >= this.options.maxPendingLive) {
        this.channel.overflow();
        return;
      }
      this.held.push(item);
      return;
    }
    if (this.queued >= this.options.maxPendingLive) {
      this.channel.overflow();
      return;
    }
    if (this.queued === 0) {
      // Nothing waiting: deliver at once, and queue only if deciding needs the store.
      const pending = this.deliver(item);
      if (pending) this.enqueue(pending);
      return;
    }
    // One item at a time, in order, while an earlier one waits on an asynchronous decision.
    this.enqueue(this.queue.then(() => this.deliver(item)));
  }

  private enqueue(work: Promise<void>): void {
    this.queued += 1;
    this.queue = work.finally(() => {
      this.queued -= 1;
    });
  }

  /** Sends the item unless already sent; returns a promise only when deciding its message is asynchronous. */
  private deliver(item: Positioned<T>): Promise<void> | undefined {
    if (this.channel.isClosed) return undefined;
    if (this.last !== undefined && comparePositions(item.position, this.last) <= 0) return undefined;
    this.last = item.position;
    const message = this.options.toMessage(item);
    if (message instanceof Promise) {
      return message.then((resolved) => {
        if (resolved !== null) this.channel.send(resolved);
      });
    }
    if (message !== null) this.channel.send(message);
    return undefined;
  }
}
