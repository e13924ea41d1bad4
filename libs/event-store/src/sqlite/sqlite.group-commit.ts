import { setTimeout as sleep } from 'node:timers/promises';
import type { SqliteCheckpointer } from './sqlite.checkpointer';
import type { SqliteWalFile, WalSync } from './sqlite.wal-file';
import type {
  AppendOutcome,
  AppendRequest,
  WireEvent,
  WireExpectedRevision,
  WriterFaults,
  WriterMetrics,
  SqliteWriter,
} from './sqlite.writer';

interface Waiting {
  readonly request: AppendRequest;
  resolve(outcome: AppendOutcome): void;
}

/** A committed append waiting for the sync that makes it durable. */
interface Committed {
  readonly waiting: Waiting;
  readonly outcome: AppendOutcome;
}

/** How full the write queue is and has been, and how often the WAL was synced. */
export interface WriteQueueMetrics {
  /** Events of appends waiting for the disk (queued, committed and not yet synced). */
  readonly queuedEvents: number;
  /** The most events ever waiting at once. */
  readonly queuedEventsHighWater: number;
  /** Appends refused because the queue was full. */
  readonly refusedQueueFull: number;
  /** Syncs of the WAL; each acknowledges every group committed before it started. */
  readonly walSyncs: number;
}

export interface GroupCommitOptions {
  /** Most events one transaction takes; the rest go to the next. */
  readonly maxEventsPerTransaction: number;
  /** Most events that may wait for the disk at once; past it appends are refused at once. */
  readonly maxQueuedEvents: number;
  readonly sync: WalSync;
}

/**
 * The durable watermark of one store file in this process: the last seq a sync of its WAL has
 * covered. Every store of the process writing the same file shares it (tests open several; the
 * file's lock keeps other processes from writing): a sync covers every frame written before it,
 * whoever wrote it, and seqs are in WAL order.
 */
export class DurableWatermark {
  private static readonly byFile = new Map<string, DurableWatermark>();
  private value = 0;
  private committed = 0;

  static of(file: string): DurableWatermark {
    let watermark = DurableWatermark.byFile.get(file);
    if (!watermark) DurableWatermark.byFile.set(file, (watermark = new DurableWatermark()));
    return watermark;
  }

  /** 0 while nothing is durable. */
  get seq(): number {
    return this.value;
  }

  /** The last seq committed to the file by any store of this process. */
  get committedSeq(): number {
    return this.committed;
  }

  noteCommitted(seq: number): void {
    if (seq > this.committed) this.committed = seq;
  }

  /** Everything up to `seq` was just synced. */
  advance(seq: number): void {
    if (seq > this.value) this.value = seq;
  }

  /** The file was just opened and synced whole: its head is the watermark, whatever it was before (a restore). */
  reset(seq: number): void {
    this.value = seq;
    this.committed = seq;
  }
}

/** The page size of the store's file (SQLite's default). */
const PAGE_BYTES = 4096;

/**
 * The store's write path, on the main thread: appends made in one turn of the event loop are
 * committed as one transaction (SqliteWriter), and a group is acknowledged only after a sync of
 * the WAL that started after its commit has returned. The connection runs synchronous=NORMAL, so
 * the commit itself writes the WAL without syncing; the sync runs on the libuv pool, off the
 * event loop. While a sync is in flight the next groups commit, and the next sync covers them
 * all: the WAL is written sequentially, so one sync covers every frame before it.
 *
 * The last position whose sync returned is the durable watermark: reads never go past it
 * (nothing is visible before it is durable). A failed sync fails closed: the page cache may
 * have dropped the frames it could not write, so every append waiting for it or after it is
 * refused, and so is every later one until the process restarts
 * (docs/architecture.md, "Durability of the embedded store").
 */
