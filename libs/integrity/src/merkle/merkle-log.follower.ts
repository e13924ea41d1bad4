import type { Observable, Subscription } from 'rxjs';
import { OPERATION_STREAM_PREFIX } from '@timeline/events/envelope/event-envelope';
import {
  comparePositions,
  formatPosition,
  isAfter,
  type AllSubscriptionMessage,
  type EventStore,
  type GlobalPosition,
  type RecordedEvent,
} from '@timeline/event-store/port';
import { leafInputOf } from './merkle-hashing';
import type { MerkleLeaf } from './merkle-leaf-records';
import type { MerkleLog } from './merkle-log';

/** The log's tree follows operation events only: the streams that are hash-chained. */
export const MERKLE_LOG_FILTER = { streamNamePrefixes: [OPERATION_STREAM_PREFIX] } as const;

/** The leaf of a stored event. */
export function merkleLeafOf(event: RecordedEvent): MerkleLeaf {
  return { position: event.position, leafInput: leafInputOf(event.metadata.hash), eventId: event.eventId };
}

/**
 * An event another reader of the log has already read (the projection runner),
 * handed to the tree so the log is not read a second time. The reader hands
 * events over in log order, each once, and says when it may have passed over
 * one (an event it could not read).
 */
export interface MerkleFeedEvent {
  readonly position: GlobalPosition;
  readonly streamName: string;
  readonly eventId: string;
  /** The event's stored `hash` (its metadata's), as the reader found it. */
  readonly hash: unknown;
  /**
   * True when the reader handed over every event of the log's operation streams
   * between the one it handed over before and this one; false when it may have
   * passed over one. The tree then reads that gap from the store.
   */
  readonly gapless: boolean;
}

/**
 * The tree holds a leaf the log no longer has as it was: the log was cut short,
 * rewritten, or replaced by another. The follower stops; the tree file is kept
 * as evidence (docs/merkle-log.md).
 */
export interface MerkleLogDivergence {
  /** The first leaf the log no longer holds. */
  readonly leafIndex: number;
  readonly position: string;
  /** The leaf input (hex) the tree holds there. */
  readonly treeHolds: string;
  /** What the log holds at that position: a leaf input (hex), or null when it holds no event there. */
  readonly logHolds: string | null;
}

/**
 * `catching-up`: reading the log from the store up to its head (at start);
 * `following`: caught up once, taking leaves as events arrive.
 */
export type MerkleLogFollowerState = 'idle' | 'catching-up' | 'following' | 'diverged' | 'stopped';

export interface MerkleLogFollowerOptions {
  /**
   * Events already read by another reader of the log (the api: its projection
   * runner's applied events). Without one, the follower subscribes to the store itself.
   * The follower stops when the feed completes, and resubscribes when it fails.
   */
  readonly feed?: Observable<MerkleFeedEvent>;
  /** Events per store read when catching up. Default 500. */
  readonly pageSize?: number;
  /** Delay before resubscribing, or reading again, after a failure. Default 1,000 ms. */
  readonly resubscribeDelayMs?: number;
  readonly logger?: { error(message: string, context?: object): void };
}

/** Where the tree's leaves came from since start: handed over by the feed, or read from the store. */
export interface MerkleLogFollowerCounts {
  readonly fromFeed: number;
  readonly fromStore: number;
}

/**
 * Keeps a MerkleLog up with the store's global log, off the write path, leaves
 * appended in batches (one write of the leaf file per turn).
 *
 * Leaves come from a feed of events already read (the projection runner's) once
 * the tree has caught up with it: an event is taken from the feed only when the
 * event the feed handed over just before it is the tree's last leaf, so the feed
 * cannot skip a leaf. Everything else (the start, a feed behind or ahead of the
 * tree, a feed that may have passed over an event, a resubscription) is read
 * from the store from the tree's last leaf: the gap only. Both sources hand
 * over a contiguous run of the log, and a leaf is taken only after the tree's
 * last, so none is doubled. `sync()` reads the log up to its current head, for
 * a head issued on demand. On start the tree's last leaf is checked against the
 * log: a log that no longer holds it diverged (docs/merkle-log.md).
 */
