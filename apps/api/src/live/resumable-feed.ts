import { setImmediate } from 'node:timers/promises';
import { comparePositions, formatPosition, type GlobalPosition } from '@timeline/event-store';
import type { SseChannel } from './sse-channel';
import type { FrameBatch, SharedFeed, SharedFeedMember } from './shared-feed';

export interface ResumableFeedOptions {
  /** Live items that may wait while the backlog is sent; beyond it the client is too slow. */
  readonly maxPendingLive: number;
}

/**
 * Streams a backlog and then live items to one SSE client with no gap and no
 * duplicate: it joins the shared live feed first (holding what arrives), sends
 * the backlog up to the position the live feed had reached, a page per turn of
 * the event loop (pages the feed reads and encodes once for every member
 * resuming nearby: SharedBacklog), then
 * the held items past the last one sent, then live items as they come. Every
 * step is ordered by global position; an item at or before the last sent
 * position is never sent again.
 */
export class ResumableFeed<T> implements SharedFeedMember {
  private last: GlobalPosition | undefined;
  private live = false;
  private heldItems = 0;
  private readonly held: FrameBatch[] = [];

  constructor(
    private readonly channel: SseChannel,
    private readonly shared: SharedFeed<T>,
    private readonly options: ResumableFeedOptions,
  ) {}

  /** Starts streaming after `after` (exclusive; the client's Last-Event-ID) and returns once live. */
  async start(after: GlobalPosition | undefined): Promise<void> {
    this.last = after;
    const leave = this.shared.join(this);
    this.channel.onClose(() => {
      leave();
      this.held.length = 0;
    });
    const upTo = this.shared.source.livePosition();
    let cursor = after;
    while (upTo !== null && (cursor === undefined || comparePositions(upTo, cursor) > 0)) {
      const page = await this.shared.backlogPage(cursor, upTo);
      if (this.channel.isClosed) return;
      if (cursor !== undefined && comparePositions(page.last, cursor) <= 0)
        throw new Error(`The backlog after ${formatPosition(cursor)} did not move past it`);
      this.write(page);
      cursor = page.last;
      // One page per turn of the event loop: a crowd resuming at once leaves room for other requests.
      await setImmediate();
      if (this.channel.isClosed) return;
      if (!this.channel.hasRoom) await this.channel.drained();
    }
    for (const batch of this.held.splice(0)) this.write(batch);
    this.heldItems = 0;
    this.live = true;
  }

  receive(batch: FrameBatch): void {
    if (this.channel.isClosed) return;
    if (this.live) {
      this.write(batch);
      return;
    }
    this.heldItems += batch.frames.length;
    if (this.heldItems > this.options.maxPendingLive) {
      this.overflow();
      return;
    }
    this.held.push(batch);
  }

  fail(code: string, message: string): void {
    this.channel.fail(code, message);
  }

  overflow(): void {
    this.channel.overflow();
  }

  /** Writes what the batch holds past the last position sent: all of it in one write, or, overlapping, the rest frame by frame. */
  private write(batch: FrameBatch): void {
    const last = this.last;
    if (last !== undefined && comparePositions(batch.last, last) <= 0) return;
    this.last = batch.last;
    if (batch.frames.length === 0) return;
    if (last === undefined || comparePositions(batch.first, last) > 0) {
      this.channel.sendEncoded(batch.bytes, batch.lastId);
      return;
    }
    let sent = last;
    for (const frame of batch.frames) {
      if (comparePositions(frame.position, sent) <= 0) continue;
      sent = frame.position;
      this.channel.sendEncoded(frame.frame, frame.id);
    }
  }
}