export class SqliteGroupCommit {
  private nextId = 1;
  private queue: Waiting[] = [];
  private flushScheduled = false;
  /** Held back while a checkpoint copies the WAL's last frames (SqliteCheckpointer). */
  private paused = false;
  /** Committed, in commit order, not yet covered by a sync that started. */
  private unsynced: Committed[] = [];
  /** The sync in flight (with its handling), or null. */
  private syncing: Promise<void> | null = null;
  /** Why every append is refused since the disk failed, or null. */
  private failure: { reason: string; since: string } | null = null;
  private closed = false;
  private counters = { queuedEvents: 0, queuedEventsHighWater: 0, refusedQueueFull: 0, walSyncs: 0 };
  private faults: WriterFaults = {};

  constructor(
    private readonly writer: SqliteWriter,
    private readonly wal: SqliteWalFile,
    private readonly checkpointer: SqliteCheckpointer,
    private readonly watermark: DurableWatermark,
    private readonly onDurable: (headSeq: number) => void,
    private readonly options: GroupCommitOptions,
  ) {
    // The WAL was synced when it was opened: everything in the file is durable.
    watermark.reset(writer.headSeq() ?? 0);
  }

  /** Why every append is refused until the process restarts, since when; null while the disk is trusted. */
  get diskFailure(): { reason: string; since: string } | null {
    return this.failure;
  }

  get metrics(): WriteQueueMetrics {
    return { ...this.counters };
  }

  get writerMetrics(): WriterMetrics {
    return this.writer.metrics;
  }

  /** Simulates faults from the next group on (fault-injection tests and drills). */
  injectFaults(faults: WriterFaults): void {
    this.faults = faults;
    this.writer.faults = faults;
  }

