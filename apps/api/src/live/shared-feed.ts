import type { Subscription } from 'rxjs';
import { comparePositions, type GlobalPosition } from '@timeline/event-store';
import type { Positioned, ResumableFeedSource } from './live-source';
import { lastIdOf, type EncodedFrame, type FrameBatch, type MessageOf } from './frames';
import { SharedBacklog } from './shared-backlog';
import { encodeFrame, type SseMessage } from './sse-channel';

export type { EncodedFrame, FrameBatch, MessageOf } from './frames';

/** A client of a shared feed (a ResumableFeed). */
export interface SharedFeedMember {
  receive(batch: FrameBatch): void;
  /** The feed cannot go on for this member: it is told why and disconnected. */
  fail(code: string, message: string): void;
  /** The feed fell too far behind deciding what to send: the member is told and disconnected. */
  overflow(): void;
}

export interface SharedFeedOptions<T> {
  readonly source: ResumableFeedSource<T>;
  /**
   * Decides and builds each item's message once for every member. It may
   * depend only on what all the members share (the stream, the filter, what
   * the members' agency may see), never on one member.
   */
  readonly messageOf: MessageOf<T>;
  /** Live items that may wait behind an asynchronous decision; beyond it every member is too slow. */
  readonly maxPending: number;
  /** Called once the last member has left (the feed is then unsubscribed and may be dropped). */
  readonly onIdle: () => void;
  /** Bytes of encoded backlog pages kept for members resuming nearby (SharedBacklog). Default 8 MiB. */
  readonly maxBacklogBytes?: number;
}

const DEFAULT_MAX_BACKLOG_BYTES = 8 * 1024 * 1024;

/**
 * One subscription to a live feed shared by every client that would be sent
 * the same bytes (same stream, same filter, same visibility). Each item's
 * message is decided and encoded once, the frames of one turn of the event
 * loop are joined into one buffer, and that buffer is handed to each member:
 * with a thousand dashboards on one stream, an event costs one decision, one
 * encoding and one socket write per client instead of a subscription chain,
 * a decision, an encoding and a write per client and event.
 *
 * Order is the source's: items wait behind an asynchronous decision rather
 * than overtake it.
 */
export class SharedFeed<T> {
  private readonly members = new Set<SharedFeedMember>();
  private subscription: Subscription | null = null;
  /** Items that arrived while an earlier one waits on an asynchronous decision. */
  private readonly waiting: Positioned<T>[] = [];
  private deciding = false;
  private frames: EncodedFrame[] = [];
  private first: GlobalPosition | null = null;
  private last: GlobalPosition | null = null;
  private flushScheduled = false;
  /** The last item taken from the source. */
  private received: GlobalPosition | null = null;

  private readonly backlog: SharedBacklog<T>;

  constructor(private readonly options: SharedFeedOptions<T>) {
    this.backlog = new SharedBacklog({
      source: options.source,
      messageOf: options.messageOf,
      maxBytes: options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES,
    });
  }

  get source(): ResumableFeedSource<T> {
    return this.options.source;
  }

  /**
   * The next page of the backlog after `after`, up to `upTo` at most, with the
   * frames every member is sent: read and encoded once for all the members
   * resuming from there or nearby (SharedBacklog).
   */
  backlogPage(after: GlobalPosition | undefined, upTo: GlobalPosition): Promise<FrameBatch> {
    return this.backlog.page(after, upTo);
  }

  /**
   * Adds a member: it is handed every batch flushed from now on, including
   * items that arrived just before it joined (it skips what it already sent).
   * Returns the function that removes it.
   */
  join(member: SharedFeedMember): () => void {
    this.members.add(member);
    if (this.subscription === null) {
      this.subscription = this.options.source.live$.subscribe({
        next: (item) => this.onItem(item),
        error: (error: unknown) =>
          this.failAll('live.source-failed', error instanceof Error ? error.message : String(error)),
      });
    }
    return () => this.leave(member);
  }

  private leave(member: SharedFeedMember): void {
    if (!this.members.delete(member) || this.members.size > 0) return;
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.waiting.length = 0;
    this.received = null;
    this.frames = [];
    this.first = null;
    this.last = null;
    this.backlog.clear();
    this.options.onIdle();
  }

  private onItem(item: Positioned<T>): void {
    // Strictly increasing, whatever the source does: a batch's frames are then in order with no repeat.
    if (this.received !== null && comparePositions(item.position, this.received) <= 0) return;
    this.received = item.position;
    if (this.deciding) {
      if (this.waiting.length >= this.options.maxPending) {
        for (const member of [...this.members]) member.overflow();
        return;
      }
      this.waiting.push(item);
      return;
    }
    this.decide(item);
  }

  private decide(item: Positioned<T>): void {
    let message: SseMessage | null | Promise<SseMessage | null>;
    try {
      message = this.options.messageOf(item);
    } catch (error) {
      this.failAll('live.push-failed', error instanceof Error ? error.message : String(error));
      return;
    }
    if (!(message instanceof Promise)) {
      this.add(item, message);
      return;
    }
    this.deciding = true;
    message.then(
      (resolved) => {
        this.deciding = false;
        if (this.subscription === null) return;
        this.add(item, resolved);
        while (!this.deciding && this.waiting.length > 0) this.decide(this.waiting.shift()!);
      },
      (error: unknown) => {
        this.deciding = false;
        this.waiting.length = 0;
        this.failAll('live.push-failed', error instanceof Error ? error.message : String(error));
      },
    );
  }

  private add(item: Positioned<T>, message: SseMessage | null): void {
    this.first ??= item.position;
    this.last = item.position;
    if (message !== null)
      this.frames.push({ position: item.position, id: message.id, frame: encodeFrame(message) });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the current turn: every item the store delivered in it leaves in one batch.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.first === null || this.last === null) return;
    const frames = this.frames;
    const batch: FrameBatch = {
      first: this.first,
      last: this.last,
      frames,
      bytes: frames.length === 1 ? frames[0].frame : Buffer.concat(frames.map((entry) => entry.frame)),
      lastId: lastIdOf(frames),
    };
    this.frames = [];
    this.first = null;
    this.last = null;
    for (const member of [...this.members]) member.receive(batch);
  }

  /** Ends every member's stream with an error, after what was decided before it. */
  private failAll(code: string, message: string): void {
    this.flush();
    for (const member of [...this.members]) member.fail(code, message);
  }
}