export class MerkleLogFollower {
  private subscription: Subscription | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private pending: MerkleLeaf[] = [];
  private flushScheduled = false;
  private stateValue: MerkleLogFollowerState = 'idle';
  private divergenceValue: MerkleLogDivergence | null = null;
  /** Store reads, one after another. */
  private reading: Promise<void> = Promise.resolve();
  private gapReadRequested = false;
  /** The position of the event the feed handed over last; undefined: none since (re)subscribing. */
  private feedLast: GlobalPosition | null | undefined = undefined;
  private fromFeed = 0;
  private fromStore = 0;

  constructor(
    private readonly store: EventStore,
    readonly log: MerkleLog,
    private readonly options: MerkleLogFollowerOptions = {},
  ) {}

  get state(): MerkleLogFollowerState {
    return this.stateValue;
  }

  get divergence(): MerkleLogDivergence | null {
    return this.divergenceValue;
  }

  get counts(): MerkleLogFollowerCounts {
    return { fromFeed: this.fromFeed, fromStore: this.fromStore };
  }

  /** Checks the tree against the log, then catches up with the log's head; resolves once following (or diverged). */
  async start(): Promise<void> {
    if (this.stateValue !== 'idle') return;
    this.stateValue = 'catching-up';
    const divergence = await this.findDivergence();
    if (this.stateValue !== 'catching-up') return;
    if (divergence) {
      this.divergenceValue = divergence;
      this.stateValue = 'diverged';
      this.options.logger?.error(
        'The Merkle tree holds a leaf the event log no longer holds; not following',
        { ...divergence },
      );
      return;
    }
    await this.fillLeafIds();
    this.subscribe();
    await this.readLog();
    if (this.stateValue === 'catching-up') this.stateValue = 'following';
  }

