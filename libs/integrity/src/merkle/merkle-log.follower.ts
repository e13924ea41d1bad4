import type { Subscription } from 'rxjs';
import { OPERATION_STREAM_PREFIX } from '@timeline/events';
import {
  formatPosition,
  isAfter,
  type AllSubscriptionMessage,
  type EventStore,
  type RecordedEvent,
} from '@timeline/event-store';
import { leafInputOf } from './merkle-hashing';
import type { MerkleLeaf } from './merkle-leaf-records';
import type { MerkleLog } from './merkle-log';

/** The log's tree follows operation events only: the streams that are hash-chained. */
export const MERKLE_LOG_FILTER = { streamNamePrefixes: [OPERATION_STREAM_PREFIX] } as const;

/** The leaf of a stored event. */
export function merkleLeafOf(event: RecordedEvent): MerkleLeaf {
  return { position: event.position, leafInput: leafInputOf(event.metadata.hash) };
}

/**
 * The tree holds a leaf the log no longer has as it was: the log was cut short,
 * rewritten, or replaced by another. The follower stops; the tree file is kept
 * as evidence (docs/merkle-log.md).
 */
export interface MerkleLogDivergence {
  readonly leafIndex: number;
  readonly position: string;
  /** The leaf input (hex) the tree holds there. */
  readonly treeHolds: string;
  /** What the log holds at that position: a leaf input (hex), or null when it holds no event there. */
  readonly logHolds: string | null;
}

export type MerkleLogFollowerState = 'idle' | 'following' | 'diverged' | 'stopped';

export interface MerkleLogFollowerOptions {
  /** Events per store read when catching up on demand. Default 500. */
  readonly pageSize?: number;
  /** Delay before resubscribing after the subscription failed. Default 1,000 ms. */
  readonly resubscribeDelayMs?: number;
  readonly logger?: { error(message: string, context?: object): void };
}

/**
 * Keeps a MerkleLog up with the store's global log: a catch-up subscription
 * from the tree's last leaf, leaves appended in batches off the write path
 * (one write of the leaf file per batch). `sync()` reads the log up to its
 * current head first, for a head issued on demand. On start the tree's last
 * leaf is checked against the log: a log that no longer holds it diverged.
 */
export class MerkleLogFollower {
  private subscription: Subscription | null = null;
  private resubscribeTimer: NodeJS.Timeout | null = null;
  private pending: MerkleLeaf[] = [];
  private flushScheduled = false;
  private stateValue: MerkleLogFollowerState = 'idle';
  private divergenceValue: MerkleLogDivergence | null = null;
  private syncing: Promise<void> = Promise.resolve();

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

  async start(): Promise<void> {
    if (this.stateValue !== 'idle') return;
    this.divergenceValue = await this.findDivergence();
    if (this.divergenceValue) {
      this.stateValue = 'diverged';
      this.options.logger?.error(
        'The Merkle tree holds a leaf the event log no longer holds; not following',
        {
          ...this.divergenceValue,
        },
      );
      return;
    }
    this.stateValue = 'following';
    this.subscribe();
  }

  /** Reads the log up to its current head into the tree (after whatever the subscription already handed over). */
  sync(): Promise<void> {
    const run = this.syncing.then(async () => {
      if (this.stateValue !== 'following') return;
      const pageSize = this.options.pageSize ?? 500;
      for (;;) {
        this.flush();
        const page = await this.store.readAll({
          after: this.log.lastPosition ?? undefined,
          maxCount: pageSize,
          filter: MERKLE_LOG_FILTER,
        });
        // Stopped meanwhile (shutdown): the tree file may be closed.
        if (this.stateValue !== 'following') return;
        this.flush();
        this.accept(page);
        this.flush();
        if (page.length < pageSize) return;
      }
    });
    this.syncing = run.catch(() => undefined);
    return run;
  }

  stop(): void {
    if (this.resubscribeTimer) clearTimeout(this.resubscribeTimer);
    this.resubscribeTimer = null;
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.flush();
    if (this.stateValue === 'following') this.stateValue = 'stopped';
  }

  private subscribe(): void {
    this.subscription = this.store
      .subscribeToAll({ after: this.log.lastPosition ?? undefined, filter: MERKLE_LOG_FILTER })
      .subscribe({
        next: (message: AllSubscriptionMessage) => {
          if (message.kind === 'event') this.accept([message.event]);
        },
        error: (error: unknown) => this.resubscribeAfter(error),
        complete: () => this.resubscribeAfter(new Error('the subscription completed')),
      });
  }

  private resubscribeAfter(error: unknown): void {
    this.subscription = null;
    if (this.stateValue !== 'following') return;
    this.options.logger?.error('Merkle log subscription failed; resubscribing', {
      error: error instanceof Error ? error.message : String(error),
    });
    this.resubscribeTimer = setTimeout(() => {
      this.resubscribeTimer = null;
      if (this.stateValue !== 'following') return;
      this.flush();
      this.subscribe();
    }, this.options.resubscribeDelayMs ?? 1_000);
  }

  /** Queues the events after the last leaf; the queue is written in one batch on the next turn. */
  private accept(events: readonly RecordedEvent[]): void {
    const last =
      this.pending.length > 0 ? this.pending[this.pending.length - 1].position : this.log.lastPosition;
    let after = last;
    for (const event of events) {
      if (!event.streamName.startsWith(OPERATION_STREAM_PREFIX) || !isAfter(event.position, after)) continue;
      this.pending.push(merkleLeafOf(event));
      after = event.position;
    }
    if (this.pending.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const leaves = this.pending;
    this.pending = [];
    this.log.append(leaves);
  }

  private async findDivergence(): Promise<MerkleLogDivergence | null> {
    const size = this.log.size;
    if (size === 0) return null;
    const leaf = this.log.leafAt(size - 1);
    const after = size > 1 ? this.log.leafAt(size - 2).position : undefined;
    const [event] = await this.store.readAll({ after, maxCount: 1, filter: MERKLE_LOG_FILTER });
    const found =
      event && formatPosition(event.position) === formatPosition(leaf.position) ? merkleLeafOf(event) : null;
    if (found && found.leafInput.equals(leaf.leafInput)) return null;
    return {
      leafIndex: size - 1,
      position: formatPosition(leaf.position),
      treeHolds: leaf.leafInput.toString('hex'),
      logHolds: found ? found.leafInput.toString('hex') : null,
    };
  }
}