  append(
    stream: string,
    expected: WireExpectedRevision,
    events: readonly WireEvent[],
  ): Promise<AppendOutcome> {
    const id = this.nextId++;
    if (this.closed) return Promise.resolve(unavailable(id, 'the store is closed'));
    if (this.failure !== null) return Promise.resolve(unavailable(id, this.failure.reason));
    // A slow or stalled disk must not turn into unbounded memory: past the bound, appends are
    // refused at once (503 and Retry-After over HTTP) instead of waiting behind the others.
    const queued = this.counters.queuedEvents;
    if (queued > 0 && queued + events.length > this.options.maxQueuedEvents) {
      this.counters.refusedQueueFull++;
      return Promise.resolve(
        unavailable(id, `the write queue is full (${queued} events are waiting for the disk)`),
      );
    }
    this.counters.queuedEvents += events.length;
    if (this.counters.queuedEvents > this.counters.queuedEventsHighWater)
      this.counters.queuedEventsHighWater = this.counters.queuedEvents;
    return new Promise((resolve) => {
      this.queue.push({ request: { id, stream, expected, events }, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // Every append made in this turn of the event loop goes into one transaction: under load
        // one turn handles many requests, so they share one commit and one sync.
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits what is queued, waits for every sync, and closes the WAL's descriptor. The store
   * refuses new appends before calling it.
   */
  async close(): Promise<void> {
    while (this.queue.length > 0 && this.failure === null) this.commitNextGroup();
    while (this.syncing) await this.syncing;
    this.closed = true;
    this.wal.close();
  }

  /** Holds new commits back (they queue) until `resumeCommits`. */
  pauseCommits(): void {
    this.paused = true;
  }

  resumeCommits(): void {
    this.paused = false;
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits the next group; one group per turn of the event loop, so other work gets between. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || this.failure !== null || this.paused) return;
    this.commitNextGroup();
    if (this.queue.length > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private commitNextGroup(): void {
    let events = 0;
    let take = 0;
    while (
      take < this.queue.length &&
      (take === 0 || events + this.queue[take].request.events.length <= this.options.maxEventsPerTransaction)
    ) {
      events += this.queue[take].request.events.length;
      take++;
    }
    const group = this.queue.splice(0, take);
    const outcomes = this.writer.writeGroup(group.map((waiting) => waiting.request));
    const head = this.writer.headSeq();
    if (head !== null) this.watermark.noteCommitted(head);
    // Refusals wait for the sync too: a retry answered from the log, or a conflict's actual
    // revision, may rest on an event of a group not yet durable.
    for (let i = 0; i < group.length; i++) this.unsynced.push({ waiting: group[i], outcome: outcomes[i] });
    this.checkpointer.noteWritten(walPagesOf(group));
    this.syncNext();
  }

  /** Starts a sync covering every group committed so far, unless one is in flight. */
  private syncNext(): void {
    if (this.syncing !== null || this.unsynced.length === 0 || this.failure !== null) return;
    const covered = this.unsynced;
    this.unsynced = [];
    // Every commit up to the file's head is in the WAL before the sync starts, so the sync covers it.
    const head = this.watermark.committedSeq;
    this.syncing = this.syncWal().then(
      () => this.synced(covered, head),
      (error: unknown) => this.syncFailed(covered, error),
    );
  }

  private syncWal(): Promise<unknown> {
    let synced: Promise<void>;
    try {
      synced = this.options.sync(this.wal.fd);
    } catch (error) {
      synced = Promise.reject(error);
    }
    const delay = this.faults.syncDelayMs;
    return delay !== undefined && delay > 0 ? synced.then(() => sleep(delay)) : synced;
  }

  private synced(covered: readonly Committed[], head: number): void {
    this.syncing = null;
    this.counters.walSyncs++;
    if (this.failure !== null) {
      // After a failure (a checkpoint's, meanwhile), a sync that returns proves nothing about
      // the pages the failed one may have dropped.
      this.refuseAll(covered, this.failure.reason);
      return;
    }
    this.watermark.advance(head);
    for (const { waiting, outcome } of covered) this.answer(waiting, outcome);
    if (head > 0) this.onDurable(head);
    this.syncNext();
  }

  private syncFailed(covered: readonly Committed[], error: unknown): void {
    this.syncing = null;
    const reason = `the disk failed to make the write-ahead log durable (${describe(error)}); events committed since the last sync may be lost, so the store refuses writes until the process restarts`;
    this.failClosed(reason);
    this.refuseAll(covered, this.failure?.reason ?? reason);
  }

  /**
   * Refuses every append from now on, and every one waiting: the disk cannot be trusted (a sync
   * or a checkpoint failed, the WAL's file was replaced). Only a restart, which syncs the WAL
   * again and reads the file afresh, gets the store writing again.
   */
  failClosed(reason: string): void {
    if (this.failure !== null) return;
    this.failure = { reason, since: new Date().toISOString() };
    const unsynced = this.unsynced;
    const queued = this.queue;
    this.unsynced = [];
    this.queue = [];
    this.refuseAll(unsynced, reason);
    for (const waiting of queued) this.answer(waiting, unavailable(waiting.request.id, reason));
  }

  private refuseAll(committed: readonly Committed[], reason: string): void {
    for (const { waiting } of committed) this.answer(waiting, unavailable(waiting.request.id, reason));
  }

  private answer(waiting: Waiting, outcome: AppendOutcome): void {
    this.counters.queuedEvents -= waiting.request.events.length;
    waiting.resolve(outcome);
  }
}

/**
 * About how many WAL pages a group wrote: the last pages of the table and its two indexes, and
 * the rows' bytes, in the table and again in the indexes' pages they land on.
 */
function walPagesOf(group: readonly Waiting[]): number {
  let bytes = 0;
  for (const { request } of group) {
    for (const event of request.events)
      bytes += event.data.length + event.metadata.length + event.eventId.length + request.stream.length;
  }
  return 3 + group.length + Math.ceil((2 * bytes) / PAGE_BYTES);
}

function unavailable(id: number, reason: string): AppendOutcome {
  return { id, ok: false, failure: { kind: 'unavailable', reason } };
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