  /** The ids of leaves the tree lacks (its id file older, or lost): read from the log once, at start. */
  private async fillLeafIds(): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    while (this.active && this.log.leafIdsMissing > 0) {
      const first = this.log.size - this.log.leafIdsMissing;
      const page = await this.store.readAll({
        after: first > 0 ? this.log.leafAt(first - 1).position : undefined,
        maxCount: pageSize,
        filter: MERKLE_LOG_FILTER,
      });
      if (!this.active || this.log.fillLeafIds(page) === 0) return;
    }
  }

  /** Reads the log up to its current head into the tree (after whatever the feed already handed over). */
  sync(): Promise<void> {
    return this.readLog();
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.subscription?.unsubscribe();
    this.subscription = null;
    if (this.active) this.flush();
    if (this.active) this.stateValue = 'stopped';
  }

  private get active(): boolean {
    return this.stateValue === 'following' || this.stateValue === 'catching-up';
  }

  private subscribe(): void {
    const handlers = {
      error: (error: unknown) => this.resubscribeAfter(error),
      complete: () => this.resubscribeAfter(new Error('the subscription completed')),
    };
    if (this.options.feed) {
      this.feedLast = undefined;
      // A feed ends when its reader stops (the api shutting down): the tree has nothing more to follow.
      this.subscription = this.options.feed.subscribe({
        next: (event) => this.onFeed(event),
        error: handlers.error,
        complete: () => this.stop(),
      });
      return;
    }
    // The store's own subscription starts right after the tree's last leaf: its first event follows it.
    const after = this.lastQueued();
    this.feedLast = after;
    this.subscription = this.store
      .subscribeToAll({ after: after ?? undefined, filter: MERKLE_LOG_FILTER })
      .subscribe({
        next: (message: AllSubscriptionMessage) => {
          if (message.kind === 'event')
            this.onFeed({
              position: message.event.position,
              streamName: message.event.streamName,
              eventId: message.event.eventId,
              hash: message.event.metadata.hash,
              gapless: true,
            });
        },
        ...handlers,
      });
  }

  private resubscribeAfter(error: unknown): void {
    this.subscription = null;
    if (!this.active) return;
    this.options.logger?.error('Merkle log subscription failed; resubscribing', {
      error: error instanceof Error ? error.message : String(error),
    });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.active) return;
      this.flush();
      this.subscribe();
    }, this.options.resubscribeDelayMs ?? 1_000);
  }

  private onFeed(event: MerkleFeedEvent): void {
    if (!event.streamName.startsWith(OPERATION_STREAM_PREFIX)) return;
    const previous = this.feedLast;
    this.feedLast = event.position;
    if (!this.active) return;
    const last = this.lastQueued();
    // Already a leaf (the feed is behind the tree, or a store read got there first).
    if (!isAfter(event.position, last)) return;
    if (event.gapless && previous !== undefined && samePosition(previous, last)) {
      this.queue({ position: event.position, leafInput: leafInputOf(event.hash), eventId: event.eventId });
      this.fromFeed += 1;
      return;
    }
    this.requestGapRead();
  }

  /** Reads the gap between the tree and the feed from the store, once whatever read is under way ends. */
  private requestGapRead(): void {
    if (this.gapReadRequested) return;
    this.gapReadRequested = true;
    this.readLog().catch((error: unknown) => {
      this.options.logger?.error('Merkle log read failed; reading again', {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!this.active || this.retryTimer) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.active) this.requestGapRead();
      }, this.options.resubscribeDelayMs ?? 1_000);
    });
  }

  /**
   * Reads pages from the tree's last leaf until the log's head, and at least
   * up to the feed's last event (one the feed could not hand over).
   */
  private readLog(): Promise<void> {
    const run = this.reading.then(async () => {
      const pageSize = this.options.pageSize ?? 500;
      for (;;) {
        // Stopped meanwhile (shutdown): the tree file may be closed.
        if (!this.active) return;
        this.gapReadRequested = false;
        this.flush();
        const page = await this.store.readAll({
          after: this.log.lastPosition ?? undefined,
          maxCount: pageSize,
          filter: MERKLE_LOG_FILTER,
        });
        if (!this.active) return;
        // Leaves the feed handed over during the read come first; the page's are taken after them.
        this.flush();
        this.acceptRead(page);
        this.flush();
        if (page.length === 0) return;
        if (page.length < pageSize && !this.feedAhead()) return;
      }
    });
    this.reading = run.catch(() => undefined);
    return run;
  }

  private feedAhead(): boolean {
    return this.feedLast !== undefined && this.feedLast !== null && isAfter(this.feedLast, this.lastQueued());
  }

  private acceptRead(events: readonly RecordedEvent[]): void {
    let after = this.lastQueued();
    for (const event of events) {
      if (!event.streamName.startsWith(OPERATION_STREAM_PREFIX) || !isAfter(event.position, after)) continue;
      this.queue(merkleLeafOf(event));
      this.fromStore += 1;
      after = event.position;
    }
  }

  private lastQueued(): GlobalPosition | null {
    return this.pending.length > 0 ? this.pending[this.pending.length - 1].position : this.log.lastPosition;
  }

  /** Queues a leaf after the last one; the queue is written in one batch on the next turn. */
  private queue(leaf: MerkleLeaf): void {
    this.pending.push(leaf);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        if (this.active) this.flush();
      });
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const leaves = this.pending;
    this.pending = [];
    this.log.append(leaves);
  }

  /**
   * Null when the log still holds the tree's last leaf. Otherwise the first leaf
   * it no longer holds, found by bisection: a rewrite re-chained to the end, or
   * a cut, changes every leaf from some point on.
   */
  private async findDivergence(): Promise<MerkleLogDivergence | null> {
    const size = this.log.size;
    if (size === 0) return null;
    const last = await this.logHoldsLeaf(size - 1);
    if (last.holds) return null;
    let low = 0;
    let high = size - 1;
    let first = last;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const probe = await this.logHoldsLeaf(middle);
      if (probe.holds) low = middle + 1;
      else {
        high = middle;
        first = probe;
      }
    }
    const leaf = this.log.leafAt(high);
    return {
      leafIndex: high,
      position: formatPosition(leaf.position),
      treeHolds: leaf.leafInput.toString('hex'),
      logHolds: first.found ? first.found.toString('hex') : null,
    };
  }

  /** Whether the log holds the leaf at `index`; what it holds at its position otherwise. */
  private async logHoldsLeaf(index: number): Promise<{ holds: boolean; found: Buffer | null }> {
    const leaf = this.log.leafAt(index);
    const after = index > 0 ? this.log.leafAt(index - 1).position : undefined;
    const [event] = await this.store.readAll({ after, maxCount: 1, filter: MERKLE_LOG_FILTER });
    const found =
      event && comparePositions(event.position, leaf.position) === 0 ? merkleLeafOf(event).leafInput : null;
    return { holds: found !== null && found.equals(leaf.leafInput), found };
  }
}

function samePosition(a: GlobalPosition | null, b: GlobalPosition | null): boolean {
  if (a === null || b === null) return a === b;
  return comparePositions(a, b) === 0;
}
